/// A llama.cpp-compatible tokenizer for the two GGUF vocabulary models this target implements:
/// it produces the same token ids as llama.cpp's `llama_tokenize(text, add_special,
/// parse_special: false)`.
///
/// - `tokenizer.ggml.model = "gpt2"` (byte-level BPE) with a supported `tokenizer.ggml.pre`
///   (`PreTokenizerProfile`): (1) cut the text at user-defined tokens (type 4), (2) pre-tokenize
///   each remaining piece into words, (3) write each word's UTF-8 bytes in the byte-level
///   alphabet (`ByteLevelAlphabet`), (4) emit the word as one token when the profile ignores
///   merges and the word is a token, otherwise merge adjacent symbols by merge rank (lowest
///   first, leftmost on ties).
/// - `tokenizer.ggml.model = "llama"` (SentencePiece BPE, LLaMA 2): (1) as above, then
///   `SentencePieceModel` on each piece (space prefix, `▁`, score-ordered merges, byte fallback).
///
/// Control tokens such as `<|im_start|>` in the text are not recognised: they are tokenized as
/// plain text, like llama.cpp with `special = false`. Any other model or pre-tokenizer is refused
/// by `init` with a `TokenizerError` naming it.
///
/// Decoding maps ids back to bytes and is lossless: `decode(encode(s)) == s` for every string
/// whose bytes all have a token (see `unrepresentableBytes`). Unlike llama.cpp's
/// `llama_detokenize` for `gpt-2` it never applies `clean_up_tokenization_spaces`.
///
/// The value is immutable and `Sendable`; `encode` may run concurrently from several threads.
public struct BPETokenizer: Sendable {
    let tables: VocabularyTables
    let decodeTable: DecodeTable

    /// The tokenizer algorithm (`tokenizer.ggml.model`).
    public var model: TokenizerModel { tables.model }
    /// The byte-level BPE profile selected by `tokenizer.ggml.pre`; `nil` for SentencePiece.
    public var preTokenizerProfile: PreTokenizerProfile? {
        if case let .byteLevel(profile, _) = tables.encoding { return profile }
        return nil
    }
    /// The pre-tokenizer selected by `tokenizer.ggml.pre`; `nil` for SentencePiece, which splits
    /// nothing before merging.
    public var preTokenizer: PreTokenizer? { preTokenizerProfile?.preTokenizer }
    /// Number of tokens; valid ids are `0..<vocabularySize`.
    public var vocabularySize: Int { tables.tokens.count }
    /// BOS token id (`tokenizer.ggml.bos_token_id`), if any.
    public let bosID: Int32?
    /// EOS token id (`tokenizer.ggml.eos_token_id`), if any.
    public let eosID: Int32?
    /// Unknown token id (`tokenizer.ggml.unknown_token_id`), if any. Never emitted by `encode`.
    public let unknownID: Int32?
    /// Padding token id (`tokenizer.ggml.padding_token_id`), if any.
    public let paddingID: Int32?
    /// Mask token id of masked-diffusion models (`tokenizer.ggml.mask_token_id`), if any.
    public let maskID: Int32?
    /// Whether `encode` prepends BOS when its `addBOS` argument is `nil`: the file's
    /// `tokenizer.ggml.add_bos_token`, else llama.cpp's default (true for SentencePiece and the
    /// LLaMA 3 pre-tokenizers).
    public var addsBOSByDefault: Bool { tables.addsBOSByDefault }

    /// Bytes that have no byte-level token in this vocabulary (SmolLM2 lacks 21, e.g. 0x04, 0xF1,
    /// 0xFF). `encode` drops such bytes, exactly as llama.cpp does, so text containing them does
    /// not round-trip. Empty for a complete byte-level vocabulary and for SentencePiece (whose
    /// byte fallback must be complete).
    public var unrepresentableBytes: [UInt8] { tables.unrepresentableBytes }

    /// Validates `vocabulary` and builds the lookup tables (about 0.06 s of CPU for SmolLM2's
    /// 49k tokens and merges).
    ///
    /// Checks: the model is supported (`TokenizerModel`); for byte-level BPE, the pre-tokenizer is
    /// supported; at least one and at most `Int32.max` tokens; one token type (0...6) per token
    /// when types are given; unique token texts; byte tokens (type 6) spelled `<0xHH>`; special
    /// ids in range; a BOS id when BOS is added by default. Byte-level BPE: every merge is
    /// `"left right"` with both sides and their concatenation in the vocabulary; tokens exist for
    /// printable ASCII, `\t`, `\n`, `\r`. SentencePiece: one score per token, none NaN; a
    /// byte-fallback token for each of the 256 bytes.
    /// - Throws: `TokenizerError` naming the first problem found.
    public init(vocabulary: BPEVocabulary) throws {
        tables = try VocabularyTables(vocabulary)
        decodeTable = DecodeTable(tokens: tables.tokens, types: tables.tokenTypes, model: tables.model)
        bosID = vocabulary.bosID
        eosID = vocabulary.eosID
        unknownID = vocabulary.unknownID
        paddingID = vocabulary.paddingID
        maskID = vocabulary.maskID
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
        bytes.withUnsafeBufferPointer { buffer in
            let fragments = UserDefinedTokenSplitter.fragments(of: buffer, tokens: tables.userDefinedTokens)
            switch tables.encoding {
            case let .byteLevel(profile, merger):
                var encoder = TextEncoder(
                    preTokenizer: profile.preTokenizer, merger: merger,
                    wholeWordLookup: profile.ignoresMerges ? tables.lookup : nil)
                for fragment in fragments {
                    switch fragment {
                    case let .token(id): output.append(id)
                    case let .text(range): encoder.encode(UnsafeBufferPointer(rebasing: buffer[range]), to: &output)
                    }
                }
            case let .sentencePiece(model):
                var session = SentencePieceSession(model: model, lookup: tables.lookup)
                var followsToken = true  // the first fragment counts as following a token
                for fragment in fragments {
                    switch fragment {
                    case let .token(id):
                        output.append(id)
                        followsToken = true
                    case let .text(range):
                        session.encode(UnsafeBufferPointer(rebasing: buffer[range]),
                                       prefixSpace: model.addSpacePrefix && followsToken, to: &output)
                        followsToken = false
                    }
                }
            }
        }
        return output
    }

    /// The vocabulary text of token `id` (byte-level alphabet, e.g. `"Ġthe"`, or SentencePiece
    /// text, e.g. `"▁the"`), or `nil` when `id` is out of range.
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
        tables.lookup.id(of: Array(text.utf8))
    }
}
