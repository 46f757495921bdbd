import Foundation
import GGUF
import Inference
import RoPE
import XCTest

/// The model with `WeightStorage.quantized` (matrices kept in their GGUF encoding, widened per
/// tile) against the float32 path (everything dequantised at load) on the same file. The
/// quantized forward runs with the `portable` kernels, which keep many-row products on the
/// widened panels (the integer GEMM that otherwise serves K-quant prompts: QuantizedGemmTests).
///
/// Both paths multiply the same float32 weight values; only the summation order inside sgemm
/// differs (per-panel calls, single- instead of multi-threaded). The rounding error of a logit is
/// bounded by n·u·Σ|terms|, which scales with the size of the logits, not with the logit itself
/// (small logits are sums with cancellation): the tolerance is 1e-4·(1 + max|logit|), symmetric,
/// and 1e-4 nats for the NLL, far below the effect of any wrong weight (a single wrong block moves
/// logits by O(0.1) relative).
final class QuantizedModelTests: XCTestCase {
    static let d = 256, heads = 4, kvHeads = 2, headDim = 64, ff = 512, vocabulary = 300, layers = 2

    /// A random two-block llama whose matrices cycle through `types` (default: every dequantisable type).
    static func file(tied: Bool, types: [GGMLType] = GGMLDequantizer.supportedTypes) throws -> GGUFFile {
        var writer = try GGUFWriter()
        try writer.addMetadata("general.architecture", .string("llama"))
        for (key, value) in [("embedding_length", d), ("block_count", layers), ("feed_forward_length", ff),
                             ("attention.head_count", heads), ("attention.head_count_kv", kvHeads),
                             ("context_length", 128), ("rope.dimension_count", headDim)] {
            try writer.addMetadata("llama.\(key)", .uint32(UInt32(value)))
        }
        try writer.addMetadata("llama.attention.layer_norm_rms_epsilon", .float32(1e-5))
        var seed: UInt64 = 2024
        var next = 0
        func add(_ name: String, _ rows: Int, _ columns: Int) throws {
            let type = types[next % types.count]
            next += 1
            try QuantizedBlocks.add(&writer, name, type, rows: rows, columns: columns, seed: &seed)
        }
        func norm(_ name: String) throws {
            try QuantizedBlocks.add(&writer, name, .f32, rows: 1, columns: d, seed: &seed, norm: true)
        }
        try add("token_embd.weight", vocabulary, d)
        for layer in 0..<layers {
            try norm("blk.\(layer).attn_norm.weight")
            try add("blk.\(layer).attn_q.weight", heads * headDim, d)
            try add("blk.\(layer).attn_k.weight", kvHeads * headDim, d)
            try add("blk.\(layer).attn_v.weight", kvHeads * headDim, d)
            try add("blk.\(layer).attn_output.weight", d, heads * headDim)
            try norm("blk.\(layer).ffn_norm.weight")
            try add("blk.\(layer).ffn_gate.weight", ff, d)
            try add("blk.\(layer).ffn_up.weight", ff, d)
            try add("blk.\(layer).ffn_down.weight", d, ff)
        }
        try norm("output_norm.weight")
        if !tied { try add("output.weight", vocabulary, d) }
        return try GGUFFile(bytes: writer.serialized())
    }

    static func compare(_ file: GGUFFile, length: Int, line: UInt = #line) throws {
        let float = try LlamaGGUFLoader.model(file, storage: .float32)
        let quantized = try LlamaGGUFLoader.model(file, storage: .quantized)
        XCTAssertTrue(quantized.weights.layers.allSatisfy { $0.query.isEmpty }, "quantized path holds no float matrices", line: line)
        XCTAssertLessThan(quantized.weights.residentBytes, float.weights.residentBytes, line: line)
        try quantized.weights.checkFinite()
        let c = float.configuration
        let tokens = (0..<length).map { Int32(($0 * 37 + 11) % c.vocabularySize) }
        let targets = (0..<(length - 1)).map { TokenTarget(row: $0, token: tokens[$0 + 1]) }
        let frequencies = try float.frequencies(.none)
        let a = try float.forward(tokens: tokens, frequencies: frequencies, targets: targets)
        // `portable` keeps K-quant products of many rows on the widened panels (the integer GEMM
        // quantises activations to 8 bits: QuantizedGemmTests).
        let b = try QuantizedKernels.withVariant(.portable) {
            try quantized.forward(tokens: tokens, frequencies: frequencies, targets: targets)
        }
        XCTAssertEqual(a.logits.count, b.logits.count, line: line)
        let spread = a.logits.reduce(Float(0)) { max($0, abs($1)) }
        let tolerance = 1e-4 * (1 + spread)
        for (x, y) in zip(a.logits, b.logits) where abs(x - y) > tolerance {
            XCTFail("logit \(x) vs \(y): tolerance \(tolerance) (largest |logit| \(spread))", line: line)
            return
        }
        XCTAssertGreaterThan(spread, 0.1, "logits are not degenerate", line: line)
        for (x, y) in zip(a.negativeLogLikelihood, b.negativeLogLikelihood) {
            XCTAssertEqual(x, y, accuracy: 1e-4, line: line)
        }
    }

    func testQuantizedEqualsFloat32UntiedAndTied() throws {
        try Self.compare(try Self.file(tied: false), length: 40)
        try Self.compare(try Self.file(tied: true), length: 17)
    }

    /// The quantized path keeps every matrix at its encoded size: resident bytes are the file's
    /// tensor bytes (its norms are float32 already), and the estimate `inspect` prints from the
    /// tensor table alone equals what a load keeps, untied and tied.
    func testQuantizedResidentBytesAreTheEncodedSizes() throws {
        for tied in [false, true] {
            let file = try Self.file(tied: tied)
            let model = try LlamaGGUFLoader.model(file, storage: .quantized)
            let encoded = file.tensors.reduce(0) { $0 + $1.byteSize }
            XCTAssertEqual(model.weights.residentBytes, encoded, "tied \(tied)")
            XCTAssertEqual(try LlamaGGUFLoader.quantizedResidentBytes(file, configuration: model.configuration), encoded, "tied \(tied)")
        }
    }

    func testSmolLM2QuantizedEqualsFloat32() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = ProcessInfo.processInfo.environment["ROPESCOPE_MODEL"]
            ?? root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) is absent: run scripts/fetch-model.sh")
        }
        try Self.compare(try GGUFFile(path: path), length: 48)
    }
}
