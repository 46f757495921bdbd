/// A GPT-2-style byte-level BPE tokenizer that produces the same token ids as llama.cpp's
/// `llama_tokenize(text, add_special, parse_special: false)` for `tokenizer.ggml.model = "gpt2"`
/// vocabularies with a supported `tokenizer.ggml.pre` (see `PreTokenizer`).
///
/// Encoding: (1) cut the text at user-defined tokens (type 4), (2) pre-tokenize each remaining
/// piece into words, (3) write each word's UTF-8 bytes in the byte-level alphabet
/// (`ByteLevelAlphabet`), (4) merge adjacent symbols by merge rank (lowest first, leftmost on
/// ties). Control tokens such as `<|im_start|>` in the text are not recognised: they are
/// tokenized as plain text, like llama.cpp with `special = false`.
///
/// Decoding maps ids back to bytes (inverse byte-level mapping) and is lossless:
/// `decode(encode(s)) == s` for every string whose bytes all have a byte-level token (see
/// `unrepresentableBytes`). Unlike llama.cpp's `llama_detokenize` for `gpt-2` it never applies
/// `clean_up_tokenization_spaces`.
///
/// The value is immutable and `Sendable`; `encode` may run concurrently from several threads.
public struct BPETokenizer: Sendable {
    let tables: VocabularyTables
    let decodeTable: DecodeTable

    /// The pre-tokenizer selected by `tokenizer.ggml.pre`.
    public let preTokenizer: PreTokenizer
    /// Number of tokens; valid ids are `0..<vocabularySize`.
    public var vocabularySize: Int { tables.tokens.count }
    /// BOS token id (`tokenizer.ggml.bos_token_id`), if any.
    public let bosID: Int32?
    /// EOS token id (`tokenizer.ggml.eos_token_id`), if any.
    public let eosID: Int32?
    /// Unknown token id (`tokenizer.ggml.unknown_token_id`), if any. Byte-level BPE never emits it.
    public let unknownID: Int32?
    /// Padding token id (`tokenizer.ggml.padding_token_id`), if any.
    public let paddingID: Int32?
    /// Mask token id of masked-diffusion models (`tokenizer.ggml.mask_token_id`), if any.
    public let maskID: Int32?
    /// Whether `encode` prepends BOS when its `addBOS` argument is `nil`.
    public let addsBOSByDefault: Bool

    /// Bytes that have no byte-level token in this vocabulary (SmolLM2 lacks 21, e.g. 0x04, 0xF1,
    /// 0xFF). `encode` drops such bytes, exactly as llama.cpp does, so text containing them does
    /// not round-trip. Empty for a complete byte-level vocabulary.
    public var unrepresentableBytes: [UInt8] { tables.unrepresentableBytes }

    /// Validates `vocabulary` and builds the lookup tables (about 0.06 s of CPU for SmolLM2's
    /// 49k tokens and merges).
    ///
    /// Checks: model is `"gpt2"`; pre-tokenizer is supported; at least one and at most `Int32.max`
    /// tokens; one token type (0...6) per token when types are given; unique token texts; byte
    /// tokens (type 6) spelled `<0xHH>`; every merge is `"left right"` with both sides and their
    /// concatenation in the vocabulary; tokens exist for printable ASCII, `\t`, `\n`, `\r`;
    /// special ids in range; a BOS id when `addBOS` is set.
    /// - Throws: `TokenizerError` naming the first problem found.
    public init(vocabulary: BPEVocabulary) throws {
        preTokenizer = try PreTokenizer(ggufName: vocabulary.preTokenizer)
        tables = try VocabularyTables(vocabulary)
        decodeTable = DecodeTable(tokens: tables.tokens, types: tables.tokenTypes)
        bosID = vocabulary.bosID
        eosID = vocabulary.eosID
        unknownID = vocabulary.unknownID
        paddingID = vocabulary.paddingID
        maskID = vocabulary.maskID
        addsBOSByDefault = vocabulary.addBOS
    }

    /// Token ids of `text`, as llama.cpp `llama_tokenize(..., parse_special: false)`.
    /// - Parameters:
    ///   - text: any string.
    ///   - addBOS: prepend `bosID`; `nil` uses `addsBOSByDefault`. Passing `true` for a vocabulary
    ///     without a BOS id is a programmer error (check `bosID` first).
    /// - Returns: ids in `0..<vocabularySize`, one entry per token.
    public func encode(_ text: String, addBOS: Bool? = nil) -> [Int32] {
        var output: [Int32] = []
        if addBOS ?? addsBOSByDefault {
            guard let bosID else { preconditionFailure("encode(addBOS: true) but the vocabulary has no BOS id") }
            output.append(bosID)
        }
        let bytes = Array(text.utf8)
        output.reserveCapacity(output.count + bytes.count / 3)
        var encoder = TextEncoder(preTokenizer: preTokenizer, merger: tables.merger)
        bytes.withUnsafeBufferPointer { buffer in
            if tables.userDefinedTokens.isEmpty {
                encoder.encode(buffer, to: &output)
                return
            }
            for fragment in UserDefinedTokenSplitter.fragments(of: buffer, tokens: tables.userDefinedTokens) {
                switch fragment {
                case let .token(id): output.append(id)
                case let .text(range): encoder.encode(UnsafeBufferPointer(rebasing: buffer[range]), to: &output)
                }
            }
        }
        return output
    }

    /// The vocabulary text of token `id` (byte-level alphabet, e.g. `"Ġthe"`), or `nil` when `id`
    /// is out of range.
    public func tokenText(_ id: Int32) -> String? {
        guard id >= 0, Int(id) < tables.tokens.count else { return nil }
        return tables.tokens[Int(id)]
    }

    /// The type of token `id`, or `nil` when `id` is out of range.
    public func tokenType(_ id: Int32) -> TokenType? {
        guard id >= 0, Int(id) < tables.tokenTypes.count else { return nil }
        return tables.tokenTypes[Int(id)]
    }

    /// The id of the token whose vocabulary text is exactly `text` (byte-wise), or `nil`.
    public func tokenID(forText text: String) -> Int32? {
        tables.idForBytes[Array(text.utf8)]
    }
}
