/// The lookup tables a `BPETokenizer` needs, built from a `BPEVocabulary` after checking every
/// field. Each check throws a `TokenizerError` naming the token index or merge rank at fault.
struct VocabularyTables: Sendable {
    /// The algorithm-specific part.
    enum Encoding: Sendable {
        /// Byte-level BPE: pre-tokenizer profile and merger.
        case byteLevel(PreTokenizerProfile, BPEMerger)
        /// SentencePiece BPE.
        case sentencePiece(SentencePieceModel)
    }

    let model: TokenizerModel
    let encoding: Encoding
    /// Token texts by id (an empty text is replaced by `[EMPTY_<id>]`, as llama.cpp does).
    let tokens: [String]
    let tokenTypes: [TokenType]
    /// Token id by the UTF-8 bytes of its text (bytes, not `String`, so canonically equivalent
    /// texts stay distinct).
    let lookup: TokenLookup
    /// User-defined tokens, matched verbatim in input text: longest first, then lowest id.
    let userDefinedTokens: [SpecialTokenPattern]
    /// Bytes without a token; byte-level encoding drops them, as llama.cpp does.
    let unrepresentableBytes: [UInt8]
    /// Whether `encode` prepends BOS by default (the file's flag, else llama.cpp's default).
    let addsBOSByDefault: Bool

    init(_ vocabulary: BPEVocabulary) throws {
        model = try TokenizerModel(ggufName: vocabulary.model)
        // The pre-tokenizer is checked first for byte-level BPE, so an unsupported name is the
        // error even when the rest of the vocabulary has defects.
        let profile = model == .byteLevelBPE ? try PreTokenizerProfile(ggufName: vocabulary.preTokenizer) : nil
        let count = vocabulary.tokens.count
        guard count > 0 else { throw TokenizerError.emptyVocabulary }
        guard count <= Int(Int32.max) else { throw TokenizerError.vocabularyTooLarge(count: count) }

        let tokens = vocabulary.tokens.enumerated().map { index, text in
            text.isEmpty ? "[EMPTY_\(index)]" : text
        }
        let tokenTypes = try Self.checkedTypes(vocabulary.tokenTypes, tokens: tokens)
        self.tokens = tokens
        self.tokenTypes = tokenTypes

        let lookup = TokenLookup(texts: tokens)
        if let duplicate = lookup.firstDuplicate {
            throw TokenizerError.duplicateToken(
                text: tokens[duplicate.duplicate], firstIndex: duplicate.first, duplicateIndex: duplicate.duplicate)
        }
        for index in tokens.indices where tokenTypes[index] == .byte && ByteTokenText.byte(of: tokens[index]) == nil {
            throw TokenizerError.malformedByteToken(index: index, text: tokens[index])
        }
        self.lookup = lookup

        for role in [("BOS", vocabulary.bosID), ("EOS", vocabulary.eosID),
                     ("unknown", vocabulary.unknownID), ("padding", vocabulary.paddingID),
                     ("mask", vocabulary.maskID)] {
            if let id = role.1, id < 0 || Int(id) >= count {
                throw TokenizerError.specialTokenIDOutOfRange(role: role.0, id: id, vocabularySize: count)
            }
        }
        let addBOS = vocabulary.addBOS ?? (profile?.addsBOSByDefault ?? (model == .sentencePiece))
        if addBOS && vocabulary.bosID == nil { throw TokenizerError.missingBOSToken }
        addsBOSByDefault = addBOS

        if let profile {
            let (merger, missing) = try BPEMerger.build(merges: vocabulary.merges, lookup: lookup)
            encoding = .byteLevel(profile, merger)
            unrepresentableBytes = missing
        } else {
            encoding = .sentencePiece(try SentencePieceModel(vocabulary, tokenCount: count, lookup: lookup))
            unrepresentableBytes = []
        }
        userDefinedTokens = SpecialTokenPattern.userDefined(tokens: tokens, types: tokenTypes, vocabulary: vocabulary)
    }

    private static func checkedTypes(_ raw: [Int32]?, tokens: [String]) throws -> [TokenType] {
        guard let raw else { return Array(repeating: .normal, count: tokens.count) }
        guard raw.count == tokens.count else {
            throw TokenizerError.tokenTypeCountMismatch(tokens: tokens.count, tokenTypes: raw.count)
        }
        return try raw.enumerated().map { index, value in
            guard let type = TokenType(rawValue: value) else {
                throw TokenizerError.invalidTokenType(index: index, token: tokens[index], value: value)
            }
            return type
        }
    }
}

/// The `<0xHH>` text of byte-type tokens.
enum ByteTokenText {
    /// The byte `HH` of a `<0xHH>` text (hex digits in either case), or `nil`.
    static func byte(of text: String) -> UInt8? {
        let bytes = Array(text.utf8)
        guard bytes.count == 6, bytes[0] == 0x3C, bytes[1] == 0x30, bytes[2] == 0x78, bytes[5] == 0x3E
        else { return nil }
        guard let high = hexValue(bytes[3]), let low = hexValue(bytes[4]) else { return nil }
        return high << 4 | low
    }

    /// `<0xHH>` with upper-case hex digits, as llama.cpp `byte_to_token` spells it.
    static func text(for byte: UInt8) -> String {
        "<0x" + TokenizerError.hex(byte) + ">"
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: return digit - 0x30
        case 0x41...0x46: return digit - 0x41 + 10
        case 0x61...0x66: return digit - 0x61 + 10
        default: return nil
        }
    }
}
