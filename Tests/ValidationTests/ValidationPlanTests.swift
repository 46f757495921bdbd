import Foundation
import XCTest
@testable import Validation

/// `--plan` files: strict JSON, every key typed, errors at `path:line:column` naming the key.
final class ValidationPlanTests: XCTestCase {
    private func decode(_ text: String) throws -> ValidationPlan {
        try ValidationPlan.decode(Data(text.utf8), path: "plan.json")
    }

    private func assertMalformed(_ text: String, location: String, key: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try decode(text), file: file, line: line) { error in
            guard case let .planMalformed(found, foundKey, _) = error as? VerdictError else {
                return XCTFail("\(error)", file: file, line: line)
            }
            XCTAssertEqual(found, location, "\(error)", file: file, line: line)
            XCTAssertEqual(foundKey, key, "\(error)", file: file, line: line)
        }
    }

    func testEveryKey() throws {
        let plan = try decode("""
            {"description": "d", "preset": "llada-8b", "dim": 128, "base": 5e5, "model": "m.gguf", "train_length": "4k",
             "target_length": 131072, "attention": "bidirectional", "rope": ["diffusion-ntk"],
             "thresholds": {"critical-bound-margin": 1.5}, "text_files": ["a.txt"], "budget": "10m"}
            """)
        XCTAssertEqual(plan.preset, .llada_8b)
        XCTAssertEqual(plan.trainLength, 4096)
        XCTAssertEqual(plan.targetLength, 131072)
        XCTAssertEqual(plan.base, 500000)
        XCTAssertEqual(plan.thresholds, ["critical-bound-margin": 1.5])
        XCTAssertEqual(plan.rope, ["diffusion-ntk"])
    }

    func testErrorsNameTheKeyAndLine() {
        assertMalformed("{\n  \"dim\": 128,\n  \"bases\": [1]\n}", location: "plan.json:3:3", key: "bases")
        assertMalformed("{\"dim\": \"128\"}", location: "plan.json:1:2", key: "dim")
        assertMalformed("{\n\"train_length\": \"4q\"}", location: "plan.json:2:1", key: "train_length")
        assertMalformed("{\"attention\": \"sideways\"}", location: "plan.json:1:2", key: "attention")
        assertMalformed("{\"preset\": \"gpt-5\"}", location: "plan.json:1:2", key: "preset")
        assertMalformed("{\"rope\": []}", location: "plan.json:1:2", key: "rope")
        assertMalformed("{\"thresholds\": {\"nope\": 1}}", location: "plan.json:1:17", key: "thresholds.nope")
        assertMalformed("{\"dim\": 1,\n \"dim\": 2}", location: "plan.json:2:2", key: "(file)")
        assertMalformed("{\"dim\": 1,}", location: "plan.json:1:11", key: "(file)")
        assertMalformed("[1]", location: "plan.json:1:1", key: "(file)")
    }

    func testRelativePathsAreRelativeToThePlan() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("p.json").path
        try Data("{\"model\": \"../m.gguf\", \"text_files\": [\"/abs.txt\", \"t.txt\"]}".utf8).write(to: URL(fileURLWithPath: path))
        let plan = try ValidationPlan.load(path: path)
        XCTAssertEqual(plan.model, directory.appendingPathComponent("../m.gguf").path)
        XCTAssertEqual(plan.textFiles, ["/abs.txt", directory.appendingPathComponent("t.txt").path])
        XCTAssertThrowsError(try ValidationPlan.load(path: directory.appendingPathComponent("none.json").path)) { error in
            guard case .planUnreadable = error as? VerdictError else { return XCTFail("\(error)") }
        }
    }

    func testBudget() throws {
        XCTAssertEqual(try Budget.parse("90s"), 90)
        XCTAssertEqual(try Budget.parse("10m"), 600)
        XCTAssertEqual(try Budget.parse("1.5h"), 5400)
        XCTAssertEqual(try Budget.parse("45"), 45)
        for bad in ["", "0s", "-1m", "ten minutes", "nan", "9999h"] {
            XCTAssertThrowsError(try Budget.parse(bad), bad)
        }
    }
}
