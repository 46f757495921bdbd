import Foundation
import GGUF
import RoPEScopeTestSupport
import XCTest

/// `inspect` on the gguf-py files of each architecture (Tests/Fixtures/archs), and files whose
/// tensors or keys do not fit their architecture: exit 65 naming the tensor or key, nothing written.
final class CLIArchitectureTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/archs")

    /// llama.cpp's conventions (llama_model_rope_type, load_hparams) and the fixture's metadata:
    /// (attention, pairing, ggml rope type, estimator, mask token, shifted logits).
    private static let expected: [String: (String, String, String, String, Int?, Bool)] = [
        "llama": ("causal", "adjacent", "NORM", "chain-rule", nil, false),
        "qwen2": ("causal", "split-halves", "NEOX", "chain-rule", nil, false),
        "llada": ("bidirectional", "adjacent", "NORM", "masked-diffusion", 31, false),
        "dream": ("bidirectional", "split-halves", "NEOX", "masked-diffusion", 31, true),
    ]

    func testInspectSaysWhatTheCoreDoesWithEachArchitecture() throws {
        let length = 128
        for (name, (attention, pairing, ropeType, estimator, mask, shift)) in Self.expected {
            let path = Self.fixtures.appendingPathComponent("tiny_\(name).gguf").path
            let result = try CLI.run(["inspect", path, "--json", "--context-length", "\(length)"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let json = try result.json()
            let core = try XCTUnwrap(json["core"] as? [String: Any], name)
            XCTAssertEqual(core["loadable"] as? Bool, true, name)
            XCTAssertEqual(core["architecture"] as? String, name)
            XCTAssertEqual(core["attention"] as? String, attention, name)
            XCTAssertEqual(core["rope_pairing"] as? String, pairing, name)
            XCTAssertEqual(core["ggml_rope_type"] as? String, ropeType, name)
            XCTAssertEqual(core["estimator"] as? String, estimator, name)
            XCTAssertEqual(core["mask_token_id"] as? Int, mask, name)
            XCTAssertEqual(core["shift_logits"] as? Bool, shift, name)
            XCTAssertEqual(core["query_key_value_bias"] as? Bool, name == "qwen2" || name == "dream", name)
            // llama's rope_freqs.weight divisors (1, 1.5, 4, 8) become per-pair factors.
            let scaling = try XCTUnwrap(core["rope_scaling"] as? String)
            XCTAssert(name == "llama" ? scaling.hasPrefix("longrope:short-factor=1;1.5;4;8,") : scaling == "none", "\(name): \(scaling)")
            // Independent of the estimate's formula: the file's own f32 tensors (rope_freqs aside)
            // are exactly the float32 weights; the KV cache is 2·layers·L·kv_heads·d_head floats.
            let tensors = try XCTUnwrap(json["tensors"] as? [[String: Any]])
            let weightBytes = tensors.filter { $0["name"] as? String != "rope_freqs.weight" }.compactMap { $0["bytes"] as? Int }.reduce(0, +)
            let memory = try XCTUnwrap(core["memory"] as? [String: Any])
            XCTAssertEqual(memory["context_length"] as? Int, length)
            XCTAssertEqual(memory["weight_bytes"] as? Int, weightBytes, name)
            XCTAssertEqual(memory["key_value_cache_bytes"] as? Int, 2 * 2 * length * 1 * 8 * 4, name)
            let activations = try XCTUnwrap(memory["activation_bytes"] as? Int)
            XCTAssertGreaterThanOrEqual(activations, 4 * length * (16 + 16 + 16 + 2 * 8), "at least the window buffers")
            XCTAssertEqual(memory["scoring_bytes"] as? Int, weightBytes + activations, name)
            // F32 files: --weights quantized maps the same bytes the float32 path allocates.
            XCTAssertEqual(memory["quantized_weight_bytes"] as? Int, weightBytes, name)
            XCTAssertEqual(memory["quantized_scoring_bytes"] as? Int, weightBytes + activations, name)
            let text = try CLI.run(["inspect", path, "--context-length", "\(length)"])
            XCTAssert(text.stdout.contains("\(attention) attention, RoPE pairs \(pairing) (ggml \(ropeType))"), text.stdout)
            XCTAssert(text.stdout.contains("estimator default \(estimator)"), text.stdout)
            XCTAssert(text.stdout.contains("memory at L = \(length)"), text.stdout)
        }
    }

    func testInspectRejectsABadContextLength() throws {
        let path = Self.fixtures.appendingPathComponent("tiny_llama.gguf").path
        let result = try CLI.run(["inspect", path, "--context-length", "0"])
        XCTAssertEqual(result.status, 64)
        XCTAssert(result.stderr.contains("--context-length"), result.stderr)
    }

    /// TinyModel's llama file renamed to `architecture` (keys `llama.*` → `{arch}.*`), with
    /// metadata `overrides` and the given extra tensors (name, ne, values).
    private func variant(_ architecture: String, overrides: [String: GGUFValue] = [:],
                         extra: [(String, [Int], [Float])] = []) throws -> String {
        let base = try GGUFFile(bytes: TinyModel.gguf())
        var writer = try GGUFWriter()
        for entry in base.metadata.entries {
            var key = entry.key
            if key.hasPrefix("llama.") { key = architecture + key.dropFirst("llama".count) }
            let value = key == "general.architecture" ? .string(architecture) : entry.value
            try writer.addMetadata(key, value)
        }
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) { try writer.addMetadata(key, value) }
        for tensor in base.tensors {
            try writer.addTensor(name: tensor.name, dimensions: tensor.dimensions, values: try base.dequantize(tensor))
        }
        for (name, dimensions, values) in extra { try writer.addTensor(name: name, dimensions: dimensions, values: values) }
        let url = directory.appendingPathComponent("\(architecture)-\(extra.count)-\(overrides.count).gguf")
        try writer.write(to: url)
        return url.path
    }

    private func biases(query: Int = 16, key: Int = 8, value: Int = 8) -> [(String, [Int], [Float])] {
        [("blk.0.attn_q.bias", [query], Array(repeating: 0.1, count: query)),
         ("blk.0.attn_k.bias", [key], Array(repeating: -0.1, count: key)),
         ("blk.0.attn_v.bias", [value], Array(repeating: 0.2, count: value))]
    }

    private func score(_ model: String, output: String) throws -> CLIResult {
        try CLI.run(["score", model, "--text", String(repeating: "hello world ", count: 4), "--context-length", "8",
                     "--output", output])
    }

    private func assertRefused(_ model: String, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let output = directory.appendingPathComponent("out.h5").path
        let result = try score(model, output: output)
        XCTAssertEqual(result.status, 65, result.stderr, file: file, line: line)
        for fragment in fragments {
            XCTAssert(result.stderr.contains(fragment), "stderr lacks '\(fragment)': \(result.stderr)", file: file, line: line)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output), "output left behind", file: file, line: line)
    }

    func testQwen2WithBiasesScoresAndWithoutIsRefused() throws {
        let good = try variant("qwen2", extra: biases())
        let output = directory.appendingPathComponent("good.h5").path
        let result = try score(good, output: output)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output))

        try assertRefused(try variant("qwen2"), ["blk.0.attn_q.bias"])
        try assertRefused(try variant("dream", extra: Array(biases().prefix(2))), ["blk.0.attn_v.bias"])
        try assertRefused(try variant("qwen2", extra: biases(key: 7)), ["blk.0.attn_k.bias", "[7]", "[8]"])
        let inspect = try CLI.run(["inspect", try variant("qwen2"), "--json"]).json()
        let core = try XCTUnwrap(inspect["core"] as? [String: Any])
        XCTAssertEqual(core["loadable"] as? Bool, false)
        XCTAssert((core["refusal"] as? String)?.contains("blk.0.attn_q.bias") == true, "\(core)")
    }

    func testKeysAndTensorsThatContradictTheArchitectureAreRefused() throws {
        try assertRefused(try variant("llama", extra: biases()), ["blk.0.attn_q.bias"])
        try assertRefused(try variant("llada", overrides: ["llada.attention.causal": .bool(true)]),
                          ["llada.attention.causal", "bidirectional"])
        try assertRefused(try variant("dream", overrides: ["dream.attention.causal": .bool(true)], extra: biases()),
                          ["dream.attention.causal"])
        try assertRefused(try variant("gemma2"), ["gemma2", "llama, qwen2, llada, dream"])
    }
}
