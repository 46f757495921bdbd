import Foundation
import GGUF
import XCTest

/// `inspect` on a tiny handmade GGUF, and its error paths.
final class CLIInspectTests: XCTestCase {
    func testInspectReportsMetadataAndTensors() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var writer = try GGUFWriter()
        try writer.addMetadata("general.architecture", .string("llama"))
        try writer.addMetadata("llama.rope.freq_base", .float32(100000))
        try writer.addMetadata("llama.attention.head_count", .uint32(9))
        try writer.addMetadata("tokenizer.ggml.model", .string("gpt2"))
        try writer.addMetadata("tokenizer.ggml.tokens", .array(elementType: .string, elements: [.string("a"), .string("b")]))
        try writer.addMetadata("tokenizer.ggml.add_bos_token", .bool(false))
        try writer.addTensor(name: "output_norm.weight", dimensions: [4], values: [1, 2, 3, 4])
        let path = directory.appendingPathComponent("tiny.gguf")
        try writer.write(to: path)

        let result = try CLI.run(["inspect", path.path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try result.json()
        XCTAssertEqual(json["architecture"] as? String, "llama")
        let hyper = try XCTUnwrap(json["hyperparameters"] as? [String: Any])
        XCTAssertEqual((hyper["rope.freq_base"] as? NSNumber)?.doubleValue, 100000)
        XCTAssertEqual((hyper["attention.head_count"] as? NSNumber)?.intValue, 9)
        let tokenizer = try XCTUnwrap(json["tokenizer"] as? [String: Any])
        XCTAssertEqual(tokenizer["vocabulary_size"] as? Int, 2)
        XCTAssertEqual(tokenizer["add_bos"] as? Bool, false)
        let tensors = try XCTUnwrap(json["tensors"] as? [[String: Any]])
        XCTAssertEqual(tensors.first?["name"] as? String, "output_norm.weight")
        XCTAssertEqual(tensors.first?["dimensions"] as? [Int], [4])
    }

    func testMissingAndMalformedModels() throws {
        let missing = try CLI.run(["inspect", "/nonexistent/model.gguf"])
        XCTAssertEqual(missing.status, 66)
        XCTAssert(missing.stderr.contains("fetch-model"), missing.stderr)
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let garbage = directory.appendingPathComponent("garbage.gguf")
        try Data("hello world, not a model".utf8).write(to: garbage)
        let malformed = try CLI.run(["inspect", garbage.path])
        XCTAssertEqual(malformed.status, 65)
        XCTAssert(malformed.stderr.contains("magic"), malformed.stderr)
        let truncated = directory.appendingPathComponent("truncated.gguf")
        try Data([0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0]).write(to: truncated)
        let short = try CLI.run(["inspect", truncated.path])
        XCTAssertEqual(short.status, 65)
    }
}

extension CLIInspectTests {
    func testLladaMaskTokenIsReported() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var writer = try GGUFWriter()
        try writer.addMetadata("general.architecture", .string("llada"))
        try writer.addMetadata("llada.attention.causal", .bool(false))
        try writer.addMetadata("tokenizer.ggml.mask_token_id", .uint32(126336))
        let path = directory.appendingPathComponent("llada.gguf")
        try writer.write(to: path)
        let json = try CLI.run(["inspect", path.path, "--json"]).json()
        let tokenizer = try XCTUnwrap(json["tokenizer"] as? [String: Any])
        XCTAssertEqual(tokenizer["mask_token_id"] as? Int, 126336)
        XCTAssertEqual((json["hyperparameters"] as? [String: Any])?["attention.causal"] as? Bool, false)
    }
}
