import Inference
import Probes
import RoPE
@testable import Training

/// Tiny configurations and examples for the gradient checks.
enum Tiny {
    static func configuration(tied: Bool = false, pairing: RotaryPairing = .adjacent, rotaryDimension: Int = 4,
                              vocabularySize: Int = 11) throws -> LlamaConfiguration {
        try LlamaConfiguration(vocabularySize: vocabularySize, embeddingSize: 8, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
                               headDimension: 4, feedForwardSize: 12, rmsNormEpsilon: 1e-5, ropeBase: 100,
                               rotaryDimension: rotaryDimension, trainedContextLength: 16, tiedOutput: tied, pairing: pairing)
    }

    /// Random parameters large enough that every gradient is far from zero (σ = 0.5, gains 1 ± 0.3).
    static func parameters(_ c: LlamaConfiguration, seed: UInt64 = 3) -> ParameterSet {
        var p = ParameterSet(randomFor: c, seed: seed, standardDeviation: 0.5)
        var generator = SplitMix64(seed: seed ^ 0xABCD)
        for (index, tensor) in p.tensors.enumerated() where !tensor.decays {
            p.values[index] = p.values[index].map { $0 + Float(generator.nextUnitInterval() - 0.5) * 0.6 }
        }
        return p
    }

    static func tokens(_ count: Int, vocabularySize: Int = 11, seed: UInt64 = 5) -> [Int32] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in Int32(generator.next() % UInt64(vocabularySize - 1)) }
    }
}
