/// The tokenizer metadata of a GGUF file, as plain data and not yet validated.
///
/// Field names follow the GGUF keys (`tokenizer.ggml.*`). `BPETokenizer.init(vocabulary:)` checks
/// every field and throws `TokenizerError` naming the offending index; nothing here traps. The name
/// is historical: the same metadata describes SentencePiece (`"llama"`) vocabularies.
public struct BPEVocabulary: Sendable, Equatable {
    /// `tokenizer.ggml.model`: `"gpt2"` (byte-level BPE) or `"llama"` (SentencePiece BPE); any
    /// other model is refused (`TokenizerModel`).
    public var model: String
    /// `tokenizer.ggml.pre`, the pre-tokenizer name (e.g. `"smollm"`, `"llama-bpe"`); `"default"`
    /// when the file has none. Ignored by SentencePiece, which has no pre-tokenizer.
    public var preTokenizer: String
    /// `tokenizer.ggml.tokens`: token text by id. Byte-level BPE writes bytes in the GPT-2
    /// alphabet (`Ġ` for a space, `Ċ` for `\n`); SentencePiece writes `▁` (U+2581) for a space and
    /// `<0xHH>` for byte-fallback tokens. Length = vocabulary size.
    public var tokens: [String]
    /// `tokenizer.ggml.merges`: `"left right"` lines; the merge rank is the line index (lower
    /// merges first). Required for byte-level BPE, unused by SentencePiece.
    public var merges: [String]
    /// `tokenizer.ggml.scores`, one per token: SentencePiece merges the adjacent pair whose
    /// merged token has the highest score. `nil` when the file has none (llama.cpp reads 0).
    public var scores: [Float]?
    /// `tokenizer.ggml.token_type` (values of `TokenType`), one per token; `nil` when the file has
    /// none, which llama.cpp reads as "all normal".
    public var tokenTypes: [Int32]?
    /// `tokenizer.ggml.bos_token_id`, if present.
    public var bosID: Int32?
    /// `tokenizer.ggml.eos_token_id`, if present.
    public var eosID: Int32?
    /// `tokenizer.ggml.unknown_token_id`, if present.
    public var unknownID: Int32?
    /// `tokenizer.ggml.padding_token_id`, if present.
    public var paddingID: Int32?
    /// `tokenizer.ggml.mask_token_id` (LLaDA's [MASK] for masked diffusion), if present.
    public var maskID: Int32?
    /// `tokenizer.ggml.add_bos_token`: whether `encode` prepends BOS by default; `nil` when absent,
    /// which means llama.cpp's default for the model (true for SentencePiece and LLaMA 3).
    public var addBOS: Bool?
    /// `tokenizer.ggml.add_space_prefix`: whether SentencePiece prefixes text with a space; `nil`
    /// when absent (true for SentencePiece). Byte-level BPE never adds one.
    public var addSpacePrefix: Bool?
    /// `general.name`, which llama.cpp uses to give some special tokens strip rules (Phi-3).
    public var modelName: String?
    /// `general.architecture`, which llama.cpp uses the same way (nomic-bert-moe).
    public var architecture: String?

    /// Collects the metadata; nothing is checked until a `BPETokenizer` is built from it.
    public init(
        model: String = "gpt2",
        preTokenizer: String,
        tokens: [String],
        merges: [String],
        scores: [Float]? = nil,
        tokenTypes: [Int32]? = nil,
        bosID: Int32? = nil,
        eosID: Int32? = nil,
        unknownID: Int32? = nil,
        paddingID: Int32? = nil,
        maskID: Int32? = nil,
        addBOS: Bool? = nil,
        addSpacePrefix: Bool? = nil,
        modelName: String? = nil,
        architecture: String? = nil
    ) {
        self.model = model
        self.preTokenizer = preTokenizer
        self.tokens = tokens
        self.merges = merges
        self.scores = scores
        self.tokenTypes = tokenTypes
        self.bosID = bosID
        self.eosID = eosID
        self.unknownID = unknownID
        self.paddingID = paddingID
        self.maskID = maskID
        self.addBOS = addBOS
        self.addSpacePrefix = addSpacePrefix
        self.modelName = modelName
        self.architecture = architecture
    }
}
