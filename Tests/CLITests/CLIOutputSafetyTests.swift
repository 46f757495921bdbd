import Foundation
import RoPEScopeTestSupport
import XCTest

/// Output safety of every command with --output: an input is never the output (file identity),
/// only writable regular files are replaced, paths that are not UTF-8 are refused instead of
/// being written under a repaired name, and SIGINT/SIGTERM/SIGHUP leave no temporary file while
/// SIGKILL's leftover is removed by the next run to the same target.
final class CLIOutputSafetyTests: XCTestCase {
    private var directory: URL!
    private let rope = ["rope", "--preset", "llama2-7b", "--target-length", "8k"]

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func listing() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    private func tinyModel() throws -> String {
        let model = path("tiny.gguf")
        try Data(TinyModel.gguf()).write(to: URL(fileURLWithPath: model))
        return model
    }

    func testOutputThatIsAnInputIsRefused() throws {
        let config = path("c.json")
        let original = #"{"name": "x", "preset": "llama2-7b", "target_lengths": [8192], "methods": [{"spec": "none"}]}"#
        try Data(original.utf8).write(to: URL(fileURLWithPath: config))
        XCTAssertEqual(link(config, path("hard.json")), 0)
        try FileManager.default.createSymbolicLink(atPath: path("soft.json"), withDestinationPath: config)
        for output in [config, "./c.json", "hard.json"] {
            let result = try CLI.run(["sweep", "--config", "c.json", "--output", output], currentDirectory: directory)
            XCTAssertEqual(result.status, 64, "\(output): \(result.stderr)")
            XCTAssert(result.stderr.contains("is the input file"), result.stderr)
            XCTAssertEqual(try String(contentsOfFile: config, encoding: .utf8), original)
        }
        // A symbolic link at the output is refused as such (74) before inputs are compared.
        let soft = try CLI.run(["sweep", "--config", "c.json", "--output", "soft.json"], currentDirectory: directory)
        XCTAssertEqual(soft.status, 74, soft.stderr)
        XCTAssertEqual(try String(contentsOfFile: config, encoding: .utf8), original)
        let model = try tinyModel()
        let before = try Data(contentsOf: URL(fileURLWithPath: model))
        let text = path("text.txt")
        try Data(String(repeating: "hello world. ", count: 10).utf8).write(to: URL(fileURLWithPath: text))
        for (output, extra) in [(model, ["--text", "hello world"]), (text, ["--text-file", text])] {
            let result = try CLI.run(["score", model, "--context-length", "4", "--output", output] + extra)
            XCTAssertEqual(result.status, 64, "\(output): \(result.stderr)")
            XCTAssert(result.stderr.contains("is the input file"), result.stderr)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: model)), before, "the model is untouched")
        XCTAssertEqual(try listing(), ["c.json", "hard.json", "soft.json", "text.txt", "tiny.gguf"])
    }

    func testOnlyWritableRegularFilesAreReplaced() throws {
        let fifo = path("pipe.h5")
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        try FileManager.default.createSymbolicLink(atPath: path("link.h5"), withDestinationPath: path("elsewhere.h5"))
        let readOnly = path("ro.h5")
        try Data("old".utf8).write(to: URL(fileURLWithPath: readOnly))
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: readOnly)
        var cases = [(fifo, "a FIFO"), (path("link.h5"), "a symbolic link"), (readOnly, "read-only")]
        // A private copy of /dev/null (same device numbers): never /dev/null itself, which a
        // binary with this bug would replace for the whole machine when run as root.
        let device = path("null.h5")
        if mknod(device, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0 { cases.append((device, "a character device")) }
        for command in [rope, ["sweep", "--rope", "linear", "--factors", "2", "--preset", "llama2-7b", "--target-length", "8k"]] {
            for (output, kind) in cases {
                let result = try CLI.run(command + ["--output", output])
                XCTAssertEqual(result.status, 74, "\(command[0]) \(output): \(result.stderr)")
                XCTAssert(result.stderr.contains(kind) && result.stderr.contains(output), result.stderr)
            }
        }
        var status = stat()
        if cases.count == 4 {
            XCTAssertEqual(lstat(device, &status), 0)
            XCTAssertEqual(status.st_mode & S_IFMT, S_IFCHR, "the device node is still a device")
        }
        XCTAssertEqual(try String(contentsOfFile: readOnly, encoding: .utf8), "old")
        let expected = ["link.h5", "pipe.h5", "ro.h5"] + (cases.count == 4 ? ["null.h5"] : [])
        XCTAssertEqual(try listing(), expected.sorted(), "nothing written, no temporary file left")
        // A writable regular file is replaced (documented: no --force).
        let regular = path("old.h5")
        try Data("old".utf8).write(to: URL(fileURLWithPath: regular))
        XCTAssertEqual(try CLI.run(rope + ["--output", regular]).status, 0)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: regular)), Data("old".utf8))
    }

    func testPathThatIsNotUTF8IsRefusedNotRenamed() throws {
        // Foundation's Process takes Strings, so the raw byte 0xFF goes through the shell.
        let binary = CLI.productsDirectory.appendingPathComponent("ropescope").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #""$0" rope --preset llama2-7b --target-length 8k --output "$(printf 'out-\377.h5')""#, binary]
        process.currentDirectoryURL = directory
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 64, stderr)
        XCTAssert(stderr.contains("out-\\xFF.h5") && stderr.contains("not valid UTF-8"), stderr)
        XCTAssertEqual(try listing(), [], "nothing is written under any name")
    }

    func testErrorWithoutExplicitMappingGetsAREADMECode() throws {
        // SpectraError from the frequencies escaped `spectrum` and ArgumentParser exited 1.
        let result = try CLI.run(["spectrum", "--dim", "64", "--base", "10000", "--train-length", "4k",
                                  "--target-length", "8k", "--rope", "linear:factor=5e-324"])
        XCTAssert([64, 65].contains(result.status), "status \(result.status): \(result.stderr)")
        XCTAssert(result.stderr.contains("inf"), result.stderr)
    }

    // MARK: signals

    /// Starts `score` on the tiny model with --output over a long text and waits until its
    /// temporary file exists; returns the process and the temporary file's name.
    private func startLongScore(output: String) throws -> (Process, String) {
        let model = try tinyModel()
        let text = path("long.txt")
        try Data(String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 20_000).utf8)
            .write(to: URL(fileURLWithPath: text))
        let process = Process()
        process.executableURL = CLI.productsDirectory.appendingPathComponent("ropescope")
        process.arguments = ["score", model, "--text-file", text, "--context-length", "64", "--output", output]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let prefix = ".\(URL(fileURLWithPath: output).lastPathComponent).tmp-"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning {
            if let name = try listing().first(where: { $0.hasPrefix(prefix) }) { return (process, name) }
            usleep(5_000)
        }
        process.terminate()
        throw XCTSkip("score finished or took over 60 s before its temporary file appeared; cannot time a signal")
    }

    func testSIGINTSIGTERMSIGHUPSIGPIPERemoveTheTemporaryFile() throws {
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] {
            let (process, temporary) = try startLongScore(output: path("score.h5"))
            XCTAssert(temporary.hasPrefix(".score.h5.tmp-\(process.processIdentifier)-"), temporary)
            XCTAssertEqual(kill(process.processIdentifier, signal), 0)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, "signal \(signal)")
            XCTAssertEqual(process.terminationStatus, signal, "the process still dies by signal \(signal)")
            XCTAssertEqual(try listing().filter { $0.contains(".tmp-") }, [], "signal \(signal) left a temporary file")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("score.h5")))
        }
    }

    func testSIGKILLLeftoverIsRemovedByTheNextRun() throws {
        let (process, temporary) = try startLongScore(output: path("score.h5"))
        XCTAssertEqual(kill(process.processIdentifier, SIGKILL), 0)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, SIGKILL)
        XCTAssert(try listing().contains(temporary), "SIGKILL cannot be caught: the temporary file stays")
        let next = try CLI.run(rope + ["--output", path("score.h5")])
        XCTAssertEqual(next.status, 0, next.stderr)
        XCTAssert(next.stderr.contains("removed") && next.stderr.contains(temporary), next.stderr)
        XCTAssertEqual(try listing().filter { $0.contains(".tmp-") }, [])
    }
}
