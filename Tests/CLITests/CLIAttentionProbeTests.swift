import Foundation
import RoPEScopeTestSupport
import TensorArchive
import XCTest

/// `probe attention`: exactly the documented JSON keys, signed bins under bidirectional
/// attention, an archive with the documented coordinates, and bad input refused with the README
/// exit codes and no output file left.
final class CLIAttentionProbeTests: TinyModelCLITestCase {
    private var text: String!

    override func setUpWithError() throws {
        try super.setUpWithError()
        text = directory.appendingPathComponent("text.txt").path
        try Data(String(repeating: "where attention goes. ", count: 6).utf8).write(to: URL(fileURLWithPath: text))  // 132 tokens
    }

    func testJSONKeysBinsAndArchive() throws {
        let output = directory.appendingPathComponent("attention.h5").path
        let result = try CLI.run(["probe", "attention", model, "--text-file", text, "--context-length", "16,32", "--rope", "none",
                                  "--rope", "linear:factor=2", "--attention", "causal,bidirectional", "--windows", "2",
                                  "--sink-tokens", "1", "--local-window", "4", "--query-bins", "0,8", "--output", output, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try result.json()
        XCTAssertEqual(Set(json.keys), ["distance_bins", "cells"])
        XCTAssertEqual(json["distance_bins"] as? [Int], [0, 1, 2, 4, 8, 16, 32])
        let cells = try XCTUnwrap(json["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.count, 2 * 2 * 2 * 1 * 2)  // specs × lengths × directions × layers × heads
        for cell in cells {
            XCTAssertEqual(Set(cell.keys), ["spec", "context_length", "attention", "layer", "head", "mass", "mean_distance",
                                            "entropy", "sink_mass", "local_mass"])
            let mass = try XCTUnwrap(cell["mass"] as? [Double])
            XCTAssertEqual(mass.count, cell["attention"] as? String == "causal" ? 6 : 12)
            XCTAssertEqual(mass.reduce(0, +), 1, accuracy: 1e-9)
            let length = try XCTUnwrap(cell["context_length"] as? Int)
            XCTAssert((0..<Double(length)).contains(try XCTUnwrap(cell["mean_distance"] as? Double)))
        }
        let reader = try ArchiveReader(path: output)
        XCTAssertEqual(try reader.readStrings("attention"), ["causal", "bidirectional"])
        XCTAssertEqual(try reader.readStrings("side"), ["left", "right"])
        XCTAssertEqual(try reader.readInt64s("distance_bin"), [0, 1, 2, 4, 8, 16])
        XCTAssertEqual(try reader.readInt64s("query_bin"), [0, 8])
        XCTAssertEqual(try reader.readDoubles("mass").count, 2 * 2 * 2 * 1 * 2 * 2 * 6)
        // The archive's mean distance of the first cell equals the JSON's.
        // (JSON text → Double in Foundation's parser may be off in the last digit.)
        XCTAssertEqual(try reader.readDoubles("mean_distance")[0], try XCTUnwrap(cells[0]["mean_distance"] as? Double), accuracy: 1e-12)
    }

    func testBadInputExitCodesLeaveNoOutput() throws {
        let output = directory.appendingPathComponent("out.h5").path
        let notUTF8 = directory.appendingPathComponent("bad.txt").path
        try Data([0xff, 0xfe, 0x41]).write(to: URL(fileURLWithPath: notUTF8))
        let empty = directory.appendingPathComponent("empty.txt").path
        try Data().write(to: URL(fileURLWithPath: empty))
        let cases: [([String], Int32, String)] = [
            (["--text-file", text, "--context-length", "16", "--distance-bins", "1,2"], 64, "--distance-bins"),
            (["--text-file", text, "--context-length", "16", "--distance-bins", "0,4,64"], 64, "below the longest context length 16"),
            (["--text-file", text, "--context-length", "16", "--query-bins", "0,0"], 64, "--query-bins"),
            (["--text-file", text, "--context-length", "16", "--sink-tokens", "-1"], 64, "--sink-tokens"),
            (["--text-file", text, "--context-length", "16", "--local-window", "0"], 64, "--local-window"),
            (["--text-file", text, "--context-length", "16", "--attention", "sideways"], 64, "--attention"),
            (["--text-file", text, "--context-length", "16,16"], 64, "given twice"),
            (["--text-file", text, "--context-length", "1"], 64, "--context-length"),
            (["--text-file", text, "--context-length", "16", "--rope", "yarn:factor=-2"], 64, "factor"),
            (["--text-file", directory.appendingPathComponent("missing.txt").path, "--context-length", "16"], 66, "does not exist"),
            (["--text-file", notUTF8, "--context-length", "16"], 65, "UTF-8"),
            (["--text-file", empty, "--context-length", "16"], 65, "empty"),
        ]
        for (arguments, status, message) in cases {
            let result = try CLI.run(["probe", "attention", model] + arguments + ["--output", output])
            XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)")
            XCTAssert(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), "\(arguments) left \(output)")
        }
        let missingModel = try CLI.run(["probe", "attention", directory.appendingPathComponent("none.gguf").path,
                                        "--text-file", text, "--context-length", "16", "--output", output])
        XCTAssertEqual(missingModel.status, 66, missingModel.stderr)
        let asDirectory = try CLI.run(["probe", "attention", model, "--text-file", text, "--context-length", "16", "--output", directory.path])
        XCTAssertEqual(asDirectory.status, 64, asDirectory.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("out") }, [])
    }
}
