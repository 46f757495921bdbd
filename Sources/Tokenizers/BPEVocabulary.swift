/// The tokenizer metadata of a GGUF file, as plain data and not yet validated.
///
/// Field names follow the GGUF keys (`tokenizer.ggml.*`). `BPETokenizer.init(vocabulary:)` checks
/// every field and throws `TokenizerError` naming the offending index; nothing here traps.
public struct BPEVocabulary: Sendable, Equatable {
    /// `tokenizer.ggml.model`; only `"gpt2"` (byte-level BPE) is supported.
    public var model: String
    /// `tokenizer.ggml.pre`, the pre-tokenizer name (e.g. `"smollm"`, `"gpt-2"`).
    public var preTokenizer: String
    /// `tokenizer.ggml.tokens`: token text by id, in the GPT-2 byte-level alphabet
    /// (`Ġ` for a space byte, `Ċ` for `\n`, ...). Length = vocabulary size.
    public var tokens: [String]
    /// `tokenizer.ggml.merges`: `"left right"` lines; the merge rank is the line index (lower
    /// merges first).
    public var merges: [String]
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
    /// `tokenizer.ggml.add_bos_token`: whether `encode` prepends BOS by default.
    public var addBOS: Bool

    /// Collects the metadata; nothing is checked until a `BPETokenizer` is built from it.
    public init(
        model: String = "gpt2",
        preTokenizer: String,
        tokens: [String],
        merges: [String],
        tokenTypes: [Int32]? = nil,
        bosID: Int32? = nil,
        eosID: Int32? = nil,
        unknownID: Int32? = nil,
        paddingID: Int32? = nil,
        maskID: Int32? = nil,
        addBOS: Bool = false
    ) {
        self.model = model
        self.preTokenizer = preTokenizer
        self.tokens = tokens
        self.merges = merges
        self.tokenTypes = tokenTypes
        self.bosID = bosID
        self.eosID = eosID
        self.unknownID = unknownID
        self.paddingID = paddingID
        self.maskID = maskID
        self.addBOS = addBOS
    }
}
