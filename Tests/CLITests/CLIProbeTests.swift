import Foundation
import RoPEScopeTestSupport
import XCTest

/// `score --json` keeps exactly its keys after moving onto ProbeContext; `probe perplexity --json`
/// has exactly the documented keys; `--score last:N` scores N targets per window.
final class CLIProbeTests: TinyModelCLITestCase {
    private var text: String!

    override func setUpWithError() throws {
        try super.setUpWithError()
        text = directory.appendingPathComponent("text.txt").path
        try Data(String(repeating: "hello probes. ", count: 10).utf8).write(to: URL(fileURLWithPath: text))  // 140 tokens
    }

    func testScoreJSONKeysAreUnchanged() throws {
        let result = try CLI.run(["score", model, "--text-file", text, "--context-length", "32", "--score", "last:3", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try result.json()
        XCTAssertEqual(Set(json.keys), ["tokens_scored", "mean_nll", "perplexity", "mean_nll_standard_error",
                                        "perplexity_standard_error", "windows", "tokens_per_second", "seconds", "spec",
                                        "context_length", "attention", "text_tokens"])
        XCTAssertEqual(json["tokens_scored"] as? Int, 4 * 3)
    }

    func testProbeJSONKeys() throws {
        let result = try CLI.run(["probe", "perplexity", model, "--text-file", text, "--context-length", "32,256", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let cells = try XCTUnwrap(try result.json()["cells"] as? [[String: Any]])
        let keys: Set<String> = ["text", "spec", "context_length", "estimator", "status", "tokens_scored", "mean_nll",
                                 "perplexity", "standard_error", "tokens_per_second"]
        // 32: the GGUF's own spec; 256 > T_train = 64: plus five candidates; 140 tokens < 256: skipped.
        XCTAssertEqual(cells.count, 2 * 6)
        for cell in cells {
            if cell["status"] as? String == "done" {
                XCTAssertEqual(Set(cell.keys), keys)
                XCTAssertEqual(cell["context_length"] as? Int, 32)
            } else {
                XCTAssertEqual(cell["status"] as? String, "skipped")
                XCTAssertEqual(Set(cell.keys), keys.union(["reason"]))
                XCTAssert(cell["mean_nll"] is NSNull)
            }
        }
    }
}
