import Inference
import RoPE
import RoPEScopeTestSupport

/// Small random-weight models for invariance tests (no fixture needed).
enum RandomModel {
    static func configuration(pairing: RotaryPairing = .adjacent, attention: AttentionDirection = .causal,
                              rotaryDimension: Int = 8, tied: Bool = false) throws -> LlamaConfiguration {
        try LlamaConfiguration(
            vocabularySize: 53, embeddingSize: 32, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            headDimension: 8, feedForwardSize: 40, rmsNormEpsilon: 1e-5, ropeBase: 10000,
            rotaryDimension: rotaryDimension, trainedContextLength: 64, tiedOutput: tied,
            pairing: pairing, defaultAttention: attention)
    }

    static func weights(_ c: LlamaConfiguration, seed: UInt64 = 7) throws -> LlamaWeights {
        var rng = SeededGenerator(seed: seed)
        func matrix(_ tensor: LlamaLayerTensor, scale: Float) -> [Float] {
            rng.floats(tensor.shape(c).reduce(1, *), scale: scale)
        }
        func gain() -> [Float] { rng.floats(c.embeddingSize, scale: 0.2).map { 1 + $0 } }
        let layers = (0..<c.layerCount).map { _ in
            LlamaLayerWeights(
                attentionNorm: gain(), query: matrix(.query, scale: 0.4), key: matrix(.key, scale: 0.4),
                value: matrix(.value, scale: 0.4), attentionOutput: matrix(.attentionOutput, scale: 0.3),
                feedForwardNorm: gain(), gate: matrix(.gate, scale: 0.4), up: matrix(.up, scale: 0.4),
                down: matrix(.down, scale: 0.3))
        }
        let embedding = rng.floats(c.vocabularySize * c.embeddingSize, scale: 1.5)
        return try LlamaWeights(
            configuration: c, tokenEmbedding: embedding, layers: layers, outputNorm: gain(),
            output: c.tiedOutput ? nil : rng.floats(c.vocabularySize * c.embeddingSize, scale: 0.5))
    }

    static func model(pairing: RotaryPairing = .adjacent, attention: AttentionDirection = .causal,
                      tiling: AttentionTiling = .standard, seed: UInt64 = 7) throws -> LlamaModel {
        LlamaModel(weights: try weights(configuration(pairing: pairing, attention: attention), seed: seed), tiling: tiling)
    }

    static func tokens(_ count: Int, seed: UInt64 = 11) -> [Int32] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Int32.random(in: 0..<53, using: &rng) }
    }
}
