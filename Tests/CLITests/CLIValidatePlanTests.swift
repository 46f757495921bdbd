import Foundation
import XCTest

/// The committed plans in experiments/validate reproduce the verdicts of issue §4.
final class CLIValidatePlanTests: XCTestCase {
    private var plans: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("experiments/validate")
    }

    private func run(_ plan: String) throws -> (status: Int32, json: [String: Any]) {
        let result = try CLI.run(["validate", "--plan", plans.appendingPathComponent(plan).path, "--json"])
        return (result.status, try result.json())
    }

    private func failures(_ json: [String: Any], _ spec: String) throws -> Set<String> {
        let candidates = try XCTUnwrap(json["candidates"] as? [[String: Any]])
        let candidate = try XCTUnwrap(candidates.first { $0["spec"] as? String == spec }, spec)
        let checks = try XCTUnwrap(candidate["checks"] as? [[String: Any]])
        return Set(checks.filter { $0["passed"] as? Bool == false }.compactMap { $0["name"] as? String })
    }

    func testLlama2Plan() throws {
        let (status, json) = try run("llama2-16k.json")
        XCTAssertEqual(status, 0)
        XCTAssertEqual(json["recommended"] as? String, "critical-ntk")
        XCTAssertEqual(try failures(json, "ntk:factor=4"), ["critical-pair-bound", "out-of-range-pairs"])
        XCTAssertEqual(try failures(json, "critical-ntk"), [])
    }

    func testLLaDAPlans() throws {
        for (plan, ntk) in [("llada-8b-32k-bidirectional.json", "ntk:factor=8"), ("llada-8b-128k-bidirectional.json", "ntk:factor=32")] {
            let (status, json) = try run(plan)
            XCTAssertEqual(status, 0, plan)
            XCTAssertEqual(json["recommended"] as? String, "diffusion-ntk", plan)
            XCTAssert(try failures(json, ntk).contains("critical-pair-bound"), plan)
            XCTAssertEqual(try failures(json, "critical-ntk"), [], plan)
            let candidates = try XCTUnwrap(json["candidates"] as? [[String: Any]])
            XCTAssertEqual(candidates.first?["decided_by"] as? String == "failed-checks", false, "\(plan): ranked by a check value")
        }
    }
}
