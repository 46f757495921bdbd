import Foundation
import XCTest

/// Every documented bad-input path: exit code, a message naming the option and the allowed
/// values, and no output file left behind.
final class CLIErrorTests: XCTestCase {
    private let analyzers = ["rope", "coverage", "spectrum", "conditioning"]

    private func assertFails(
        _ arguments: [String], status: Int32 = 64, mentions fragments: [String],
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("result.h5").path
        let result = try CLI.run(arguments + ["--output", output])
        XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)", file: file, line: line)
        for fragment in fragments {
            XCTAssert(result.stderr.contains(fragment), "\(arguments): stderr lacks '\(fragment)': \(result.stderr)", file: file, line: line)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        XCTAssertEqual(left, [], "\(arguments) left files behind", file: file, line: line)
    }

    func testGeometryErrors() throws {
        for command in analyzers {
            let lengths = ["--train-length", "4096", "--target-length", "8192"]
            try assertFails([command, "--dim", "63", "--base", "10000"] + lengths, mentions: ["--dim", "63", "even integer"])
            try assertFails([command, "--dim", "0", "--base", "10000"] + lengths, mentions: ["--dim", "2...65536"])
            try assertFails([command, "--dim", "-4", "--base", "10000"] + lengths, mentions: ["dim"])
            try assertFails([command, "--dim", "64", "--base", "1"] + lengths, mentions: ["base", "> 1"])
            try assertFails([command, "--dim", "64", "--base", "nan"] + lengths, mentions: ["base", "finite"])
            try assertFails([command, "--dim", "64", "--base", "inf"] + lengths, mentions: ["base", "finite"])
            try assertFails([command, "--base", "10000"] + lengths, mentions: ["missing --dim"])
            try assertFails([command, "--dim", "64"] + lengths, mentions: ["missing --base"])
        }
    }

    func testLengthErrors() throws {
        for command in analyzers {
            try assertFails([command, "--preset", "llama2-7b", "--target-length", "0"], mentions: ["length '0'", "integer >= 1"])
            try assertFails([command, "--preset", "llama2-7b", "--target-length=-5"], mentions: ["-5"])
            try assertFails([command, "--preset", "llama2-7b", "--target-length", "12q"], mentions: ["12q"])
            try assertFails([command, "--preset", "llama2-7b"], mentions: ["missing --target-length"])
            try assertFails([command, "--dim", "64", "--base", "1e4", "--target-length", "8k"], mentions: ["missing --train-length"])
        }
    }

    func testSpecErrors() throws {
        let model = ["--preset", "llama2-7b", "--target-length", "8k"]
        try assertFails(["rope"] + model + ["--rope", "bogus"], mentions: ["unknown RoPE method 'bogus'", "diffusion-ntk"])
        try assertFails(["rope"] + model + ["--rope", "linear:fator=2"], mentions: ["unknown key 'fator'", "factor"])
        try assertFails(["rope"] + model + ["--rope", "linear"], mentions: ["needs 'factor'"])
        try assertFails(["rope"] + model + ["--rope", "linear:factor=nan"], mentions: ["finite"])
        try assertFails(["rope"] + model + ["--rope", "linear:factor=0"], mentions: ["linear factor", "0.001...1000000"])
        try assertFails(["coverage"] + model + ["--rope", "yarn:factor=-1"], mentions: ["yarn factor"])
        try assertFails(["coverage"] + model + ["--rope", "base=0.5"], mentions: ["effective base", "> 1"])
        try assertFails(["coverage"] + model + ["--rope", "llama3:factor=8"], mentions: ["low-freq-factor"])
        try assertFails(["scale", "--preset", "llada-8b"], mentions: ["missing --target-length"])
        try assertFails(["scale", "--preset", "llada-8b", "--target-length", "8k", "--range-multiplier", "0"],
                        mentions: ["--range-multiplier"])
    }

    func testSpectrumAndConditioningErrors() throws {
        let model = ["--preset", "llama2-7b", "--target-length", "8k"]
        for command in ["spectrum", "conditioning"] {
            let short = try CLI.run([command] + model + ["--length", "1"])
            XCTAssertEqual(short.status, 64)
            XCTAssert(short.stderr.contains("window length 1"), short.stderr)
            let noLength = try CLI.run([command, "--preset", "llama2-7b"])
            XCTAssertEqual(noLength.status, 64)
            XCTAssert(noLength.stderr.contains("missing --target-length"), noLength.stderr)
            let regime = try CLI.run([command] + model + ["--regime", "sideways"])
            XCTAssertEqual(regime.status, 64)
            XCTAssert(regime.stderr.contains("sideways"), regime.stderr)
        }
        let padding = try CLI.run(["spectrum"] + model + ["--padding", "0"])
        XCTAssertEqual(padding.status, 64)
        XCTAssert(padding.stderr.contains("--padding 0: allowed 1...64"), padding.stderr)
        let window = try CLI.run(["spectrum"] + model + ["--window-function", "kaiser"])
        XCTAssertEqual(window.status, 64)
        XCTAssert(window.stderr.contains("kaiser"), window.stderr)
        let huge = try CLI.run(["conditioning"] + model + ["--length", "4m"])
        XCTAssertEqual(huge.status, 64)
        XCTAssert(huge.stderr.contains("2...1048576"), huge.stderr)
    }

    func testUnwritableOutput() throws {
        let model = ["--preset", "llama2-7b", "--target-length", "8k"]
        let missing = try CLI.run(["rope"] + model + ["--output", "/nonexistent-dir/x.h5"])
        XCTAssertEqual(missing.status, 64)
        XCTAssert(missing.stderr.contains("/nonexistent-dir"), missing.stderr)
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let isDirectory = try CLI.run(["rope"] + model + ["--output", directory.path])
        XCTAssertEqual(isDirectory.status, 64)
        XCTAssert(isDirectory.stderr.contains("is a directory"), isDirectory.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/nonexistent-dir"))
    }
}
