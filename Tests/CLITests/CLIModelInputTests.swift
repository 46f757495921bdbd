import Foundation
import GGUF
import RoPEScopeTestSupport
import XCTest

/// Hostile or careless model and text inputs through the CLI: every one exits with a README code
/// (65 malformed data, 66 unreadable input) naming the file and key or tensor, within a few
/// seconds, and leaves no output file.
final class CLIModelInputTests: XCTestCase {
    private var directory: URL!
    private var output: String!

    override func setUpWithError() throws {
        directory = try CLI.temporaryDirectory()
        output = directory.appendingPathComponent("out.h5").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs ropescope with optional standard input; kills it and fails after `timeout` seconds.
    private func run(_ arguments: [String], stdin: Data? = nil, timeout: Double = 20,
                     file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let process = Process()
        process.executableURL = CLI.productsDirectory.appendingPathComponent("ropescope")
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(stdin)
            try input.fileHandleForWriting.close()
        }
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            process.interrupt()
            kill(process.processIdentifier, SIGKILL)
            XCTFail("ropescope \(arguments.joined(separator: " ")) still running after \(timeout) s", file: file, line: line)
            finished.wait()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }

    private func write(_ bytes: [UInt8], _ name: String = "model.gguf") throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Asserts exit `status`, that stderr names every fragment, and that no output file exists.
    private func check(_ arguments: [String], _ status: Int32, _ fragments: [String], stdin: Data? = nil,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try run(arguments, stdin: stdin, file: file, line: line)
        XCTAssertEqual(result.status, status, result.stderr, file: file, line: line)
        for fragment in fragments {
            XCTAssert(result.stderr.contains(fragment), "stderr lacks '\(fragment)': \(result.stderr)", file: file, line: line)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output), "output left behind", file: file, line: line)
    }

    private func score(_ model: String, _ extra: [String] = []) -> [String] {
        ["score", model, "--text", String(repeating: "hello world ", count: 4), "--context-length", "8", "--output", output] + extra
    }

    // MARK: Configuration overflow and bounds (was a trap, exit 132)

    func testOverflowingSizesAreDataErrors() throws {
        let keyLength = try write(TinyModel.variant(metadata: ["llama.attention.key_length": .uint64(1 << 62)]))
        try check(score(keyLength), 65, ["model.gguf", "llama.attention.key_length", "2...65536"])
        let product = try write(TinyModel.variant(metadata: [
            "llama.attention.head_count": .uint32(1 << 16), "llama.attention.head_count_kv": .uint32(1),
            "llama.attention.key_length": .uint32(1 << 16)]))
        try check(score(product), 65, ["llama.attention.head_count × llama.attention.key_length", "1...1048576"])
        let heads = try write(TinyModel.variant(metadata: ["llama.attention.head_count": .uint32(0)]))
        try check(score(heads), 65, ["llama.attention.head_count", "1...65536"])
    }

    // MARK: Layer/tensor consistency (was scored with one layer, exit 0)

    func testBlockCountSmallerThanTheTensorsIsRefused() throws {
        let model = try write(TinyModel.variant(extraTensors: TinyModel.blockTensors(layer: 1)))
        try check(score(model), 65, ["model.gguf", "blk.1.attn_norm.weight", "declares block_count 1"])
        let missing = try write(TinyModel.variant(metadata: ["llama.block_count": .uint32(30)]), "short.gguf")
        try check(score(missing), 65, ["short.gguf", "blk.1.attn_norm.weight"])
    }

    // MARK: Declared RoPE scaling (was scored as none, or exit 64 without the file)

    func testBadDeclaredScalingIsADataError() throws {
        let cases: [([String: GGUFValue?], String, String)] = [
            (["llama.rope.scaling.type": .string("longrope")], "llama.rope.scaling.type", "allowed none, linear, yarn"),
            (["llama.rope.scaling.type": .string("mystery")], "llama.rope.scaling.type", "allowed none, linear, yarn"),
            (["llama.rope.scaling.type": .uint32(1)], "llama.rope.scaling.type", "has type uint32"),
            (["llama.rope.scaling.type": .string("yarn"), "llama.rope.scaling.factor": .float32(.nan)],
             "llama.rope.scaling.factor", "allowed a finite number > 0"),
            (["llama.rope.scaling.type": .string("linear"), "llama.rope.scaling.factor": .float32(0)],
             "llama.rope.scaling.factor", "allowed a finite number > 0"),
            (["llama.rope.scaling.type": .string("yarn"), "llama.rope.scaling.factor": .float32(-1)],
             "llama.rope.scaling.factor", "allowed a finite number > 0"),
            (["llama.rope.scaling.type": .string("yarn"), "llama.rope.scaling.factor": .string("4")],
             "llama.rope.scaling.factor", "has type string"),
            (["llama.rope.scaling.type": .string("yarn"), "llama.rope.scaling.factor": .float32(4),
              "llama.rope.scaling.original_context_length": .int32(-5)], "llama.rope.scaling.original_context_length", "-5"),
        ]
        for (index, (overrides, key, allowed)) in cases.enumerated() {
            let model = try write(TinyModel.variant(metadata: overrides), "scaling\(index).gguf")
            try check(score(model), 65, ["scaling\(index).gguf", key, allowed])
        }
        // A declared yarn the engine supports still scores.
        let yarn = try write(TinyModel.variant(metadata: ["llama.rope.scaling.type": .string("yarn"),
                                                          "llama.rope.scaling.factor": .float32(2)]), "yarn.gguf")
        let result = try run(["score", yarn, "--text", String(repeating: "hello world ", count: 4), "--context-length", "8", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssert(try result.json()["spec"] as? String ?? "" != "none", result.stdout)
    }

    // MARK: Model paths: FIFO, directory, device, permissions

    func testFIFOModelIsRefusedWithoutBlocking() throws {
        let fifo = directory.appendingPathComponent("fifo.gguf").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        try check(["inspect", fifo], 66, ["fifo.gguf", "is a FIFO (named pipe)"])
        try check(["tokenize", fifo, "--text", "hi"], 66, ["fifo.gguf", "is a FIFO (named pipe)"])
        try check(score(fifo), 66, ["fifo.gguf", "is a FIFO (named pipe)"])
    }

    func testDirectoryDeviceAndTrailingSlash() throws {
        let folder = directory.appendingPathComponent("model.gguf")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try check(["inspect", folder.path], 66, ["model.gguf", "is a directory"])
        try check(["inspect", folder.path + "/"], 66, ["is a directory"])
        let inspect = try run(["inspect", folder.path])
        XCTAssertFalse(inspect.stderr.contains("does not exist"), inspect.stderr)
        let file = try write(TinyModel.gguf(), "tiny.gguf")
        try check(["inspect", file + "/"], 66, ["tiny.gguf/", "ends in '/'"])
        try check(["inspect", "/dev/null"], 66, ["/dev/null", "is a character device"])
        try check(["inspect", directory.appendingPathComponent("absent.gguf").path], 66, ["absent.gguf", "does not exist", "fetch-model"])
    }

    func testUnreadableModel() throws {
        guard geteuid() != 0 else { throw XCTSkip("running as root: permissions do not apply") }
        let file = try write(TinyModel.gguf(), "locked.gguf")
        XCTAssertEqual(chmod(file, 0), 0)
        try check(["inspect", file], 66, ["locked.gguf", "not readable"])
    }

    // MARK: --text-file streams

    func testTextFileStreams() throws {
        let model = try write(TinyModel.gguf())
        let expected = try run(["tokenize", model, "--text", "stream me", "--json"])
        XCTAssertEqual(expected.status, 0, expected.stderr)
        let ids = try XCTUnwrap(expected.json()["ids"] as? [Int])
        // '-' reads standard input.
        let stdin = try run(["tokenize", model, "--text-file", "-", "--json"], stdin: Data("stream me".utf8))
        XCTAssertEqual(stdin.status, 0, stdin.stderr)
        XCTAssertEqual(try stdin.json()["ids"] as? [Int], ids)
        // A FIFO with a writer (what process substitution <(...) gives) is read to the end.
        let fifo = directory.appendingPathComponent("text.fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let writer = Thread {
            let descriptor = open(fifo, O_WRONLY)
            guard descriptor >= 0 else { return }
            _ = "stream me".withCString { Foundation.write(descriptor, $0, 9) }
            close(descriptor)
        }
        writer.start()
        let streamed = try run(["tokenize", model, "--text-file", fifo, "--json"])
        XCTAssertEqual(streamed.status, 0, streamed.stderr)
        XCTAssertEqual(try streamed.json()["ids"] as? [Int], ids)
        // An endless stream stops at the documented cap (256 MiB) with a data error.
        try check(["tokenize", model, "--text-file", "/dev/zero"], 65, ["/dev/zero", "larger than 268435456 bytes"])
        // A directory is not a text stream.
        try check(["tokenize", model, "--text-file", directory.path], 66, ["is a directory"])
        try check(["tokenize", model, "--text-file", directory.appendingPathComponent("none.txt").path], 66, ["none.txt", "does not exist"])
    }
}
