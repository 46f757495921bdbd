import Foundation
import GGUF
import XCTest

/// `tokenize` and `inspect` on vocabulary-only GGUF files (no tensors), as llama.cpp's
/// `ggml-vocab-*.gguf`: a handcrafted SentencePiece vocabulary with ids worked out by hand,
/// a refused model, and — when scripts/fetch-vocab-tests.sh has run — llama.cpp's own files.
final class CLIVocabularyOnlyTests: XCTestCase {
    static let vocabularyDirectory = CLITokenizeTests.repositoryRoot.appendingPathComponent("Tests/Fixtures/ggml-vocab")

    /// Tokens: 0 `<unk>`, 1 `<s>`, 2 `</s>`, 3...258 `<0x00>`...`<0xFF>`, 259 `▁`, 260 `a`,
    /// 261 `b`, 262 `▁a`, 263 `▁b`, with scores favouring `▁a` (-2) over `▁b` (-3).
    private func sentencePieceFile(model: String = "llama") throws -> URL {
        var writer = try GGUFWriter()
        try writer.addMetadata("general.architecture", .string("llama"))
        try writer.addMetadata("tokenizer.ggml.model", .string(model))
        var tokens = ["<unk>", "<s>", "</s>"] + (0..<256).map { String(format: "<0x%02X>", $0) }
        tokens += ["\u{2581}", "a", "b", "\u{2581}a", "\u{2581}b"]
        let scores: [Float] = [0, 0, 0] + Array(repeating: 0, count: 256) + [-1, -1, -1, -2, -3]
        let types: [Int32] = [2, 3, 3] + Array(repeating: 6, count: 256) + Array(repeating: 1, count: 5)
        try writer.addMetadata("tokenizer.ggml.tokens", .array(elementType: .string, elements: tokens.map { .string($0) }))
        try writer.addMetadata("tokenizer.ggml.scores", .array(elementType: .float32, elements: scores.map { .float32($0) }))
        try writer.addMetadata("tokenizer.ggml.token_type", .array(elementType: .int32, elements: types.map { .int32($0) }))
        try writer.addMetadata("tokenizer.ggml.bos_token_id", .uint32(1))
        try writer.addMetadata("tokenizer.ggml.add_bos_token", .bool(false))
        let directory = try CLI.temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("vocab-\(model).gguf")
        try Data(writer.serialized()).write(to: url)
        return url
    }

    func testTokenizeAndInspectAHandcraftedSentencePieceVocabulary() throws {
        let file = try sentencePieceFile()
        // "a b c" → "▁a▁b▁c": ▁a (score -2) merges before ▁b (-3); "▁c" is no token and "c" has
        // none, so ▁ stays alone and c falls back to its byte <0x63> = 3 + 0x63.
        let result = try CLI.run(["tokenize", file.path, "--text", "a b c", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try result.json()
        XCTAssertEqual(json["ids"] as? [Int], [262, 263, 259, 3 + 0x63])
        XCTAssertEqual(json["model"] as? String, "llama")
        XCTAssertTrue(json["pre_tokenizer"] is NSNull)

        let text = try CLI.run(["tokenize", file.path, "--text", "ab"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("SentencePiece BPE"), text.stdout)

        let inspect = try CLI.run(["inspect", file.path, "--json"])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        let report = try inspect.json()
        XCTAssertEqual(report["tensor_count"] as? Int, 0)
        let tokenizer = try XCTUnwrap(report["tokenizer"] as? [String: Any])
        XCTAssertEqual(tokenizer["vocabulary_size"] as? Int, 264)
        XCTAssertEqual(tokenizer["support"] as? String, "supported: SentencePiece BPE")
        let human = try CLI.run(["inspect", file.path])
        XCTAssertEqual(human.status, 0, human.stderr)
        XCTAssertTrue(human.stdout.contains("0 tensors (vocabulary only)"), human.stdout)
    }

    func testUnsupportedModelIsRefusedByName() throws {
        let file = try sentencePieceFile(model: "bert")
        let result = try CLI.run(["tokenize", file.path, "--text", "a"])
        XCTAssertEqual(result.status, 65, result.stderr)
        XCTAssertTrue(result.stderr.contains("unsupported tokenizer model 'bert'"), result.stderr)
        XCTAssertTrue(result.stderr.contains("WordPiece"), result.stderr)
        let inspect = try CLI.run(["inspect", file.path, "--json"])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        let tokenizer = try XCTUnwrap(try inspect.json()["tokenizer"] as? [String: Any])
        XCTAssertTrue((tokenizer["support"] as? String ?? "").hasPrefix("refused: unsupported tokenizer model 'bert'"))
    }

    /// llama.cpp's files through the CLI: the first case of each supported vocabulary's `.out`,
    /// and refusals for an unsupported pre-tokenizer and model.
    func testLlamaCppVocabularyFiles() throws {
        let spm = Self.vocabularyDirectory.appendingPathComponent("ggml-vocab-llama-spm.gguf")
        guard FileManager.default.fileExists(atPath: spm.path) else {
            throw XCTSkip("\(spm.path) is absent: run scripts/fetch-vocab-tests.sh")
        }
        for name in ["llama-spm", "llama-bpe", "qwen2"] {
            let base = Self.vocabularyDirectory.appendingPathComponent("ggml-vocab-\(name).gguf")
            let input = try String(contentsOf: base.appendingPathExtension("inp"), encoding: .utf8)
            let output = try String(contentsOf: base.appendingPathExtension("out"), encoding: .utf8)
            let text = try XCTUnwrap(input.components(separatedBy: "\n__ggml_vocab_test__\n").first)
            let ids = try XCTUnwrap(output.split(separator: "\n").first).split(separator: " ").compactMap { Int($0) }
            let directory = try CLI.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("case.txt")
            try Data(text.utf8).write(to: file)
            // .out has no BOS (add_special = false); the CLI adds one when the vocabulary says so.
            let result = try CLI.run(["tokenize", base.path, "--text-file", file.path, "--json"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let json = try result.json()
            let produced = json["ids"] as? [Int] ?? []
            let withoutBOS = json["add_bos"] as? Bool == true ? Array(produced.dropFirst()) : produced
            XCTAssertEqual(withoutBOS, ids, name)

            let inspect = try CLI.run(["inspect", base.path, "--json"])
            XCTAssertEqual(inspect.status, 0, inspect.stderr)
            XCTAssertEqual(try inspect.json()["tensor_count"] as? Int, 0, name)
        }
        for (name, fragment) in [("falcon", "unsupported pre-tokenizer 'falcon'"), ("bert-bge", "unsupported tokenizer model 'bert'")] {
            let path = Self.vocabularyDirectory.appendingPathComponent("ggml-vocab-\(name).gguf").path
            let result = try CLI.run(["tokenize", path, "--text", "x"])
            XCTAssertEqual(result.status, 65, name)
            XCTAssertTrue(result.stderr.contains(fragment), result.stderr)
        }
    }
}
