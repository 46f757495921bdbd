/// Errors from the `Tokenizers` target. Every case names what is wrong, where (token index, merge
/// rank, token id) and what was allowed, so a CLI can print `description` as is.
public enum TokenizerError: Error, Equatable, CustomStringConvertible, Sendable {
    /// `tokenizer.ggml.tokens` is empty.
    case emptyVocabulary
    /// The vocabulary has more entries than an `Int32` token id can address.
    case vocabularyTooLarge(count: Int)
    /// `tokenizer.ggml.token_type` does not have one entry per token.
    case tokenTypeCountMismatch(tokens: Int, tokenTypes: Int)
    /// A `tokenizer.ggml.token_type` value is outside 0...6.
    case invalidTokenType(index: Int, token: String, value: Int32)
    /// Two vocabulary entries have the same text (llama.cpp aborts on this too).
    case duplicateToken(text: String, firstIndex: Int, duplicateIndex: Int)
    /// A token of type 6 (byte) whose text is not `<0xHH>`.
    case malformedByteToken(index: Int, text: String)
    /// A merge line is not `"left right"` (a space at UTF-8 offset >= 1 with text on both sides).
    case malformedMerge(rank: Int, line: String)
    /// One side of a merge is not a vocabulary token.
    case mergeTokenNotInVocabulary(rank: Int, line: String, side: String, token: String)
    /// The concatenation of a merge's two sides is not a vocabulary token.
    case mergeResultNotInVocabulary(rank: Int, line: String, result: String)
    /// A byte that every byte-level vocabulary must cover has no token.
    case missingByteToken(byte: UInt8, expectedText: String)
    /// A special-token id (BOS, EOS, unknown, padding) is outside `0..<vocabularySize`.
    case specialTokenIDOutOfRange(role: String, id: Int32, vocabularySize: Int)
    /// `addBOS` is true but the vocabulary has no BOS id.
    case missingBOSToken
    /// `tokenizer.ggml.pre` names a pre-tokenizer this target does not implement.
    case unsupportedPreTokenizer(name: String, supported: [String])
    /// `tokenizer.ggml.model` names a tokenizer this target does not implement (`TokenizerModel`).
    case unsupportedTokenizerModel(name: String, supported: [String])
    /// A SentencePiece vocabulary has no byte-fallback token (`<0xHH>`, or the byte itself) for a
    /// byte, so text containing it could not be tokenized (llama.cpp fails on such text).
    case missingByteFallbackToken(byte: UInt8)
    /// `tokenizer.ggml.scores` does not have one entry per token, or holds a NaN.
    case invalidScores(tokens: Int, scores: Int, firstNaN: Int?)
    /// A token id passed to the decoder is outside `0..<vocabularySize`.
    case tokenIDOutOfRange(id: Int32, position: Int, vocabularySize: Int)
    /// A `tokenizer.ggml.*` metadata entry is missing or has the wrong type.
    case invalidMetadata(key: String, reason: String)

    /// One line: what is wrong, where, and what was allowed.
    public var description: String {
        switch self {
        case let .invalidMetadata(key, reason):
            return "tokenizer metadata '\(key)': \(reason)"
        case .emptyVocabulary:
            return "tokenizer.ggml.tokens is empty: a vocabulary needs at least one token"
        case let .vocabularyTooLarge(count):
            return "vocabulary has \(count) tokens: allowed at most \(Int32.max) (ids are Int32)"
        case let .tokenTypeCountMismatch(tokens, tokenTypes):
            return "tokenizer.ggml.token_type has \(tokenTypes) entries: expected one per token (\(tokens))"
        case let .invalidTokenType(index, token, value):
            return "token \(index) '\(Self.escaped(token))' has token_type \(value): allowed 0...6 "
                + "(0 undefined, 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte)"
        case let .duplicateToken(text, firstIndex, duplicateIndex):
            return "token \(duplicateIndex) '\(Self.escaped(text))' duplicates token \(firstIndex): "
                + "token texts must be unique"
        case let .malformedByteToken(index, text):
            return "token \(index) '\(Self.escaped(text))' has token_type 6 (byte): expected text <0xHH>"
        case let .malformedMerge(rank, line):
            return "merge \(rank) '\(Self.escaped(line))' is malformed: expected 'left right' "
                + "(two non-empty tokens separated by one space)"
        case let .mergeTokenNotInVocabulary(rank, line, side, token):
            return "merge \(rank) '\(Self.escaped(line))': \(side) side '\(Self.escaped(token))' "
                + "is not a vocabulary token"
        case let .mergeResultNotInVocabulary(rank, line, result):
            return "merge \(rank) '\(Self.escaped(line))': merged token '\(Self.escaped(result))' "
                + "is not a vocabulary token"
        case let .missingByteToken(byte, expectedText):
            return "no token for byte 0x\(Self.hex(byte)): a byte-level BPE vocabulary needs the token "
                + "'\(expectedText)' (printable ASCII, \\t, \\n and \\r are required)"
        case let .specialTokenIDOutOfRange(role, id, vocabularySize):
            return "\(role) token id \(id) is out of range: allowed 0..<\(vocabularySize)"
        case .missingBOSToken:
            return "add_bos_token is true but the vocabulary has no BOS token id"
        case let .unsupportedPreTokenizer(name, supported):
            return "unsupported pre-tokenizer '\(Self.escaped(name))' (tokenizer.ggml.pre): supported "
                + supported.joined(separator: ", ") + " and the llama.cpp names that share their split (README, Tokenizers)"
        case let .unsupportedTokenizerModel(name, supported):
            let kind = TokenizerModel.unsupportedKinds[name].map { ", llama.cpp \($0)" } ?? ""
            return "unsupported tokenizer model '\(Self.escaped(name))' (tokenizer.ggml.model\(kind)): supported "
                + supported.joined(separator: ", ")
        case let .missingByteFallbackToken(byte):
            return "SentencePiece vocabulary has no byte-fallback token for byte 0x\(Self.hex(byte)): "
                + "expected a token '<0x\(Self.hex(byte))>' (or the byte itself) for each of the 256 bytes"
        case let .invalidScores(tokens, scores, firstNaN):
            if let firstNaN { return "tokenizer.ggml.scores entry \(firstNaN) is NaN: scores must be numbers" }
            return "tokenizer.ggml.scores has \(scores) entries: expected one per token (\(tokens))"
        case let .tokenIDOutOfRange(id, position, vocabularySize):
            return "token id \(id) at position \(position) is out of range: allowed 0..<\(vocabularySize)"
        }
    }

    /// Control characters and line breaks shown as escapes so one error stays on one line.
    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    result += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    /// Two upper-case hex digits.
    static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return byte < 16 ? "0" + digits : digits
    }
}
