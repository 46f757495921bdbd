import Foundation
import XCTest

/// Issue 7, analyzer side: every class of bad value reaches a README exit code with a message
/// naming the option or key and the allowed range; nothing is left in the output directory.
final class CLIAnalyzerHardeningTests: XCTestCase {
    private let analyzers = ["rope", "coverage", "spectrum", "conditioning"]
    private let lengths = ["--train-length", "4096", "--target-length", "8192", "--length", "1024"]

    /// Runs with `--output` in a fresh directory; checks status, stderr fragments and that no file is left.
    @discardableResult
    private func check(
        _ arguments: [String], status: Int32, mentions fragments: [String] = [], output: Bool = true,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> CLIResult {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let extra = output ? ["--output", directory.appendingPathComponent("r.h5").path] : []
        let result = try CLI.run(arguments + extra)
        XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)", file: file, line: line)
        for fragment in fragments {
            XCTAssert(result.stderr.contains(fragment), "\(arguments): stderr lacks '\(fragment)': \(result.stderr)", file: file, line: line)
        }
        if status != 0 {
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [], "\(arguments) left files", file: file, line: line)
        }
        return result
    }

    private func arguments(_ command: String, _ rest: [String]) -> [String] {
        [command] + rest + (command == "rope" || command == "coverage" ? Array(lengths.prefix(4)) : lengths)
    }

    func testInvalidFrequenciesExit64InEveryAnalyzer() throws {
        for command in analyzers {
            // Refused when the spec is parsed (key and range named).
            try check(arguments(command, ["--dim", "64", "--base", "10000", "--rope", "linear:factor=5e-324"]),
                      status: 64, mentions: ["linear factor", "0.001"])
            try check(arguments(command, ["--dim", "64", "--base", "10000",
                                          "--rope", "yarn:factor=4,variant=llamacpp,ext-factor=-1e308"]),
                      status: 64, mentions: ["ext-factor", "0.0...1.0"])
            // Passes the parser, refused by the one θ' check (formerly exit 1 in spectrum/conditioning).
            try check(arguments(command, ["--dim", "2048", "--base", "1e308"]),
                      status: 64, mentions: ["θ'[", "--base", "rad/token"])
        }
    }

    func testLibraryLimitsAreUsageErrorsNotExit1() throws {
        try check(["conditioning", "--dim", "2050", "--base", "10000"] + lengths, status: 64, mentions: ["--dim 2050", "2...2048"])
        try check(["spectrum", "--dim", "64", "--base", "10000", "--padding", "64", "--length", "4m",
                   "--train-length", "8k", "--target-length", "32k", "--max-memory", "1k"], status: 64, mentions: ["--max-memory"])
    }

    func testNegativeNumbersReachValidation() throws {
        let model = ["--dim", "64", "--base", "10000"]
        try check(["rope", "--dim", "-2", "--base", "10000"] + lengths.prefix(4), status: 64, mentions: ["-2", "2...65536"])
        try check(["rope", "--dim", "64", "--base", "-5"] + lengths.prefix(4), status: 64, mentions: ["base", "-5"])
        try check(["coverage"] + model + ["--train-length", "-1", "--target-length", "8k"], status: 64, mentions: ["length '-1'"])
        try check(["spectrum"] + model + ["--train-length", "4k", "--target-length", "8k", "--length", "-1"],
                  status: 64, mentions: ["length '-1'"])
        try check(["spectrum"] + model + lengths + ["--padding", "-1"], status: 64, mentions: ["--padding -1", "1...64"])
        try check(["scale"] + model + ["--train-length", "4k", "--target-length", "8k", "--range-multiplier", "-1"],
                  status: 64, mentions: ["--range-multiplier -1"])
        try check(["sweep"] + model + ["--train-length", "4k", "--target-length", "8k", "--rope", "yarn", "--factors", "-1"],
                  status: 64, mentions: ["--factors entry '-1'"])
        for result in [try check(["rope", "--dim", "-2", "--base", "10000"], status: 64)] {
            XCTAssertFalse(result.stderr.contains("Missing value"), result.stderr)
        }
    }

    func testLengthsDefaultFromTheSpecAndSaySo() throws {
        let rope = try check(["rope", "--dim", "128", "--base", "10000", "--rope", "yarn:factor=4,original-context=4096"],
                             status: 0, output: false)
        XCTAssert(rope.stdout.contains("T_train=4096  T_target=16384"), rope.stdout)
        XCTAssert(rope.stdout.contains("note: T_train = 4096 taken from the spec"), rope.stdout)
        let coverage = try check(["coverage", "--dim", "128", "--base", "10000", "--train-length", "4096", "--json",
                                  "--rope", "linear:factor=2"], status: 0, output: false)
        let json = try coverage.json()
        XCTAssertEqual(json["target_length"] as? Int, 8192)
        XCTAssertEqual((json["notes"] as? [String])?.count, 1)
        // A spec with nothing to default from still asks for the flag.
        try check(["coverage", "--dim", "128", "--base", "10000", "--rope", "linear:factor=2"],
                  status: 64, mentions: ["missing --train-length"])
    }

    func testSweepContradictionsAreUsageErrors() throws {
        let flags = ["sweep", "--dim", "64", "--base", "10000", "--train-length", "4k", "--target-length", "8k"]
        try check(flags + ["--rope", "yarn:factor=2", "--factors", "4"], status: 64, mentions: ["--factors", "yarn:factor=2"])
        try check(flags + ["--rope", "yarn", "--factors", "1,,2"], status: 64, mentions: ["item 2 is empty"])
        try check(flags + ["--rope", "none", "--factors", "2"], status: 64, mentions: ["--factors applies to no --rope spec"])
        try check(flags.dropLast(2) + ["--rope", "none", "--target-lengths", "8k,,16k"], status: 64, mentions: ["item 2 is empty"])
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("c.json")
        try Data(#"{"name": "t", "preset": "smollm2-135m", "target_lengths": [16384], "methods": [{"spec": "none"}]}"#.utf8)
            .write(to: config)
        try check(["sweep", "--config", config.path, "--dim", "128"], status: 64, mentions: ["--dim cannot be combined with --config"])
        try check(["sweep", "--base", "5"], status: 64, mentions: ["--base needs at least one --rope"])
        try check(["sweep", "--config", config.path], status: 0)  // control
    }

    func testStrictSweepConfigurations() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases: [(String, [UInt8], [String])] = [
            ("dup", Array(#"{"name": "a", "name": "b", "preset": "smollm2-135m", "target_lengths": [16384], "methods": [{"spec": "none"}]}"#.utf8),
             ["duplicate key 'name'", ":1:15"]),
            ("comma", Array("{\"name\": \"a\", \"preset\": \"smollm2-135m\",\n\"target_lengths\": [16384,], \"methods\": [{\"spec\": \"none\"}]}".utf8),
             ["trailing comma", ":2:26"]),
            ("latin1", Array(#"{"name": "caf"#.utf8) + [0xE9] + Array(#"", "preset": "smollm2-135m", "target_lengths": [16384], "methods": [{"spec": "none"}]}"#.utf8),
             ["0xE9 is not UTF-8", ":1:14"]),
            ("value", Array("{\"name\": \"a\", \"preset\": \"smollm2-135m\", \"target_lengths\": [16384],\n\"methods\": [{\"spec\": \"linear\", \"factors\": [0]}]}".utf8),
             ["linear factor", ":2:14"]),
        ]
        for (name, bytes, fragments) in cases {
            let url = directory.appendingPathComponent("\(name).json")
            try Data(bytes).write(to: url)
            try check(["sweep", "--config", url.path], status: 65, mentions: fragments)
        }
    }

    func testResourceLimitsRefuseBeforeAllocating() throws {
        // The issue's command: formerly "failed to allocate 1 GB" after 13 s.
        try check(["spectrum", "--dim", "64", "--base", "100000", "--train-length", "8k", "--target-length", "32k",
                   "--length", "4m", "--padding", "64"], status: 64, mentions: ["GiB of memory", "limit 4 GiB", "--max-memory"])
        try check(["conditioning", "--dim", "2048", "--base", "10000", "--train-length", "4k", "--length", "1m"],
                  status: 64, mentions: ["floating-point operations", "--max-work"])
        try check(["spectrum", "--dim", "65536", "--base", "10000", "--train-length", "4k", "--length", "4m"],
                  status: 64, mentions: ["--max-work"])
        try check(["spectrum", "--dim", "64", "--base", "10000"] + lengths + ["--max-memory", "0"], status: 64, mentions: ["--max-memory '0'"])
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let big = directory.appendingPathComponent("big.json")
        try Data(#"{"name": "b", "preset": "smollm2-135m", "target_lengths": [16384], "methods": [{"spec": "none"}], "spectrum": {"length": 4194304, "padding_factor": 64}}"#.utf8).write(to: big)
        try check(["sweep", "--config", big.path], status: 64, mentions: ["sweep of 1 rows", "--max-memory"])
        let huge = directory.appendingPathComponent("huge.json")
        let dims = stride(from: 2, through: 2000, by: 2).map(String.init).joined(separator: ",")
        let bases = (0..<1000).map { String(10000 + $0) }.joined(separator: ",")
        let targets = (1000..<2000).map(String.init).joined(separator: ",")
        try Data(#"{"name": "h", "train_length": 4096, "rotary_dimensions": [\#(dims)], "bases": [\#(bases)], "target_lengths": [\#(targets)], "methods": [{"spec": "none"}]}"#.utf8).write(to: huge)
        try check(["sweep", "--config", huge.path], status: 64, mentions: ["1000000000 rows"])
    }

    func testSpecMessagesNameTheKey() throws {
        let model = ["--dim", "64", "--base", "10000", "--train-length", "4k", "--target-length", "8k"]
        try check(["rope"] + model + ["--rope", "none:factor=2"], status: 64, mentions: ["method 'none' takes no keys"])
        try check(["rope"] + model + ["--rope", "critical-ntk:target-length=1"], status: 64, mentions: ["target-length", ">= 7"])
        try check(["rope"] + model + ["--rope", "longrope:short-factor=1,long-factor=1;2;3"], status: 64, mentions: ["'long-factor' has 3 values"])
    }
}
