import Foundation
import XCTest
@testable import Analyzers
import RoPE

/// Repository paths for tests.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static func experiment(_ name: String) -> String { root.appendingPathComponent("experiments/\(name)").path }
}

final class SweepConfigurationTests: XCTestCase {
    func testEmbeddedDefaultIsTheExperimentFile() throws {
        let file = try SweepConfiguration.load(path: Repo.experiment("smollm2-135m-sweep.json"))
        XCTAssertEqual(try DefaultSweep.configuration(), file)
    }

    func testDefaultGridExpandsInDocumentedOrder() throws {
        let grid = try SweepGrid(try DefaultSweep.configuration(), path: DefaultSweep.label)
        // 4 targets × (none, linear, ntk, dynamic, 4 yarn factors, yarn llama.cpp, llama3, 2 critical, diffusion).
        XCTAssertEqual(grid.rows.count, 4 * 13)
        XCTAssertEqual(grid.rows.map(\.index), Array(0..<52))
        XCTAssertEqual(grid.rows[1].spec, "linear:factor=2")
        XCTAssertEqual(grid.rows[1].setup.targetLength, 16384)
        XCTAssertEqual(grid.rows[4].spec, "yarn:factor=2,original-context=8192,beta-fast=32,beta-slow=1,truncate=true")
        XCTAssertEqual(grid.rows[13 + 1].spec, "linear:factor=4")
        XCTAssertEqual(grid.rows[12].spec, "diffusion-ntk:train-length=8192,target-length=16384,range-multiplier=2,round-up=false")
    }

    func testConfigurationErrorsNameTheProblem() throws {
        func message(_ json: String) -> String {
            do {
                let configuration = try SweepConfiguration.decode(Data(json.utf8), path: "x.json")
                _ = try SweepGrid(configuration, path: "x.json")
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let base = #""preset": "smollm2-135m", "target_lengths": [16384], "name": "t""#
        XCTAssert(message("{").contains("not valid JSON"))
        XCTAssert(message("[1]").contains("top level must be a JSON object"))
        XCTAssert(message(#"{\#(base), "methods": [{"spec": "none"}], "colour": 1}"#).contains("unknown key 'colour'"))
        XCTAssert(message(#"{\#(base), "methods": [{"spec": "none", "factor": 2}]}"#).contains("unknown key 'factor'"))
        XCTAssert(message(#"{\#(base)}"#).contains("missing key 'methods'"))
        XCTAssert(message(#"{\#(base), "methods": [{"spec": "bogus"}]}"#).contains("methods[0].spec 'bogus'"))
        XCTAssert(message(#"{\#(base), "methods": [{"spec": "linear"}]}"#).contains("needs 'factor'"))
        XCTAssert(message(#"{\#(base), "methods": [{"spec": "linear", "factors": [0]}]}"#).contains("linear factor"))
        XCTAssert(message(#"{\#(base), "methods": []}"#).contains("methods"))
        XCTAssert(message(#"{"name": "t", "target_lengths": [16384], "methods": [{"spec": "none"}]}"#).contains("rotary_dimensions"))
        XCTAssert(message(#"{\#(base), "rotary_dimensions": [63], "methods": [{"spec": "none"}]}"#).contains("even integer"))
        XCTAssert(message(#"{"preset": "smollm2-135m", "target_lengths": [0], "name": "t", "methods": [{"spec": "none"}]}"#)
            .contains("target_lengths"))
        XCTAssert(message(#"{\#(base), "methods": "none"}"#).contains("'methods'"))
        XCTAssertThrowsError(try SweepConfiguration.load(path: "/nonexistent/config.json")) { error in
            XCTAssertEqual(error as? AnalyzerError, .configUnreadable(path: "/nonexistent/config.json", reason: "no such file"))
        }
    }
}

/// The configs in experiments/ reproduce the published numbers listed in experiments/README.md.
final class ExperimentOutcomeTests: XCTestCase {
    private func results(_ name: String) throws -> [SweepRowResult] {
        let path = Repo.experiment(name)
        return try SweepAnalysis.run(try SweepGrid(try SweepConfiguration.load(path: path), path: path))
    }

    func testLlama2CriticalDimension() throws {
        for result in try results("llama2-critical-dimension.json") {
            XCTAssertEqual(result.coverage[.causal].criticalDimension, 92)
        }
    }

    func testLongLLaDAFactors() throws {
        let rows = try results("longllada-ntk-factors.json").filter { $0.row.spec.contains("round-up=true") }
        XCTAssertEqual(rows.map { $0.table.frequencies.criticalRule?.scalingFactor }, [4, 14, 31, 55])
    }

    func testUltraLLaDADiffusionAwareBase() throws {
        let rows = try results("ultrallada-diffusion-ntk.json")
        let diffusion = try XCTUnwrap(rows.first { $0.row.method == .diffusionNTK }?.table.frequencies.criticalRule)
        XCTAssertEqual(diffusion.criticalDimension, 70)
        let expected = pow(2 * 131072 / (2 * Double.pi), 128.0 / 70.0) / 500000
        XCTAssertEqual(diffusion.scalingFactor, expected, accuracy: 1e-9 * expected)
        let causal = try XCTUnwrap(rows.first { $0.row.method == .criticalNTK }?.table.frequencies.criticalRule)
        XCTAssertGreaterThan(causal.scalingFactor, diffusion.scalingFactor, "the doubled range needs a smaller base")
    }
}
