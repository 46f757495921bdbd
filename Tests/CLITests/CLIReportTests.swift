import Foundation
import XCTest

/// JSON reports carry the documented keys and agree with closed forms.
final class CLIReportTests: XCTestCase {
    func testRopeJSONKeys() throws {
        let result = try CLI.run(["rope", "--dim", "64", "--base", "100000", "--train-length", "8192",
                                  "--target-length", "32768", "--rope", "linear:factor=4", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try result.json()
        let theta = try XCTUnwrap(json["inverse_frequency"] as? [Double])
        let lambda = try XCTUnwrap(json["wavelength"] as? [Double])
        XCTAssertEqual(theta.count, 32)
        XCTAssertEqual(lambda.count, 32)
        for i in 0..<32 {
            let expected = pow(100000, -2 * Double(i) / 64) / 4
            XCTAssertEqual(theta[i], expected, accuracy: 1e-14 * expected)
            XCTAssertEqual(lambda[i], 2 * .pi / expected, accuracy: 1e-12 * lambda[i])
        }
        XCTAssertEqual(json["attention_factor"] as? Double, 1)
        XCTAssert(json["effective_base"] is NSNull, "linear scaling has no single base")
    }

    func testCoverageJSONKeys() throws {
        let result = try CLI.run(["coverage", "--preset", "llama2-7b", "--target-length", "16k", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try result.json()
        let critical = try XCTUnwrap(json["critical_dimension"] as? [String: Double])
        XCTAssertEqual(critical["causal"], 92)
        XCTAssertEqual(critical["bidirectional"], 100)
        let bound = try XCTUnwrap(json["extrapolation_bound"] as? [String: Double])
        let causalBound = 2 * Double.pi * pow(10000, 92.0 / 128.0)
        XCTAssertEqual(try XCTUnwrap(bound["causal"]), causalBound, accuracy: 1e-9 * causalBound)
        let bidirectionalBound = 2 * Double.pi * pow(10000, 100.0 / 128.0) / 2
        XCTAssertEqual(try XCTUnwrap(bound["bidirectional"]), bidirectionalBound, accuracy: 1e-9 * bidirectionalBound)
    }

    func testScaleJSONMatchesLongLLaDA() throws {
        let result = try CLI.run(["scale", "--preset", "llada-8b", "--target-length", "32k", "--regime", "causal",
                                  "--round-up", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try result.json()
        XCTAssertEqual(json["scaling_factor"] as? Double, 55)
        XCTAssertEqual(json["base"] as? Double, 55 * 500000)
        XCTAssertEqual(json["critical_dimension"] as? Int, 64)
    }
}
