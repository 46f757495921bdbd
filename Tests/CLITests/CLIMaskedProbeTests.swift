import Foundation
import GGUF
import RoPEScopeTestSupport
import XCTest

/// `probe perplexity --estimator masked-diffusion | masked-ce` through the binary: JSON and table,
/// the exported masks, and the usage errors (no mask token, causal attention, options without a
/// masked estimator), each leaving no output file.
final class CLIMaskedProbeTests: XCTestCase {
    private var directory: URL!
    private var text: String!

    override func setUpWithError() throws {
        directory = try CLI.temporaryDirectory()
        text = directory.appendingPathComponent("text.txt").path
        try Data(String(repeating: "hello masked probes. ", count: 8).utf8).write(to: URL(fileURLWithPath: text))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// `TinyModel` as a bidirectional model, with or without `tokenizer.ggml.mask_token_id`.
    private func model(maskToken: Bool) throws -> String {
        var metadata: [String: GGUFValue?] = ["llama.attention.causal": .bool(false)]
        if maskToken { metadata["tokenizer.ggml.mask_token_id"] = .uint32(5) }
        let path = directory.appendingPathComponent(maskToken ? "masked.gguf" : "nomask.gguf").path
        try Data(TinyModel.variant(metadata: metadata)).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testMaskedGridReportsTheBoundAndExportsItsMasks() throws {
        let output = directory.appendingPathComponent("grid.h5").path
        let masks = directory.appendingPathComponent("masks").path
        let result = try CLI.run(["probe", "perplexity", try model(maskToken: true), "--text-file", text, "--context-length", "16,32",
                                  "--samples", "4", "--seed", "9", "--mask-count", "exact", "--export-masks", masks,
                                  "--output", output, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let cells = try XCTUnwrap(try result.json()["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.count, 2)
        for cell in cells {
            XCTAssertEqual(cell["estimator"] as? String, "masked-diffusion")
            XCTAssertEqual(cell["status"] as? String, "done")
            let bound = try XCTUnwrap(cell["mean_nll"] as? Double)
            XCTAssertTrue(bound.isFinite && bound > 0, "\(bound)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: output))
        for length in [16, 32] {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(masks).L\(length).json"))
            let export = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            XCTAssertEqual(export["context_length"] as? Int, length)
            XCTAssertEqual(export["samples"] as? Int, 4)
            XCTAssertEqual(export["rule"] as? String, "exact")
            let records = try XCTUnwrap(export["records"] as? [[String: Any]])
            XCTAssertEqual(records.count % 4, 0)
            XCTAssertFalse(records.isEmpty)
        }
    }

    func testMaskedCETableSaysItIsNotAPerplexity() throws {
        let result = try CLI.run(["probe", "perplexity", try model(maskToken: true), "--text-file", text, "--context-length", "16",
                                  "--estimator", "masked-ce", "--samples", "3"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("exp(masked CE)"), result.stdout)
        XCTAssertFalse(result.stdout.contains("PPL"), result.stdout)
    }

    func testOneSampleHasNoStandardErrorAndPrintsNoNaN() throws {
        let arguments: [String] = ["probe", "perplexity", try model(maskToken: true), "--text-file", text!, "--context-length", "16",
                         "--samples", "1"]
        let table = try CLI.run(arguments)
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("n/a"), table.stdout)
        XCTAssertFalse(table.stdout.lowercased().contains("nan"), table.stdout)
        let json = try CLI.run(arguments + ["--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let cell = try XCTUnwrap((try json.json()["cells"] as? [[String: Any]])?.first)
        XCTAssertTrue(cell["standard_error"] is NSNull, "\(cell)")
        XCTAssertTrue((cell["mean_nll"] as? Double)?.isFinite == true, "\(cell)")
    }

    func testUsageErrorsLeaveNoOutput() throws {
        let output = directory.appendingPathComponent("refused.h5").path
        let cases: [([String], String)] = [
            ([try model(maskToken: false), "--estimator", "masked-diffusion"], "tokenizer.ggml.mask_token_id"),
            ([try model(maskToken: true), "--estimator", "masked-diffusion", "--attention", "causal"], "needs bidirectional attention"),
            ([try model(maskToken: true), "--estimator", "chain-rule", "--attention", "causal", "--samples", "4"], "masked estimators only"),
            ([try model(maskToken: true), "--samples", "0"], "invalid --samples 0"),
            ([try model(maskToken: true), "--mask-token-id", "999999"], "outside the vocabulary"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(["probe", "perplexity"] + arguments + ["--text-file", text, "--context-length", "16",
                                                                            "--output", output])
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), "\(arguments) left \(output)")
        }
    }
}
