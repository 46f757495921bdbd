import Foundation
import GGUF
import Inference
import Probes
import XCTest

/// The tiny random-weight `llada` model of Tests/Fixtures/diffusion/tiny_llada_model.json
/// (scripts/fixtures/numpy_masked_diffusion_reference.py; schema in the README there).
struct DiffusionModelFixture: Decodable {
    struct Config: Decodable {
        let vocabularySize, embeddingSize, layerCount, headCount, kvHeadCount, headDim, ffnSize: Int
        let rmsNormEps, ropeBase: Double
        let rotaryDim, trainedContextLength: Int

        enum CodingKeys: String, CodingKey {
            case vocabularySize = "vocabulary_size", embeddingSize = "embedding_size", layerCount = "layer_count"
            case headCount = "head_count", kvHeadCount = "kv_head_count", headDim = "head_dim", ffnSize = "ffn_size"
            case rmsNormEps = "rms_norm_eps", ropeBase = "rope_base", rotaryDim = "rotary_dim"
            case trainedContextLength = "trained_context_length"
        }
    }

    let config: Config
    let maskTokenID: Int32
    let contextLength: Int
    let tokens: [Int32]
    let weightScale: Double
    let weights: [String: [Int]]
    let weightShapes: [String: [Int]]

    enum CodingKeys: String, CodingKey {
        case config, maskTokenID = "mask_token_id", contextLength = "context_length", tokens
        case weightScale = "weight_scale", weights, weightShapes = "weight_shapes"
    }

    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/diffusion")
    }

    static func load() throws -> DiffusionModelFixture {
        try JSONDecoder().decode(Self.self, from: Data(contentsOf: directory.appendingPathComponent("tiny_llada_model.json")))
    }

    /// The model as a `llada` GGUF (f32 tensors). `maskTokenID` nil omits
    /// `tokenizer.ggml.mask_token_id`; `shiftLogits` nil omits `diffusion.shift_logits`.
    func gguf(maskTokenID: Int32?, shiftLogits: Bool?, architecture: String = "llada") throws -> [UInt8] {
        var writer = try GGUFWriter()
        try writer.addMetadata("general.architecture", .string(architecture))
        let c = config
        for (key, value) in [("embedding_length", c.embeddingSize), ("block_count", c.layerCount),
                             ("feed_forward_length", c.ffnSize), ("attention.head_count", c.headCount),
                             ("attention.head_count_kv", c.kvHeadCount), ("context_length", c.trainedContextLength),
                             ("rope.dimension_count", c.rotaryDim)] {
            try writer.addMetadata("\(architecture).\(key)", .uint32(UInt32(value)))
        }
        try writer.addMetadata("\(architecture).rope.freq_base", .float32(Float(c.ropeBase)))
        try writer.addMetadata("\(architecture).attention.layer_norm_rms_epsilon", .float32(Float(c.rmsNormEps)))
        try writer.addMetadata("\(architecture).attention.causal", .bool(false))
        if let maskTokenID { try writer.addMetadata(DiffusionMetadata.maskTokenKey, .uint32(UInt32(maskTokenID))) }
        if let shiftLogits { try writer.addMetadata(DiffusionMetadata.shiftLogitsKey, .bool(shiftLogits)) }
        for name in weights.keys.sorted() {
            guard let values = weights[name], let shape = weightShapes[name] else { continue }
            try writer.addTensor(name: name, dimensions: shape.reversed(),
                                 values: values.map { Float(Double($0) * weightScale) })
        }
        return writer.serialized()
    }

    /// Parsed GGUF, model and diffusion metadata.
    /// `withMaskToken` false omits `tokenizer.ggml.mask_token_id`.
    func load(shiftLogits: Bool? = false, withMaskToken: Bool = true) throws -> (GGUFFile, LlamaModel, DiffusionMetadata) {
        let file = try GGUFFile(bytes: try gguf(maskTokenID: withMaskToken ? maskTokenID : nil, shiftLogits: shiftLogits))
        return (file, try LlamaGGUFLoader.model(file), try DiffusionMetadata(file: file))
    }
}

/// One case of the reference comparison: the options a run draws its masks with.
struct DiffusionCase {
    let name: String
    let samples: Int
    let seed: UInt64
    let rule: MaskRule
    let shiftLogits: Bool
    let scoredTargets: ScoredTargets
    let ratioFloor: Double

    static let all: [DiffusionCase] = [
        DiffusionCase(name: "bernoulli-all", samples: 8, seed: 20_251_201, rule: .bernoulli, shiftLogits: false,
                      scoredTargets: .all, ratioFloor: 1e-3),
        DiffusionCase(name: "exact-all", samples: 8, seed: 7, rule: .exactCount, shiftLogits: false,
                      scoredTargets: .all, ratioFloor: 1e-3),
        DiffusionCase(name: "exact-second-half-shifted", samples: 5, seed: 99, rule: .exactCount, shiftLogits: true,
                      scoredTargets: .secondHalf, ratioFloor: 1e-3),
        DiffusionCase(name: "bernoulli-shifted-floor-0", samples: 6, seed: 3, rule: .bernoulli, shiftLogits: true,
                      scoredTargets: .all, ratioFloor: 0),
    ]
}

/// Tests/Fixtures/diffusion/tiny_llada_masks.json: the masks a Swift run exported, per case.
struct DiffusionMasksFile: Codable {
    struct Case: Codable {
        let name: String
        let export: MaskExport
    }

    let cases: [Case]
}

/// Tests/Fixtures/diffusion/tiny_llada_reference.json: numpy's numbers from those masks.
struct DiffusionReference: Decodable {
    struct Estimate: Decodable {
        let mean: Double
        let standardError: Double?
        let perSample: [Double]
        /// [window][position]; nil where not scored (or, for masked CE, never masked).
        let contribution: [[Double?]]

        enum CodingKeys: String, CodingKey {
            case mean, standardError = "standard_error", perSample = "per_sample", contribution
        }
    }

    struct Case: Decodable {
        let name: String
        let windows: Int
        let records: Int
        let recordNll: [[Double]]
        let bound: Estimate
        let maskedCe: Estimate

        enum CodingKeys: String, CodingKey {
            case name, windows, records, recordNll = "record_nll", bound, maskedCe = "masked_ce"
        }
    }

    let masksSha256: String
    let cases: [Case]

    enum CodingKeys: String, CodingKey {
        case masksSha256 = "masks_sha256", cases
    }
}

/// |actual − expected| ≤ relative·|expected| + absolute, symmetric; fails on NaN or infinity.
func assertRelativelyClose(_ actual: Double, _ expected: Double, relative: Double, absolute: Double = 0, _ label: String,
                           file: StaticString = #filePath, line: UInt = #line) {
    guard actual.isFinite, expected.isFinite else {
        XCTFail("\(label): non-finite value \(actual) vs \(expected)", file: file, line: line)
        return
    }
    let difference = abs(actual - expected)
    XCTAssert(difference <= relative * abs(expected) + absolute,
              "\(label): \(actual) vs \(expected) (|diff| \(difference), allowed \(relative * abs(expected) + absolute))",
              file: file, line: line)
}
