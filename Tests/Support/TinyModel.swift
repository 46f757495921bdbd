import Foundation
import GGUF
import Tokenizers

/// A deterministic random-weight llama (vocab = the 256 byte-level tokens, no merges) for tests
/// that need a whole model but no model file. Test support shared by test targets, not part of
/// the toolkit.
public enum TinyModel {
    public static let vocabularySize = 256
    public static let embedding = 16
    public static let heads = 2
    public static let keyValueHeads = 1
    public static let headDimension = 8
    public static let feedForward = 32

    public static func values(_ count: Int, seed: inout UInt64, scale: Float = 0.3) -> [Float] {
        (0..<count).map { _ in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return (Float(seed >> 40) / Float(1 << 24) - 0.5) * 2 * scale
        }
    }

    /// The model as a GGUF file (f32 tensors, llama metadata, byte-level vocabulary).
    public static func gguf(addBOS: Bool = false) throws -> [UInt8] {
        var writer = try GGUFWriter()
        try writer.addMetadata("general.architecture", .string("llama"))
        for (key, value) in [("embedding_length", embedding), ("block_count", 1), ("feed_forward_length", feedForward),
                             ("attention.head_count", heads), ("attention.head_count_kv", keyValueHeads),
                             ("context_length", 64), ("rope.dimension_count", headDimension)] {
            try writer.addMetadata("llama.\(key)", .uint32(UInt32(value)))
        }
        try writer.addMetadata("llama.rope.freq_base", .float32(10000))
        try writer.addMetadata("llama.attention.layer_norm_rms_epsilon", .float32(1e-5))
        try writer.addMetadata("tokenizer.ggml.model", .string("gpt2"))
        try writer.addMetadata("tokenizer.ggml.pre", .string("gpt-2"))
        let tokens = ByteLevelAlphabet.scalarForByte.map { GGUFValue.string(String(Character($0))) }
        try writer.addMetadata("tokenizer.ggml.tokens", .array(elementType: .string, elements: tokens))
        try writer.addMetadata("tokenizer.ggml.merges", .array(elementType: .string, elements: []))
        try writer.addMetadata("tokenizer.ggml.bos_token_id", .uint32(1))
        try writer.addMetadata("tokenizer.ggml.add_bos_token", .bool(addBOS))
        var seed: UInt64 = 42
        func add(_ name: String, _ rowMajorShape: [Int], norm: Bool = false) throws {
            let count = rowMajorShape.reduce(1, *)
            let data = norm ? values(count, seed: &seed, scale: 0.1).map { 1 + $0 } : values(count, seed: &seed)
            try writer.addTensor(name: name, dimensions: rowMajorShape.reversed(), values: data)
        }
        let q = heads * headDimension, kv = keyValueHeads * headDimension
        try add("token_embd.weight", [vocabularySize, embedding])
        try add("blk.0.attn_norm.weight", [embedding], norm: true)
        try add("blk.0.attn_q.weight", [q, embedding])
        try add("blk.0.attn_k.weight", [kv, embedding])
        try add("blk.0.attn_v.weight", [kv, embedding])
        try add("blk.0.attn_output.weight", [embedding, q])
        try add("blk.0.ffn_norm.weight", [embedding], norm: true)
        try add("blk.0.ffn_gate.weight", [feedForward, embedding])
        try add("blk.0.ffn_up.weight", [feedForward, embedding])
        try add("blk.0.ffn_down.weight", [embedding, feedForward])
        try add("output_norm.weight", [embedding], norm: true)
        return writer.serialized()
    }
}
