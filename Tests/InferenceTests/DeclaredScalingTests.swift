import Foundation
import GGUF
import Inference
import RoPE
import RoPEScopeTestSupport
import XCTest

/// `LlamaGGUFLoader.declaredScaling`: every `{arch}.rope.scaling.*` key is honoured (with llama.cpp's
/// meaning) or refused naming the key and the allowed values. TinyModel: rotary dimension 8,
/// base 10000, context_length 64.
final class DeclaredScalingTests: XCTestCase {
    /// θ_i = 10000^(−2i/8), i = 0…3, computed here independently of the RoPE target.
    private let theta = (0..<4).map { Foundation.pow(10000.0, -2.0 * Double($0) / 8.0) }

    private func scaling(_ overrides: [String: GGUFValue?],
                         tensors: [(name: String, dimensions: [Int], values: [Float])] = []) throws -> RoPEScaling {
        try LlamaGGUFLoader.declaredScaling(GGUFFile(bytes: TinyModel.variant(metadata: overrides, extraTensors: tensors)))
    }

    private func assertRefused(_ overrides: [String: GGUFValue?], key: String, _ fragment: String,
                               tensors: [(name: String, dimensions: [Int], values: [Float])] = [],
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try scaling(overrides, tensors: tensors), file: file, line: line) { error in
            guard case let .invalidMetadata(found, reason)? = error as? InferenceError else {
                return XCTFail("expected invalidMetadata, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(found, key, file: file, line: line)
            XCTAssert(reason.contains(fragment), "\(error)", file: file, line: line)
        }
    }

    private func assertClose(_ a: [Double], _ b: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-12 * abs(y), file: file, line: line) }
    }

    func testSupportedDeclarations() throws {
        XCTAssertEqual(try scaling([:]), RoPEScaling.none)
        XCTAssertEqual(try scaling(["llama.rope.scaling.type": .string("none"), "llama.rope.scaling.factor": .float32(4)]), .none)
        XCTAssertEqual(try scaling(["llama.rope.scaling.type": .string("linear"), "llama.rope.scaling.factor": .float32(4)]),
                       .linear(factor: 4))
        // llama.cpp's default type is "linear": a factor without a type scales linearly.
        XCTAssertEqual(try scaling(["llama.rope.scaling.factor": .float32(4)]), .linear(factor: 4))
        XCTAssertEqual(try scaling(["llama.rope.scale_linear": .float64(2)]), .linear(factor: 2))
        XCTAssertEqual(try scaling(["llama.rope.scaling.type": .string("linear")]), .none)
        // original_context_length does not change linear scaling (nor llama.cpp's), so it is accepted.
        XCTAssertEqual(try scaling(["llama.rope.scaling.type": .string("linear"), "llama.rope.scaling.factor": .float32(2),
                                    "llama.rope.scaling.original_context_length": .uint32(32)]), .linear(factor: 2))

        var expected = YaRNParameters(factor: 4, originalContext: 64)
        expected.variant = .llamacpp
        XCTAssertEqual(try scaling(["llama.rope.scaling.type": .string("yarn"), "llama.rope.scaling.factor": .float32(4)]),
                       .yarn(expected))
        expected.originalContext = 32
        expected.betaFast = 16
        expected.betaSlow = 2
        expected.extrapolationFactor = 0.5
        expected.attentionFactor = 0.75 * 2
        XCTAssertEqual(try scaling([
            "llama.rope.scaling.type": .string("yarn"), "llama.rope.scaling.factor": .float32(4),
            "llama.rope.scaling.original_context_length": .uint32(32), "llama.rope.scaling.yarn_beta_fast": .float32(16),
            "llama.rope.scaling.yarn_beta_slow": .float32(2), "llama.rope.scaling.yarn_ext_factor": .float32(0.5),
            "llama.rope.scaling.yarn_attn_factor": .float32(0.75), "llama.rope.scaling.attn_factor": .float32(2),
        ]), .yarn(expected))
    }

    func testMagnitudeAndFrequencyDivisorsAreHonoured() throws {
        let geometry = try RotaryGeometry(rotaryDimension: 8, base: 10000)
        // attn_factor with no scaling: θ unchanged, cos/sin magnitude 2 (ggml mscale = attn_factor).
        let magnitude = try scaling(["llama.rope.scaling.attn_factor": .float32(2)]).frequencies(for: geometry)
        assertClose(magnitude.inverseFrequency, theta)
        XCTAssertEqual(magnitude.attentionFactor, 2)
        // rope_freqs.weight f with linear s = 2: θ'_i = θ_i/(2·f_i), magnitude 1 (ggml, ext_factor 0).
        let divisors: [Float] = [1, 1, 2, 8]
        let declared = try scaling(["llama.rope.scaling.type": .string("linear"), "llama.rope.scaling.factor": .float32(2)],
                                   tensors: [("rope_freqs.weight", [4], divisors)])
        let frequencies = try declared.frequencies(for: geometry)
        assertClose(frequencies.inverseFrequency, zip(theta, divisors).map { $0 / (2 * Double($1)) })
        XCTAssertEqual(frequencies.attentionFactor, 1)
    }

    func testUnsupportedOrMalformedTypesAreRefused() {
        let key = "llama.rope.scaling.type"
        assertRefused([key: .string("longrope")], key: key, "allowed none, linear, yarn")
        assertRefused([key: .string("su")], key: key, "'su' is not a known scaling type: allowed none, linear, yarn")
        assertRefused([key: .uint32(2)], key: key, "has type uint32: allowed a string")
        assertRefused([key: .array(elementType: .string, elements: [.string("yarn")])], key: key, "has type array<string>")
    }

    func testBadFactorsAreRefused() {
        let key = "llama.rope.scaling.factor"
        for bad: GGUFValue in [.float32(.nan), .float32(0), .float32(-1), .float64(.infinity)] {
            assertRefused(["llama.rope.scaling.type": .string("yarn"), key: bad], key: key, "allowed a finite number")
            assertRefused(["llama.rope.scaling.type": .string("linear"), key: bad], key: key, "allowed a finite number")
        }
        assertRefused(["llama.rope.scaling.type": .string("linear"), key: .uint32(4)], key: key, "has type uint32")
        assertRefused(["llama.rope.scaling.type": .string("linear"), key: .string("4")], key: key, "has type string")
        assertRefused(["llama.rope.scaling.type": .string("yarn")], key: key, "is missing")
        assertRefused(["llama.rope.scale_linear": .float32(-2)], key: "llama.rope.scale_linear", "allowed a finite number > 0")
        assertRefused(["llama.rope.scaling.attn_factor": .float32(0)], key: "llama.rope.scaling.attn_factor", "> 0")
    }

    func testBadYaRNKeysAreRefused() {
        let yarn: [String: GGUFValue?] = ["llama.rope.scaling.type": .string("yarn"), "llama.rope.scaling.factor": .float32(4)]
        func with(_ key: String, _ value: GGUFValue) -> [String: GGUFValue?] { yarn.merging([key: value]) { $1 } }
        let original = "llama.rope.scaling.original_context_length"
        assertRefused(with(original, .uint32(0)), key: original, "allowed an integer in 1...1073741824")
        assertRefused(with(original, .float32(4096)), key: original, "(float32): allowed an integer")
        assertRefused(with("llama.rope.scaling.yarn_ext_factor", .float32(2)), key: "llama.rope.scaling.yarn_ext_factor", "0...1")
        assertRefused(with("llama.rope.scaling.yarn_beta_fast", .float32(.nan)), key: "llama.rope.scaling.yarn_beta_fast", "finite")
        assertRefused(with("llama.rope.scaling.yarn_log_multiplier", .float32(0.1)),
                      key: "llama.rope.scaling.yarn_log_multiplier", "not supported")
        assertRefused(["llama.rope.scaling.type": .string("linear"), "llama.rope.scaling.factor": .float32(2),
                       "llama.rope.scaling.yarn_beta_fast": .float32(8)],
                      key: "llama.rope.scaling.yarn_beta_fast", "allowed only with type yarn")
        assertRefused(yarn, key: "rope_freqs.weight", "together with yarn scaling are not supported",
                      tensors: [("rope_freqs.weight", [4], [1, 1, 2, 4])])
        assertRefused([:], key: "rope_freqs.weight", "entry 2 is 0.0: allowed finite numbers > 0",
                      tensors: [("rope_freqs.weight", [4], [1, 1, 0, 4])])
    }

    func testDeclaredValuesGivingUnusableFrequenciesAreRefused() {
        // θ_0/5e-324 = inf: every factor is a finite number > 0, but the frequencies are not usable.
        assertRefused(["llama.rope.scaling.type": .string("linear"), "llama.rope.scaling.factor": .float64(5e-324)],
                      key: "llama.rope.scaling.*", "θ'[0] is inf")
    }

    func testFrequencyDivisorsOfTheWrongShapeAreRefused() {
        XCTAssertThrowsError(try scaling([:], tensors: [("rope_freqs.weight", [3], [1, 1, 2])])) { error in
            XCTAssertEqual(error as? InferenceError, .tensorDimensionsMismatch(name: "rope_freqs.weight", found: [3], expected: [4]))
        }
    }
}
