import Inference
import RoPE
import XCTest

/// The Swift forward pass against the independent float64 numpy reference
/// (scripts/fixtures/numpy_llama_reference.py).
///
/// Tolerances: Swift runs in float32 (ε = 1.2e-7) through 2 blocks with dot products of length
/// ≤ 80; expected errors are ~1e-6 relative on logits of magnitude 1–8, and the fixture rounds
/// to 8 significant digits. abs 1e-4 + rel 1e-4 leaves a ~50× margin, while a wrong pairing,
/// frequency or attention factor moves logits by 1e-2…1 (see InvarianceTests).
/// Attention probabilities (≤ 1) get abs 2e-5 + rel 1e-4.
final class NumpyReferenceTests: XCTestCase {
    func testBaseModelAllMasksSpecsPairings() throws {
        try check("tiny_llama_base", expectedCases: 32)
    }

    func testPartialRotaryDimension() throws {
        try check("tiny_llama_partial_rotary", expectedCases: 8)
    }

    func testTiedOutput() throws {
        try check("tiny_llama_tied", expectedCases: 8)
    }

    private func check(_ name: String, expectedCases: Int) throws {
        let fixture = try ReferenceFixture.load(name)
        XCTAssertEqual(fixture.cases.count, expectedCases, "\(name): case count")
        let last = fixture.config.layerCount - 1
        let hookNames = ["blocks.0.attn.hook_rot_q", "blocks.1.attn.hook_pattern", "blocks.\(last).hook_resid_post"]
        for testCase in fixture.cases {
            let label = "\(name) \(testCase.label)"
            let pairing = try XCTUnwrap(RotaryPairing(rawValue: testCase.pairing), label)
            let model = try fixture.model(pairing: pairing)
            let frequencies = try model.frequencies(RoPESpec.parse(testCase.rope))
            let reference = try XCTUnwrap(fixture.rope[testCase.rope], label)
            // Same closed forms in Double on both sides: agreement to a few ulps.
            assertClose(frequencies.inverseFrequency.map(Float.init), reference.inverseFrequency,
                        absolute: 0, relative: 1e-7, "\(label) inverse frequency")
            XCTAssertEqual(frequencies.attentionFactor, reference.attentionFactor, accuracy: 1e-12, "\(label) attention factor")

            let recorder = HookRecorder()
            let result = try model.forward(
                tokens: fixture.tokens, mask: fixture.mask(of: testCase), frequencies: frequencies,
                targets: TokenTarget.nextTokens(fixture.tokens), hooks: HookSelection(hookNames), sink: recorder)
            assertClose(result.logits, testCase.logits, absolute: 1e-4, relative: 1e-4, "\(label) logits")
            for (index, (nll, expected)) in zip(result.negativeLogLikelihood, testCase.nextTokenNll).enumerated() {
                // NLL = lse − logit: inherits the logit tolerance twice.
                XCTAssertEqual(nll, expected, accuracy: 2e-4 + 2e-4 * abs(expected), "\(label) nll[\(index)]")
            }
            for hookName in hookNames {
                let expected = try XCTUnwrap(testCase.hooks[hookName], "\(label) \(hookName) missing in fixture")
                let actual = try XCTUnwrap(recorder[hookName], "\(label) \(hookName) not captured")
                XCTAssertEqual(actual.shape, expected.shape, "\(label) \(hookName) shape")
                let isPattern = hookName.hasSuffix("hook_pattern")
                assertClose(actual.values, expected.values, absolute: isPattern ? 2e-5 : 1e-4, relative: 1e-4,
                            "\(label) \(hookName)")
            }
        }
    }
}
