import Foundation
import Inference
import RoPE
import RoPEScopeTestSupport
import XCTest

/// One JSON fixture written by scripts/fixtures/numpy_llama_reference.py (schema in
/// Tests/Fixtures/inference/README.md).
struct ReferenceFixture: Decodable {
    struct Config: Decodable {
        let vocabularySize, embeddingSize, layerCount, headCount, kvHeadCount, headDim, ffnSize: Int
        let rmsNormEps, ropeBase: Double
        let rotaryDim, trainedContextLength: Int
        let tiedOutput: Bool

        enum CodingKeys: String, CodingKey {
            case vocabularySize = "vocabulary_size", embeddingSize = "embedding_size", layerCount = "layer_count"
            case headCount = "head_count", kvHeadCount = "kv_head_count", headDim = "head_dim", ffnSize = "ffn_size"
            case rmsNormEps = "rms_norm_eps", ropeBase = "rope_base", rotaryDim = "rotary_dim"
            case trainedContextLength = "trained_context_length", tiedOutput = "tied_output"
        }
    }

    struct Rope: Decodable {
        let inverseFrequency: [Double]
        let attentionFactor: Double
        enum CodingKeys: String, CodingKey { case inverseFrequency = "inverse_frequency", attentionFactor = "attention_factor" }
    }

    struct Hook: Decodable {
        let shape: [Int]
        let values: [Double]
    }

    struct Case: Decodable {
        let mask: String
        let withinDocument: String?
        let rope: String
        let pairing: String
        let logits: [Double]
        let nextTokenNll: [Double]
        let hooks: [String: Hook]

        enum CodingKeys: String, CodingKey {
            case mask, withinDocument = "within_document", rope, pairing, logits, nextTokenNll = "next_token_nll", hooks
        }

        var label: String { "\(mask)\(withinDocument.map { "/\($0)" } ?? "") \(rope) \(pairing)" }
    }

    let model: String
    let config: Config
    let tokens: [Int32]
    let documentIds: [Int32]
    let rope: [String: Rope]
    let weightScale: Double
    let weights: [String: [Int]]
    let cases: [Case]

    enum CodingKeys: String, CodingKey {
        case model, config, tokens, documentIds = "document_ids", rope, weightScale = "weight_scale", weights, cases
    }

    static func load(_ name: String) throws -> ReferenceFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/inference/\(name).json")
        return try JSONDecoder().decode(ReferenceFixture.self, from: Data(contentsOf: url))
    }

    func configuration(pairing: RotaryPairing, attention: AttentionDirection = .causal) throws -> LlamaConfiguration {
        try LlamaConfiguration(
            vocabularySize: config.vocabularySize, embeddingSize: config.embeddingSize, layerCount: config.layerCount,
            headCount: config.headCount, keyValueHeadCount: config.kvHeadCount, headDimension: config.headDim,
            feedForwardSize: config.ffnSize, rmsNormEpsilon: Float(config.rmsNormEps), ropeBase: config.ropeBase,
            rotaryDimension: config.rotaryDim, trainedContextLength: config.trainedContextLength,
            tiedOutput: config.tiedOutput, pairing: pairing, defaultAttention: attention)
    }

    /// Weights as float32 (exact: k·2⁻¹⁰ with small integers k).
    func tensor(_ name: String) throws -> [Float] {
        guard let values = weights[name] else { throw FixtureError.missing(name) }
        return values.map { Float(Double($0) * weightScale) }
    }

    func model(pairing: RotaryPairing, attention: AttentionDirection = .causal) throws -> LlamaModel {
        let c = try configuration(pairing: pairing, attention: attention)
        let layers = try (0..<c.layerCount).map { i in
            try LlamaLayerWeights(
                attentionNorm: tensor("blk.\(i).attn_norm.weight"), query: tensor("blk.\(i).attn_q.weight"),
                key: tensor("blk.\(i).attn_k.weight"), value: tensor("blk.\(i).attn_v.weight"),
                attentionOutput: tensor("blk.\(i).attn_output.weight"), feedForwardNorm: tensor("blk.\(i).ffn_norm.weight"),
                gate: tensor("blk.\(i).ffn_gate.weight"), up: tensor("blk.\(i).ffn_up.weight"),
                down: tensor("blk.\(i).ffn_down.weight"))
        }
        let output = c.tiedOutput ? nil : try tensor("output.weight")
        let weights = try LlamaWeights(configuration: c, tokenEmbedding: tensor("token_embd.weight"), layers: layers,
                                       outputNorm: tensor("output_norm.weight"), output: output)
        return LlamaModel(weights: weights)
    }

    func mask(of testCase: Case) throws -> AttentionMask {
        switch (testCase.mask, testCase.withinDocument) {
        case ("causal", nil): return .causal
        case ("bidirectional", nil): return .bidirectional
        case ("document", "causal"?): return .document(ids: documentIds, withinDocument: .causal)
        case ("document", "bidirectional"?): return .document(ids: documentIds, withinDocument: .bidirectional)
        default: throw FixtureError.missing("mask \(testCase.label)")
        }
    }
}

enum FixtureError: Error {
    case missing(String)
}

/// Asserts |actual − expected| ≤ absolute + relative·|expected| elementwise (symmetric in sign;
/// any NaN or ±inf fails),
/// printing the label, the first mismatches and the largest difference.
func assertClose(_ actual: [Float], _ expected: [Double], absolute: Double, relative: Double, _ label: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        XCTFail("\(label): \(actual.count) values, expected \(expected.count)", file: file, line: line)
        return
    }
    var worst = 0.0, worstIndex = 0, mismatches: [String] = []
    for (index, (a, e)) in zip(actual, expected).enumerated() {
        // NaN or ±inf never passes (an infinite expected value would otherwise allow anything).
        let bothFinite = a.isFinite && e.isFinite
        let difference = bothFinite ? abs(Double(a) - e) : .infinity
        if !bothFinite || !(difference <= absolute + relative * abs(e)) {
            if mismatches.count < 5 { mismatches.append("[\(index)] \(a) vs \(e)") }
        }
        if !(difference <= worst) { worst = difference; worstIndex = index }
    }
    if !mismatches.isEmpty {
        XCTFail("\(label): \(mismatches.count)+ mismatches, first \(mismatches.joined(separator: ", ")); max |diff| \(worst) at [\(worstIndex)]",
                file: file, line: line)
    }
}

/// Largest |a − b| over two equally long float arrays (∞ when the lengths differ).
func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    // A NaN or ±inf on either side makes the difference infinite, so `<= tolerance` fails.
    return zip(a, b).reduce(0) { max($0, $1.0.isFinite && $1.1.isFinite ? abs($1.0 - $1.1) : .infinity) }
}

extension SeededGenerator {
    /// `count` floats uniform in [−scale, scale].
    mutating func floats(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in Float.random(in: -scale...scale, using: &self) }
    }
}
