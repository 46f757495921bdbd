import Foundation
import RoPEScopeTestSupport
import XCTest

/// Issue 7: the analyzers' numeric options under hostile values. Each run draws, from a seeded
/// generator, a command and for each of its numeric options either a sane value or a hostile
/// one (0, negatives, huge, subnormal, NaN, inf, suffixes that overflow, empty, non-numeric), and
/// must exit with a README code (0, 64, 65, 66, 74) within `timeLimit` (a hang detector, not a
/// timing test) leaving nothing in the output directory but, on success, the output file.
/// The work and memory limits are kept small so an accepted run stays short.
final class CLINumericFuzzTests: XCTestCase {
    static let runs = 150
    static let timeLimit: TimeInterval = 20
    static let readmeCodes: Set<Int32> = [0, 64, 65, 66, 74]

    static let hostile = [
        "0", "-1", "-2", "1e308", "-1e308", "5e-324", "nan", "NaN", "inf", "-inf", "1k", "9999999999m", "",
        "abc", "1.5", "99999999999999999999", "0x10", "--", "-0", "1e-300", "65537", "7", " 12", "2m",
    ]

    struct Option {
        let flag: String
        let sane: [String]
    }

    static let model = [
        Option(flag: "--dim", sane: ["2", "64", "128"]),
        Option(flag: "--base", sane: ["10000", "500000", "1.5"]),
        Option(flag: "--train-length", sane: ["4k", "512", "8192"]),
        Option(flag: "--target-length", sane: ["8k", "1024", "32k"]),
    ]
    static let window = [Option(flag: "--length", sane: ["256", "1k", "2048"])]
    static let limits = [Option(flag: "--max-memory", sane: ["512m"]), Option(flag: "--max-work", sane: ["1e9"])]

    static let commands: [(String, [Option])] = [
        ("rope", model), ("coverage", model),
        ("spectrum", model + window + limits + [Option(flag: "--padding", sane: ["1", "2", "4"])]),
        ("conditioning", model + window + limits),
        ("scale", model + [Option(flag: "--range-multiplier", sane: ["2", "1", "0.5"])]),
        ("sweep", model + limits + [Option(flag: "--factors", sane: ["2,4", "8"]), Option(flag: "--target-lengths", sane: ["8k,16k"])]),
    ]

    static let specs = [
        "none", "linear:factor=V", "ntk:factor=V", "yarn:factor=V", "yarn:factor=4,variant=llamacpp,ext-factor=V",
        "critical-ntk:target-length=V", "diffusion-ntk:target-length=V", "base=V", "longrope:short-factor=V,long-factor=1;V",
        "llama3:factor=8,low-freq-factor=V,high-freq-factor=4", "dynamic-ntk:factor=V",
    ]

    func testHostileNumericOptionsExitWithReadmeCodes() throws {
        var generator = SeededGenerator(seed: 0x7_2026)
        var statuses: [Int32: Int] = [:]
        for run in 0..<Self.runs {
            let (command, options) = Self.commands[Int(generator.next() % UInt64(Self.commands.count))]
            var arguments = [command]
            // 0, 1 or 2 hostile slots per run (slot options.count is the spec's value); the rest sane or omitted.
            let hostileSlots = Set((0..<Int(generator.next() % 3)).map { _ in Int(generator.next() % UInt64(options.count + 1)) })
            for (slot, option) in options.enumerated() {
                if generator.next() % 10 == 0 { continue }  // omitted
                var value = !hostileSlots.contains(slot) ? option.sane[Int(generator.next() % UInt64(option.sane.count))]
                    : Self.hostile[Int(generator.next() % UInt64(Self.hostile.count))]
                // The limits only ever get small or invalid values, so accepted runs stay short.
                if option.flag.hasPrefix("--max-"), let number = Double(value), number > 1e9 { value = "1e9" }
                arguments += [option.flag, value]
            }
            if !arguments.contains("--max-work"), command == "spectrum" || command == "conditioning" || command == "sweep" {
                arguments += ["--max-work", "1e9"]
            }
            if command != "scale" {
                let spec = Self.specs[Int(generator.next() % UInt64(Self.specs.count))]
                let value = !hostileSlots.contains(options.count) ? "4" : Self.hostile[Int(generator.next() % UInt64(Self.hostile.count))]
                arguments += ["--rope", spec.replacingOccurrences(of: "V", with: value)]
            }
            let directory = try CLI.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let result = try Self.run(arguments + ["--output", directory.appendingPathComponent("out.h5").path])
            let label = "run \(run): \(arguments.joined(separator: " "))"
            guard let status = result else {
                XCTFail("\(label): did not finish within \(Self.timeLimit) s")
                continue
            }
            statuses[status.status, default: 0] += 1
            XCTAssert(Self.readmeCodes.contains(status.status), "\(label): exit \(status.status): \(status.stderr.suffix(300))")
            XCTAssertFalse(status.stderr.contains("Fatal error") || status.stderr.contains("Missing value"), "\(label): \(status.stderr)")
            let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            XCTAssertEqual(left, status.status == 0 ? ["out.h5"] : [], "\(label): left \(left)")
        }
        // The draw must exercise both outcomes, or the test proves nothing.
        XCTAssertGreaterThan(statuses[0, default: 0], 5, "\(statuses)")
        XCTAssertGreaterThan(statuses[64, default: 0], 50, "\(statuses)")
    }

    /// Runs the binary; nil when it had to be killed after `timeLimit`.
    static func run(_ arguments: [String]) throws -> CLIResult? {
        let process = Process()
        process.executableURL = CLI.productsDirectory.appendingPathComponent("ropescope")
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let outData = LockedData(), errData = LockedData()
        let group = DispatchGroup()
        for (pipe, sink) in [(out, outData), (err, errData)] {
            group.enter()
            DispatchQueue.global().async {
                sink.set(pipe.fileHandleForReading.readDataToEndOfFile())
                group.leave()
            }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(timeLimit)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            usleep(200_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            group.wait()
            return nil
        }
        process.waitUntilExit()
        group.wait()
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: outData.get(), as: UTF8.self),
                         stderr: String(decoding: errData.get(), as: UTF8.self))
    }
}

/// Data written by a reader thread and read after it finishes.
private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.lock(); data = value; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}
