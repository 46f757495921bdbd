import Tokenizers

/// Handmade byte-level vocabularies for offline unit tests.
///
/// Ids 0..<256 are the byte-level tokens in byte order (id b is the alphabet character of byte
/// b), followed by `extraTokens`, then one token per merge result that is not yet present, in
/// merge order. Merges are written in the byte-level alphabet (`"Ġ t"`).
enum TinyVocabulary {
    static let byteCount = 256

    static func make(
        merges: [String],
        extraTokens: [(text: String, type: TokenType)] = [],
        omittingBytes: Set<UInt8> = [],
        preTokenizer: String = "gpt-2",
        bosID: Int32? = nil,
        addBOS: Bool = false
    ) -> BPEVocabulary {
        var tokens = (0..<256).map { ByteLevelAlphabet.text(for: UInt8($0)) }
        var types = [Int32](repeating: TokenType.normal.rawValue, count: 256)
        for byte in omittingBytes {
            // Keep ids stable: replace the missing byte token by an unused placeholder.
            tokens[Int(byte)] = "<unused-byte-\(byte)>"
            types[Int(byte)] = TokenType.unused.rawValue
        }
        for extra in extraTokens {
            tokens.append(extra.text)
            types.append(extra.type.rawValue)
        }
        var known = Set(tokens)
        for line in merges {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let result = parts[0] + parts[1]
            if known.insert(result).inserted {
                tokens.append(result)
                types.append(TokenType.normal.rawValue)
            }
        }
        return BPEVocabulary(
            preTokenizer: preTokenizer, tokens: tokens, merges: merges, tokenTypes: types,
            bosID: bosID, addBOS: addBOS)
    }

    /// Alphabet text of a plain string's UTF-8 bytes (`"a b"` → `"aĠb"`).
    static func alphabet(_ text: String) -> String {
        text.utf8.map { ByteLevelAlphabet.text(for: $0) }.joined()
    }
}
