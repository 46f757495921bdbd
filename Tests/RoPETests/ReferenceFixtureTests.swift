import Foundation
import XCTest
@testable import RoPE

/// Every scaling method against the real HF transformers implementation, ggml's YaRN and the
/// papers' closed forms (fixtures: Tests/Fixtures/hf, made by scripts/fixtures/hf_rope_reference.py).
final class ReferenceFixtureTests: XCTestCase {
    private static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/hf")

    private func cases(_ file: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: Self.directory.appendingPathComponent(file))
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try XCTUnwrap(root["cases"] as? [[String: Any]], "\(file) has no cases")
    }

    /// Compares arrays with a symmetric relative tolerance; reports the first mismatches and the maximum.
    private func assertClose(
        _ actual: [Double], _ expected: [Double], relative tolerance: Double, _ label: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        guard actual.count == expected.count else {
            return XCTFail("\(label): \(actual.count) values, expected \(expected.count)", file: file, line: line)
        }
        var worst = 0.0
        var failures = 0
        var mismatches: [String] = []
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            // NaN or ±inf never passes: a non-finite value on either side is a mismatch.
            let error = a.isFinite && e.isFinite ? abs(a - e) / max(abs(e), .leastNormalMagnitude) : .infinity
            worst = max(worst, error)
            if !(error <= tolerance) {
                failures += 1
                if mismatches.count < 3 { mismatches.append("[\(i)] \(a) vs \(e)") }
            }
        }
        if failures > 0 {
            XCTFail("\(label): \(failures) mismatches, max relative error \(worst) > \(tolerance); first: \(mismatches.joined(separator: ", "))",
                    file: file, line: line)
        }
    }

    private func frequencies(_ testCase: [String: Any]) throws -> RoPEFrequencies {
        let spec = try XCTUnwrap(testCase["spec"] as? String)
        let d = try XCTUnwrap(testCase["rotary_dim"] as? Int)
        let base = try XCTUnwrap(testCase["base"] as? Double)
        return try RoPESpec.parse(spec).frequencies(for: RotaryGeometry(rotaryDimension: d, base: base))
    }

    func testHFTransformers() throws {
        var methods = Set<String>()
        for testCase in try cases("rope_cases.json") {
            let id = testCase["id"] as? String ?? "?"
            let result = try frequencies(testCase)
            methods.insert(result.inverseFrequency.isEmpty ? "" : (testCase["method"] as? String ?? ""))
            // HF works in float32: θ = 1/b^(2i/d) and the scaling arithmetic each round once or
            // twice at 2^-24 ≈ 6e-8 relative; 1e-6 allows ~16 ulps and still catches any formula
            // slip (the smallest real difference between methods here is > 1e-3).
            assertClose(result.inverseFrequency, try XCTUnwrap(testCase["inv_freq"] as? [Double]),
                        relative: 1e-6, "\(id) vs \(testCase["source"] ?? "")")
            if let exact = testCase["inv_freq_f64"] as? [Double] {
                // Same rule in float64: only libm rounding differs.
                assertClose(result.inverseFrequency, exact, relative: 1e-12, "\(id) vs float64")
            }
            let attention = try XCTUnwrap(testCase["attention_factor"] as? Double)
            XCTAssertEqual(result.attentionFactor, attention, accuracy: 1e-12 * attention, "\(id) attention factor")
            if let base = (testCase["effective_base_f64"] ?? testCase["effective_base"]) as? Double {
                XCTAssertEqual(try XCTUnwrap(result.effectiveBase, id), base, accuracy: 1e-12 * base, "\(id) effective base")
            }
        }
        XCTAssertEqual(methods, ["none", "linear", "ntk", "dynamic-ntk", "yarn", "llama3", "longrope"])
    }

    func testLlamaCppYaRN() throws {
        let all = try cases("llamacpp_yarn_cases.json")
        XCTAssertGreaterThan(all.count, 10)
        for testCase in all {
            let id = testCase["id"] as? String ?? "?"
            let result = try frequencies(testCase)
            // ggml builds θ by d/2 successive float32 multiplications by b^(-2/d): up to
            // (d/2)·2^-24 ≈ 3.8e-6 relative at d = 128, so 5e-6.
            assertClose(result.inverseFrequency, try XCTUnwrap(testCase["inv_freq"] as? [Double]), relative: 5e-6, id)
            assertClose(result.inverseFrequency, try XCTUnwrap(testCase["inv_freq_f64"] as? [Double]),
                         relative: 1e-12, "\(id) float64")
            let attention = try XCTUnwrap(testCase["attention_factor_f64"] as? Double)
            XCTAssertEqual(result.attentionFactor, attention, accuracy: 1e-12, "\(id) magnitude")
        }
    }

    func testCriticalDimensionClosedForms() throws {
        for testCase in try cases("critical_cases.json") {
            let id = testCase["id"] as? String ?? "?"
            let result = try frequencies(testCase)
            let rule = try XCTUnwrap(result.criticalRule, id)
            XCTAssertEqual(rule.criticalDimension, testCase["critical_dimension"] as? Int, id)
            let exact = try XCTUnwrap(testCase["lambda_exact"] as? Double)
            XCTAssertEqual(rule.exactScalingFactor, exact, accuracy: 1e-12 * exact, id)
            let applied = try XCTUnwrap(testCase["lambda_applied"] as? Double)
            XCTAssertEqual(rule.scalingFactor, applied, accuracy: 1e-12 * applied, id)
            let base = try XCTUnwrap(testCase["effective_base"] as? Double)
            XCTAssertEqual(try XCTUnwrap(result.effectiveBase), base, accuracy: 1e-12 * base, id)
            assertClose(result.inverseFrequency, try XCTUnwrap(testCase["inv_freq"] as? [Double]), relative: 1e-12, id)
            let d = try XCTUnwrap(testCase["rotary_dim"] as? Int)
            let bound = try XCTUnwrap(testCase["extrapolation_bound"] as? Double)
            let geometryBase = try XCTUnwrap(testCase["base"] as? Double)
            XCTAssertEqual(CriticalDimension.extrapolationBound(criticalDimension: rule.criticalDimension,
                                                               rotaryDimension: d, base: geometryBase),
                           bound, accuracy: 1e-12 * bound, id)
            if let paper = testCase["paper_expectation"] as? [String: Any] {
                if let expected = paper["critical_dimension"] as? Int { XCTAssertEqual(rule.criticalDimension, expected, id) }
                if let expected = paper["lambda_ceil"] as? Double { XCTAssertEqual(rule.scalingFactor, expected, id) }
            }
        }
    }
}
