import Foundation
import GGUF
import RoPEScopeTestSupport
import XCTest

/// `generate` through the binary on the tiny random model (byte-level vocabulary, so token id k
/// is byte k): JSON keys, consistency of greedy prefixes, seeded sampling, the EOS stop, and
/// every bad input with its README exit code.
final class CLIGenerateTests: TinyModelCLITestCase {

    private func generate(_ arguments: [String], model: String? = nil) throws -> [String: Any] {
        let result = try CLI.run(["generate", model ?? self.model] + arguments + ["--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try result.json()
    }

    func testGreedyJSONPrefixesAndEOS() throws {
        let json = try generate(["--prompt", "hello", "--max-tokens", "6"])
        XCTAssertEqual(json["prompt_tokens"] as? Int, 5)
        let ids = try XCTUnwrap(json["token_ids"] as? [Int])
        XCTAssertEqual(ids.count, 6)
        XCTAssertEqual(json["stop_reason"] as? String, "max_tokens")
        XCTAssertEqual(json["spec"] as? String, "none")
        // Byte-level vocabulary: the text is the ids' bytes read as UTF-8 (invalid sequences → U+FFFD).
        XCTAssertEqual(json["text"] as? String, String(decoding: ids.map { UInt8($0) }, as: UTF8.self))
        let rates = try XCTUnwrap(json["tokens_per_second"] as? [String: Any])
        XCTAssertGreaterThan(try XCTUnwrap(rates["prefill"] as? Double), 0)
        XCTAssertGreaterThan(try XCTUnwrap(rates["decode"] as? Double), 0)
        // Greedy decoding is a function of the prefix: 3 tokens are the first 3 of 6, and
        // continuing the prompt + first 2 tokens gives tokens 3…
        XCTAssertEqual(try generate(["--prompt", "hello", "--max-tokens", "3"])["token_ids"] as? [Int], Array(ids[0..<3]))
        // The float32 cache computes what the full forward pass does; the default binary16 cache
        // moves logits by ≤ 1e-2 (KeyValueCacheTests), far below this random model's top-two gaps
        // at these steps, so both choose the same tokens.
        XCTAssertEqual(try generate(["--prompt", "hello", "--max-tokens", "6", "--kv-cache", "float32"])["token_ids"] as? [Int], ids)
        let extended = "hello" + String(decoding: ids[0..<2].map { UInt8($0) }, as: UTF8.self)
        if Array(extended.utf8) == Array("hello".utf8) + ids[0..<2].map({ UInt8($0) }) {
            XCTAssertEqual(try generate(["--prompt", extended, "--max-tokens", "4"])["token_ids"] as? [Int], Array(ids[2..<6]))
        }
        // A model whose EOS is the third greedy token stops there.
        let eos = directory.appendingPathComponent("eos.gguf").path
        try Data(TinyModel.variant(metadata: ["tokenizer.ggml.eos_token_id": .uint32(UInt32(ids[2]))]))
            .write(to: URL(fileURLWithPath: eos))
        let stopped = try generate(["--prompt", "hello", "--max-tokens", "6"], model: eos)
        let firstEOS = try XCTUnwrap(ids.firstIndex(of: ids[2]))
        XCTAssertEqual(stopped["token_ids"] as? [Int], Array(ids[...firstEOS]))
        XCTAssertEqual(stopped["stop_reason"] as? String, "eos")
    }

    func testSeededSamplingAndRoPE() throws {
        let arguments = ["--prompt", "abc", "--max-tokens", "12", "--temperature", "2", "--top-k", "100", "--top-p", "0.95"]
        let a = try generate(arguments + ["--seed", "4"])
        XCTAssertEqual(try generate(arguments + ["--seed", "4"])["token_ids"] as? [Int], a["token_ids"] as? [Int])
        XCTAssertNotEqual(try generate(arguments + ["--seed", "5"])["token_ids"] as? [Int], a["token_ids"] as? [Int])
        let sampling = try XCTUnwrap(a["sampling"] as? [String: Any])
        XCTAssertEqual(sampling["top_k"] as? Int, 100)
        XCTAssertEqual(sampling["seed"] as? Int, 4)
        let yarn = try generate(["--prompt", "abc", "--max-tokens", "2", "--rope", "yarn:factor=4"])
        // original-context defaults to the GGUF's trained context (64).
        XCTAssert((yarn["spec"] as? String)?.hasPrefix("yarn:factor=4,original-context=64,") == true, "\(yarn)")
        let text = try CLI.run(["generate", model, "--prompt", "abc", "--max-tokens", "2"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssert(text.stderr.contains("3 prompt tokens, 2 generated (stop: max_tokens)"), text.stderr)
    }

    func testBadInput() throws {
        let prompt = directory.appendingPathComponent("prompt.txt")
        let empty = directory.appendingPathComponent("empty.txt")
        let binary = directory.appendingPathComponent("binary.txt")
        try Data("hi".utf8).write(to: prompt)
        try Data().write(to: empty)
        try Data([0x66, 0xFF]).write(to: binary)
        let llada = directory.appendingPathComponent("llada.gguf").path
        try Data(TinyModel.variant(metadata: ["llama.attention.causal": .bool(false)])).write(to: URL(fileURLWithPath: llada))
        let cases: [([String], Int32, String)] = [
            ([model, "--max-tokens", "2"], 64, "exactly one of --prompt"),
            ([model, "--prompt", "a", "--prompt-file", prompt.path, "--max-tokens", "2"], 64, "exactly one of --prompt"),
            ([model, "--prompt", "a", "--max-tokens", "0"], 64, "--max-tokens 0"),
            ([model, "--prompt", "a", "--max-tokens", "-3"], 64, "--max-tokens -3"),
            ([model, "--prompt", "a", "--max-tokens", "2", "--temperature", "-1"], 64, "temperature -1"),
            ([model, "--prompt", "a", "--max-tokens", "2", "--temperature", "nan"], 64, "temperature"),
            ([model, "--prompt", "a", "--max-tokens", "2", "--temperature", "1", "--top-p", "0"], 64, "top-p 0"),
            ([model, "--prompt", "a", "--max-tokens", "2", "--temperature", "1", "--top-k", "-1"], 64, "top-k -1"),
            ([model, "--prompt", "a", "--max-tokens", "2", "--top-k", "5"], 64, "need --temperature > 0"),
            ([model, "--prompt", "a", "--max-tokens", "2", "--kv-cache", "int8"], 64, "kv-cache"),
            ([model, "--prompt", "a", "--max-tokens", "2", "--rope", "yarn:fator=2"], 64, "fator"),
            ([model, "--prompt", "a", "--max-tokens", "2", "--rope", "none", "--rope", "linear:factor=2"], 64, "one spec"),
            ([model, "--prompt", "", "--max-tokens", "2"], 64, "empty after tokenisation"),
            ([model, "--prompt-file", empty.path, "--max-tokens", "2"], 65, "empty after tokenisation"),
            ([model, "--prompt-file", binary.path, "--max-tokens", "2"], 65, "not valid UTF-8"),
            ([model, "--prompt-file", directory.appendingPathComponent("missing.txt").path, "--max-tokens", "2"], 66, "missing.txt"),
            ([directory.appendingPathComponent("missing.gguf").path, "--prompt", "a", "--max-tokens", "2"], 66, "missing.gguf"),
            ([prompt.path, "--prompt", "a", "--max-tokens", "2"], 65, "not a valid GGUF"),
            ([llada, "--prompt", "a", "--max-tokens", "2"], 64, "bidirectional"),
        ]
        for (arguments, status, fragment) in cases {
            let result = try CLI.run(["generate"] + arguments)
            XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)")
            XCTAssert(result.stderr.contains(fragment), "\(arguments): stderr lacks '\(fragment)': \(result.stderr)")
            XCTAssertEqual(result.stdout, "", "\(arguments)")
        }
    }
}
