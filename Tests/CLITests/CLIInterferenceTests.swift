import Foundation
import GGUF
import RoPEScopeTestSupport
import XCTest

/// `probe interference` through the binary: the documented JSON, the table, the archive, and every
/// bad input with its README exit code and no output file left behind.
final class CLIInterferenceTests: XCTestCase {
    private var directory: URL!
    private var output: String!

    override func setUpWithError() throws {
        directory = try CLI.temporaryDirectory()
        output = directory.appendingPathComponent("out.h5").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func text(_ name: String, _ text: String) throws -> String { try file(name, Array(text.utf8)) }

    private func model(_ metadata: [String: GGUFValue?] = [:], name: String = "tiny.gguf") throws -> String {
        try file(name, metadata.isEmpty ? try TinyModel.gguf() : try TinyModel.variant(metadata: metadata))
    }

    private func fortunes() throws -> String {
        try text("fortunes.txt", "A first fortune about apples.\n%\nThe second one is a little longer, about rivers.\n%\n"
            + "Third: short.\n%\nFourth has numbers 1 2 3 4.\n%\n")
    }

    private func run(_ arguments: [String]) throws -> CLIResult {
        try CLI.run(["probe", "interference"] + arguments)
    }

    /// Runs a failing command and checks its exit code, message and that no output is left.
    private func expectFailure(_ arguments: [String], status: Int32, mentions: [String],
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try run(arguments + ["--output", output])
        XCTAssertEqual(result.status, status, result.stderr, file: file, line: line)
        // One error line (argument-parser usage errors add the usage synopsis after it).
        let first = String(result.stderr.split(separator: "\n").first ?? "")
        XCTAssertTrue(first.hasPrefix("Error: "), result.stderr, file: file, line: line)
        for text in mentions { XCTAssertTrue(first.contains(text), "'\(text)' not in: \(first)", file: file, line: line) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output), "output left behind", file: file, line: line)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], file: file, line: line)
    }

    func testJSONHasExactlyTheDocumentedKeysAndTheMaskIsInvariant() throws {
        let result = try run([try model(), "--text-file", try fortunes(), "--separator", "%", "--context-length", "48,96",
                              "--eod-token", "10", "--seed", "2", "--output", output, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let cells = try XCTUnwrap(try result.json()["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.count, 3 * 2 * 2)
        let keys: Set = ["packing", "positions", "context_length", "documents", "tokens", "mean_delta_nll", "max_abs_delta_nll"]
        for cell in cells {
            XCTAssertEqual(Set(cell.keys), keys)
            XCTAssertEqual(cell["documents"] as? Int, 4)
            let maxAbs = try XCTUnwrap(cell["max_abs_delta_nll"] as? Double)
            if cell["packing"] as? String == "mask", cell["positions"] as? String == "restart" {
                XCTAssertEqual(maxAbs, 0, accuracy: 1e-4)
            }
        }
        XCTAssertEqual(cells.map { $0["packing"] as? String }.prefix(4), ["direct", "direct", "direct", "direct"])
        XCTAssertEqual(cells.map { $0["context_length"] as? Int }.prefix(2), [48, 96])
        XCTAssertTrue(FileManager.default.fileExists(atPath: output))
    }

    func testTableAndDocumentSources() throws {
        let a = try text("a.txt", "one document on its own line."), b = try text("b.txt", "and another, rather different.")
        let files = try run([try model(), "--document-file", a, "--document-file", b, "--context-length", "64", "--packing", "direct,mask",
                             "--positions", "restart"])
        XCTAssertEqual(files.status, 0, files.stderr)
        XCTAssertTrue(files.stdout.contains("mean ΔNLL") && files.stdout.contains("chain-rule"), files.stdout)
        XCTAssertEqual(files.stdout.split(separator: "\n").filter { $0.contains("restart") }.count, 2, files.stdout)
        let folder = directory.appendingPathComponent("docs")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for path in [a, b] { try FileManager.default.copyItem(atPath: path, toPath: folder.appendingPathComponent((path as NSString).lastPathComponent).path) }
        let fromDirectory = try run([try model(), "--documents", folder.path, "--context-length", "64", "--packing", "direct,mask",
                                     "--positions", "restart", "--json"])
        XCTAssertEqual(fromDirectory.status, 0, fromDirectory.stderr)
        XCTAssertEqual(try XCTUnwrap(try fromDirectory.json()["cells"] as? [[String: Any]]).count, 2)
    }

    /// `--separator '\n\n'` (escapes decoded) cuts on blank lines; a literal `\n` in the text is not a separator.
    func testSeparatorEscapesSplitOnBlankLines() throws {
        let paragraphs = try text("paragraphs.txt", "First paragraph,\nstill first.\n\nSecond one.\n\n\n\nThird, with \\n inside.\n")
        let result = try run([try model(), "--text-file", paragraphs, "--separator", #"\n\n"#, "--context-length", "64",
                              "--packing", "mask", "--positions", "restart", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let cells = try XCTUnwrap(try result.json()["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.first?["documents"] as? Int, 3)
        // Byte-level tiny vocabulary: tokens = UTF-8 bytes; scored = bytes − 1 per document.
        let expected = ["First paragraph,\nstill first.", "Second one.", "Third, with \\n inside."].reduce(0) { $0 + $1.utf8.count - 1 }
        XCTAssertEqual(cells.first?["tokens"] as? Int, expected)
    }

    func testBadDocumentsExit65Or66AndLeaveNoOutput() throws {
        let model = try model()
        let good = try text("good.txt", "a fine document.")
        try expectFailure([model, "--document-file", good, "--document-file", try text("empty.txt", ""), "--context-length", "32",
                           "--packing", "mask"], status: 65, mentions: ["empty.txt", "tokenises to nothing"])
        try expectFailure([model, "--document-file", good, "--document-file", try file("latin1.txt", [0x63, 0x61, 0x66, 0xE9]),
                           "--context-length", "32", "--packing", "mask"], status: 65, mentions: ["latin1.txt", "UTF-8"])
        try expectFailure([model, "--document-file", good, "--document-file", directory.appendingPathComponent("missing.txt").path,
                           "--context-length", "32"], status: 66, mentions: ["missing.txt"])
        try expectFailure([model, "--text-file", try text("single.txt", "only one\n%\n"), "--separator", "%", "--context-length", "32"],
                          status: 65, mentions: ["1 document", "at least 2"])
        try expectFailure([model, "--documents", directory.appendingPathComponent("nowhere").path, "--context-length", "32"],
                          status: 66, mentions: ["nowhere"])
    }

    func testMissingEndOfDocumentTokenNamesTheKeyAndTheOverrideWorks() throws {
        let model = try model()
        try expectFailure([model, "--text-file", try fortunes(), "--separator", "%", "--context-length", "64"],
                          status: 64, mentions: ["tokenizer.ggml.eos_token_id", "--eod-token"])
        try expectFailure([model, "--text-file", try fortunes(), "--separator", "%", "--context-length", "64", "--eod-token", "256"],
                          status: 64, mentions: ["end-of-document token 256", "0..<256"])
        try expectFailure([model, "--text-file", try fortunes(), "--separator", "%", "--context-length", "64", "--packing", "mask",
                           "--eod-token", "3"], status: 64, mentions: ["--eod-token applies to --packing eod only"])
        let withEOS = try self.model(["tokenizer.ggml.eos_token_id": .uint32(10)], name: "eos.gguf")
        let result = try run([withEOS, "--text-file", try fortunes(), "--separator", "%", "--context-length", "64", "--packing", "eod",
                              "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    func testUsageErrorsExit64() throws {
        let model = try model(), fortunes = try fortunes()
        for (arguments, mention) in [
            ([model, "--context-length", "32"], "exactly one of"),
            ([model, "--text-file", fortunes, "--document-file", fortunes, "--separator", "%", "--context-length", "32"], "exactly one of"),
            ([model, "--text-file", fortunes, "--context-length", "32"], "--separator"),
            ([model, "--text-file", fortunes, "--separator", "%"], "--context-length"),
            ([model, "--text-file", fortunes, "--separator", "%", "--context-length", "32", "--packing", "direct,stack"], "'stack'"),
            ([model, "--text-file", fortunes, "--separator", "%", "--context-length", "32", "--positions", "restart,restart"], "twice"),
            ([model, "--text-file", fortunes, "--separator", "%", "--context-length", "1"], "--context-length"),
            ([model, "--text-file", fortunes, "--separator", "%", "--context-length", "32", "--rope", "none", "--rope", "ntk:factor=2"],
             "one spec"),
            ([model, "--text-file", fortunes, "--separator", "%", "--context-length", "32", "--packing", "mask", "--rope", "yarn"],
             "factor"),
            ([model, "--text-file", fortunes, "--separator", "%", "--context-length", "32", "--packing", "mask", "--samples", "4"],
             "--samples"),
        ] {
            try expectFailure(arguments, status: 64, mentions: [mention])
        }
        let noMask = try self.model(["llama.attention.causal": .bool(false)], name: "bidirectional.gguf")
        try expectFailure([noMask, "--text-file", fortunes, "--separator", "%", "--context-length", "32", "--packing", "mask"],
                          status: 64, mentions: ["tokenizer.ggml.mask_token_id"])
    }

    func testBidirectionalModelUsesThePairedMaskedEstimator() throws {
        let model = try self.model(["llama.attention.causal": .bool(false), "tokenizer.ggml.mask_token_id": .uint32(5)], name: "llada.gguf")
        let result = try run([model, "--text-file", try fortunes(), "--separator", "%", "--context-length", "96", "--packing", "direct,mask",
                              "--positions", "restart", "--samples", "3", "--mask-count", "exact", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let cells = try XCTUnwrap(try result.json()["cells"] as? [[String: Any]])
        XCTAssertEqual(try XCTUnwrap(cells[1]["max_abs_delta_nll"] as? Double), 0, accuracy: 1e-4)
        XCTAssertGreaterThan(try XCTUnwrap(cells[0]["max_abs_delta_nll"] as? Double), 1e-3)
    }
}
