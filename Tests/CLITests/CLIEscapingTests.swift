import Foundation
import GGUF
import RoPEScopeTestSupport
import XCTest

/// Strings from a GGUF are printed with terminal controls escaped, and `inspect --json` keeps each
/// value's GGUF type.
final class CLIEscapingTests: XCTestCase {
    private let retitle = "\u{1b}]0;pwned\u{07}"
    private let clear = "\u{1b}[2J"

    private func hostileModel(in directory: URL) throws -> String {
        var writer = try GGUFWriter()
        try writer.addMetadata("general.architecture", .string("llama"))
        try writer.addMetadata("general.name", .string(retitle))
        try writer.addMetadata("llama.note", .string("a\(clear)b\u{9b}c\u{202e}d"))
        try writer.addMetadata("llama.\(clear)", .uint32(1))
        try writer.addMetadata("tokenizer.ggml.model", .string(clear))
        try writer.addTensor(name: "w\(retitle)", dimensions: [4], values: [1, 2, 3, 4])
        let url = directory.appendingPathComponent("hostile.gguf")
        try writer.write(to: url)
        return url.path
    }

    private func assertNoControls(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let bad = text.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) || $0 == "\u{202e}" }
        XCTAssert(bad.isEmpty, "raw control characters \(bad.map { String($0.value, radix: 16) }) in: \(text.debugDescription)",
                  file: file, line: line)
    }

    func testInspectEscapesEveryFileString() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CLI.run(["inspect", try hostileModel(in: directory)])
        XCTAssertEqual(result.status, 0, result.stderr)
        assertNoControls(result.stdout)
        XCTAssert(result.stdout.contains("name \\u{1B}]0;pwned\\u{7}"), result.stdout)
        XCTAssert(result.stdout.contains("a\\u{1B}[2Jb\\u{9B}c\\u{202E}d"), result.stdout)
        XCTAssert(result.stdout.contains("w\\u{1B}]0;pwned\\u{7}"), result.stdout)
        XCTAssert(result.stdout.contains("model \\u{1B}[2J"), result.stdout)
    }

    func testErrorsEscapeFileStrings() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("arch.gguf")
        try Data(TinyModel.variant(metadata: ["general.architecture": .string("evil\(clear)")])).write(to: url)
        let result = try CLI.run(["score", url.path, "--text", "abcdefgh", "--context-length", "4"])
        XCTAssertNotEqual(result.status, 0)
        assertNoControls(result.stderr)
        XCTAssert(result.stderr.contains("evil\\u{1B}[2J"), result.stderr)
    }

    func testTokenizeEscapesPieces() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A user-defined token (type 4) whose text is an escape sequence.
        let bytes = try GGUFFile(bytes: TinyModel.gguf())
        var tokens = try bytes.metadata.stringArray(forKey: "tokenizer.ggml.tokens").map(GGUFValue.string)
        tokens.append(.string(clear))
        let types = Array(repeating: GGUFValue.int32(1), count: tokens.count - 1) + [.int32(4)]
        let model = directory.appendingPathComponent("tok.gguf")
        try Data(TinyModel.variant(metadata: [
            "tokenizer.ggml.tokens": .array(elementType: .string, elements: tokens),
            "tokenizer.ggml.token_type": .array(elementType: .int32, elements: types),
        ])).write(to: model)
        let result = try CLI.run(["tokenize", model.path, "--text", "a\(clear)b"])
        XCTAssertEqual(result.status, 0, result.stderr)
        assertNoControls(result.stdout)
        XCTAssert(result.stdout.contains("\"\\u{1B}[2J\""), result.stdout)
    }

    func testInspectJSONKeepsGGUFTypes() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var writer = try GGUFWriter()
        try writer.addMetadata("general.architecture", .string("llama"))
        try writer.addMetadata("llama.block_count", .uint32(30))
        try writer.addMetadata("llama.vocab_size", .uint64(49152))
        try writer.addMetadata("llama.offset", .int32(-7))
        try writer.addMetadata("llama.rope.freq_base", .float32(100000))
        try writer.addMetadata("llama.attention.layer_norm_rms_epsilon", .float64(1e-5))
        try writer.addMetadata("llama.attention.causal", .bool(true))
        try writer.addMetadata("llama.rope.scaling.type", .string("yarn"))
        try writer.addMetadata("llama.per_layer", .array(elementType: .uint16, elements: [.uint16(1), .uint16(2), .uint16(3)]))
        try writer.addMetadata("llama.huge", .array(elementType: .int8, elements: Array(repeating: .int8(0), count: 5000)))
        let url = directory.appendingPathComponent("typed.gguf")
        try writer.write(to: url)
        let result = try CLI.run(["inspect", url.path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let hyper = try XCTUnwrap(result.json()["hyperparameters"] as? [String: Any])
        // JSONSerialization bridges numbers and booleans alike on Linux: check the JSON text for the
        // literal form of each value (a number or `true` unquoted, a string quoted) and the parsed value.
        func literal(_ key: String) -> String? {
            guard let range = result.stdout.range(of: "\"\(key)\" : ") else { return nil }
            return String(result.stdout[range.upperBound...].prefix { $0 != "," && $0 != "\n" })
        }
        XCTAssertEqual(literal("block_count"), "30")
        XCTAssertEqual(literal("vocab_size"), "49152")
        XCTAssertEqual(literal("offset"), "-7")
        XCTAssertEqual(literal("attention.causal"), "true")
        XCTAssertEqual(literal("rope.scaling.type"), "\"yarn\"")
        XCTAssertEqual((hyper["block_count"] as? NSNumber)?.intValue, 30)
        XCTAssertEqual((hyper["rope.freq_base"] as? NSNumber)?.doubleValue, 100000)
        XCTAssertEqual(try XCTUnwrap((hyper["attention.layer_norm_rms_epsilon"] as? NSNumber)?.doubleValue), 1e-5, accuracy: 1e-18)
        XCTAssertEqual(hyper["attention.causal"] as? Bool, true)
        XCTAssertEqual(hyper["rope.scaling.type"] as? String, "yarn")
        XCTAssertFalse(try XCTUnwrap(literal("rope.freq_base")).hasPrefix("\""))
        XCTAssertEqual((hyper["per_layer"] as? [NSNumber])?.map(\.intValue), [1, 2, 3])
        XCTAssertNil(hyper["huge"], "arrays over 1024 elements are summarised elsewhere, not listed")
        XCTAssertFalse(hyper.values.contains { $0 is String && ($0 as? String) == "30" })
    }
}
