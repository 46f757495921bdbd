import Foundation
import GGUF
import RoPEScopeTestSupport
import TensorArchive
import XCTest

/// `probe passkey` through the binary on the tiny model: the JSON the issue specifies, the
/// archive, the general needle form, a masked-diffusion run, and every bad input of issue 9 §6
/// with its README exit code and no output file left behind.
final class CLIPasskeyTests: TinyModelCLITestCase {

    func testJSONCellsAndArchive() throws {
        let output = directory.appendingPathComponent("passkey.h5").path
        let result = try CLI.run(["probe", "passkey", model, "--context-length", "320,400", "--depth", "0,0.5,1", "--trials", "2",
                                  "--distractors", "3", "--rope", "none", "--rope", "linear:factor=2", "--output", output, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let cells = try XCTUnwrap(try result.json()["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.count, 2 * 2 * 3)
        for cell in cells {
            XCTAssertEqual(Set(cell.keys), ["spec", "context_length", "depth", "trials", "exact_match", "mean_log_prob", "mean_rank"])
            XCTAssertEqual(cell["trials"] as? Int, 2)
            let exact = try XCTUnwrap(cell["exact_match"] as? Double)
            XCTAssert([0, 0.5, 1].contains(exact), "\(exact)")
            let rank = try XCTUnwrap(cell["mean_rank"] as? Double)
            XCTAssert((1...4).contains(rank), "\(rank)")
            XCTAssertLessThan(try XCTUnwrap(cell["mean_log_prob"] as? Double), 0)
        }
        XCTAssertEqual(cells.map { $0["spec"] as? String }.prefix(7).last, "linear:factor=2")
        XCTAssertEqual(cells.map { $0["depth"] as? Double }.prefix(3), [0, 0.5, 1])
        let archive = try ArchiveReader(path: output)
        XCTAssertEqual(try archive.variable("answer_log_prob").dimensions, ["spec", "context_length", "depth", "trial"])
        let logProb = try archive.readDoubles("answer_log_prob")
        XCTAssertEqual(logProb.count, 12 * 2)
        let means = try archive.readDoubles("mean_log_prob")
        for (index, cell) in cells.enumerated() {
            XCTAssertEqual(means[index], try XCTUnwrap(cell["mean_log_prob"] as? Double), accuracy: 1e-12)
            XCTAssertEqual((logProb[2 * index] + logProb[2 * index + 1]) / 2, means[index], accuracy: 1e-12)
        }
        // The table form runs too; the general needle form without {key} needs --distractors 0.
        let table = try CLI.run(["probe", "passkey", model, "--context-length", "100", "--depth", "0.5", "--trials", "1",
                                 "--needle", " The secret word is banana.", "--question", " The secret word is",
                                 "--answer", " banana", "--distractors", "0"])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssert(table.stdout.contains("mean rank"), table.stdout)
    }

    func testMaskedDiffusionRun() throws {
        let llada = directory.appendingPathComponent("llada.gguf").path
        try Data(TinyModel.variant(metadata: ["llama.attention.causal": .bool(false), "tokenizer.ggml.mask_token_id": .uint32(5)]))
            .write(to: URL(fileURLWithPath: llada))
        let result = try CLI.run(["probe", "passkey", llada, "--context-length", "320", "--depth", "0.5", "--trials", "2",
                                  "--steps", "6", "--block-length", "3", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let cells = try XCTUnwrap(try result.json()["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.count, 1)
    }

    func testBadInputLeavesNoOutput() throws {
        let output = directory.appendingPathComponent("out.h5").path
        let short = directory.appendingPathComponent("short.txt")
        try Data("Only two sentences here. That is all.".utf8).write(to: short)
        let llada = directory.appendingPathComponent("llada.gguf").path
        try Data(TinyModel.variant(metadata: ["llama.attention.causal": .bool(false), "tokenizer.ggml.mask_token_id": .uint32(5)]))
            .write(to: URL(fileURLWithPath: llada))
        let cases: [([String], Int32, String)] = [
            ([model, "--context-length", "320", "--depth", "1.5"], 64, "--depth entry '1.5'"),
            ([model, "--context-length", "320", "--depth", "-0.1"], 64, "allowed numbers in [0, 1]"),
            ([model, "--context-length", "250"], 64, "needle (59 tokens) is longer than the haystack"),
            ([model, "--context-length", "400", "--haystack-file", short.path], 65, "has 38 tokens (2 sentences)"),
            ([model, "--context-length", "400", "--haystack-file", directory.appendingPathComponent("none.txt").path], 66, "none.txt"),
            ([llada, "--context-length", "320", "--block-length", "4"], 64, "--block-length 4"),
            ([llada, "--context-length", "320", "--block-length", "3", "--steps", "3"], 64, "--steps 3"),
            ([model, "--context-length", "320", "--steps", "4"], 64, "apply to masked-diffusion"),
            ([model, "--context-length", "320", "--trials", "0"], 64, "--trials 0"),
            ([model, "--context-length", "320", "--answer", " banana"], 64, "needs '{key}' in --answer"),
            ([model, "--depth", "0.5"], 64, "missing --context-length"),
            ([model, "--context-length", "320", "--rope", "yarn:fator=2"], 64, "fator"),
        ]
        for (arguments, status, fragment) in cases {
            let result = try CLI.run(["probe", "passkey"] + arguments + ["--output", output])
            XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)")
            XCTAssert(result.stderr.contains(fragment), "\(arguments): stderr lacks '\(fragment)': \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), "\(arguments)")
        }
    }
}
