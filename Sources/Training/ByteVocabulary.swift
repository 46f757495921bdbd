import GGUF
import Tokenizers

/// The byte-level vocabulary of the tiny twins: the 256 bytes (ids 0…255, spelled with GPT-2's
/// byte-to-unicode alphabet, as `ByteLevelAlphabet`) plus three control tokens:
/// ```
/// 256 <|bos|>        beginning of sequence
/// 257 <|endoftext|>  end of document (separates packed documents)
/// 258 <|mdm_mask|>   the masked-diffusion mask token (LLaDA's name)
/// ```
/// Written as a `gpt2` BPE tokenizer with no merges and pre-tokenizer `gpt-2`, so that ropescope's
/// `BPETokenizer` and llama.cpp both turn text into exactly its UTF-8 bytes.
public enum ByteVocabulary {
    /// Byte tokens, ids 0…255.
    public static let byteCount = 256
    /// `<|bos|>`.
    public static let bos: Int32 = 256
    /// `<|endoftext|>` (end of document; GGUF EOS).
    public static let endOfDocument: Int32 = 257
    /// `<|mdm_mask|>` (GGUF `tokenizer.ggml.mask_token_id`).
    public static let mask: Int32 = 258
    /// V = 259.
    public static let size = 259

    /// Token strings in id order.
    public static var tokens: [String] {
        ByteLevelAlphabet.scalarForByte.map { String(Character($0)) } + ["<|bos|>", "<|endoftext|>", "<|mdm_mask|>"]
    }

    /// The token ids of `text`: its UTF-8 bytes.
    public static func encode(_ text: String) -> [Int32] { text.utf8.map { Int32($0) } }

    /// Adds the `tokenizer.ggml.*` metadata (model, pre, tokens, token types — normal for bytes,
    /// control for the three specials — empty merges, BOS/EOS/mask ids, add_bos_token false).
    public static func addMetadata(to writer: inout GGUFWriter) throws {
        try writer.addMetadata("tokenizer.ggml.model", .string("gpt2"))
        try writer.addMetadata("tokenizer.ggml.pre", .string(PreTokenizer.gpt2.ggufName))
        try writer.addMetadata("tokenizer.ggml.tokens", .array(elementType: .string, elements: tokens.map { .string($0) }))
        let types = [GGUFValue](repeating: .int32(1), count: byteCount) + [GGUFValue](repeating: .int32(3), count: 3)
        try writer.addMetadata("tokenizer.ggml.token_type", .array(elementType: .int32, elements: types))
        try writer.addMetadata("tokenizer.ggml.merges", .array(elementType: .string, elements: []))
        try writer.addMetadata("tokenizer.ggml.bos_token_id", .uint32(UInt32(bos)))
        try writer.addMetadata("tokenizer.ggml.eos_token_id", .uint32(UInt32(endOfDocument)))
        try writer.addMetadata("tokenizer.ggml.mask_token_id", .uint32(UInt32(mask)))
        try writer.addMetadata("tokenizer.ggml.add_bos_token", .bool(false))
    }
}
