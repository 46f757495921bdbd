import GGUF
import Inference
import RoPE
import RoPEScopeTestSupport
import XCTest

/// Seeded fuzz of the size and scaling metadata of the tiny model with values from the hostile
/// ranges (0, ±1, powers of two up to 2^63, the extremes of each integer type, NaN/±inf/−0 floats,
/// wrong types). Loading and deriving the scaling must either succeed or throw `InferenceError`:
/// an arithmetic trap would kill the test process, which is the failure this guards against.
final class MetadataFuzzTests: XCTestCase {
    private static let sizeKeys = [
        "llama.embedding_length", "llama.block_count", "llama.feed_forward_length", "llama.attention.head_count",
        "llama.attention.head_count_kv", "llama.attention.key_length", "llama.rope.dimension_count", "llama.context_length",
        "llama.vocab_size", "llama.rope.scaling.original_context_length",
    ]
    private static let floatKeys = [
        "llama.rope.freq_base", "llama.attention.layer_norm_rms_epsilon", "llama.rope.scaling.factor",
        "llama.rope.scaling.attn_factor", "llama.rope.scaling.yarn_beta_fast", "llama.rope.scaling.yarn_ext_factor",
    ]

    private func hostileInteger(_ random: inout SeededGenerator) -> GGUFValue {
        let k = Int.random(in: 0...63, using: &random)
        switch Int.random(in: 0..<8, using: &random) {
        case 0: return .uint64(UInt64(1) << UInt64(k))
        case 1: return .int64(-(Int64(1) << Int64(min(k, 62))))
        case 2: return .uint64(.max)
        case 3: return .int64(.min)
        case 4: return .int32(Int32.random(in: -2...2, using: &random))
        case 5: return .uint32(.max)
        case 6: return .uint32(UInt32.random(in: 0...70_000, using: &random))
        default: return .float32(Float(k))
        }
    }

    private func hostileFloat(_ random: inout SeededGenerator) -> GGUFValue {
        let choices: [GGUFValue] = [.float32(.nan), .float32(.infinity), .float64(-.infinity), .float32(-0.0), .float32(0),
                                    .float64(-1), .float64(1e308), .float64(5e-324), .uint32(4), .string("4"), .float32(2)]
        return choices[Int.random(in: 0..<choices.count, using: &random)]
    }

    func testHostileMetadataNeverTraps() throws {
        var random = SeededGenerator(seed: 7)
        var outcomes = [String: Int]()
        for _ in 0..<300 {
            var overrides: [String: GGUFValue?] = [:]
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                overrides[Self.sizeKeys[Int.random(in: 0..<Self.sizeKeys.count, using: &random)]] = hostileInteger(&random)
            }
            if Bool.random(using: &random) {
                overrides[Self.floatKeys[Int.random(in: 0..<Self.floatKeys.count, using: &random)]] = hostileFloat(&random)
                overrides["llama.rope.scaling.type"] = .string(["none", "linear", "yarn"][Int.random(in: 0..<3, using: &random)])
            }
            let file = try GGUFFile(bytes: TinyModel.variant(metadata: overrides))
            do {
                let model = try LlamaGGUFLoader.model(file)
                let frequencies = try model.frequencies(LlamaGGUFLoader.declaredScaling(file))
                _ = try model.forward(tokens: [1, 2, 3], frequencies: frequencies, logits: .none)
                outcomes["ok", default: 0] += 1
            } catch let error as InferenceError {
                XCTAssertFalse(error.description.isEmpty)
                outcomes["inference", default: 0] += 1
            } catch let error as RoPEError {
                XCTAssertFalse(error.description.isEmpty)
                outcomes["rope", default: 0] += 1
            }
        }
        // Most mutations must be refused; some (e.g. a valid scaling) load.
        XCTAssertGreaterThan(outcomes["inference", default: 0], 200, "\(outcomes)")
    }
}
