/// The lookup tables a `BPETokenizer` needs, built from a `BPEVocabulary` after checking every
/// field. Each check throws a `TokenizerError` naming the token index or merge rank at fault.
struct VocabularyTables: Sendable {
    /// Token texts by id (an empty text is replaced by `[EMPTY_<id>]`, as llama.cpp does).
    let tokens: [String]
    let tokenTypes: [TokenType]
    /// Token id by UTF-8 bytes of its text (bytes, not `String`, so canonically equivalent texts
    /// stay distinct).
    let idForBytes: [[UInt8]: Int32]
    let merger: BPEMerger
    /// User-defined tokens, matched verbatim in input text: longest first, then lowest id.
    let userDefinedTokens: [(bytes: [UInt8], id: Int32)]
    /// Bytes without a byte-level token; encoding drops them, as llama.cpp does.
    let unrepresentableBytes: [UInt8]

    /// Bytes every byte-level vocabulary must have a token for: printable ASCII, `\t`, `\n`, `\r`.
    static let requiredBytes: [UInt8] = [0x09, 0x0A, 0x0D] + Array(0x20...0x7E)

    init(_ vocabulary: BPEVocabulary) throws {
        guard vocabulary.model == "gpt2" else {
            throw TokenizerError.unsupportedTokenizerModel(name: vocabulary.model, supported: ["gpt2"])
        }
        let count = vocabulary.tokens.count
        guard count > 0 else { throw TokenizerError.emptyVocabulary }
        guard count <= Int(Int32.max) else { throw TokenizerError.vocabularyTooLarge(count: count) }

        let tokens = vocabulary.tokens.enumerated().map { index, text in
            text.isEmpty ? "[EMPTY_\(index)]" : text
        }
        let tokenTypes = try Self.checkedTypes(vocabulary.tokenTypes, tokens: tokens)
        self.tokens = tokens
        self.tokenTypes = tokenTypes

        var idForBytes: [[UInt8]: Int32] = [:]
        idForBytes.reserveCapacity(count)
        for (index, text) in tokens.enumerated() {
            if let first = idForBytes.updateValue(Int32(index), forKey: Array(text.utf8)) {
                throw TokenizerError.duplicateToken(text: text, firstIndex: Int(first), duplicateIndex: index)
            }
            if tokenTypes[index] == .byte, ByteTokenText.byte(of: text) == nil {
                throw TokenizerError.malformedByteToken(index: index, text: text)
            }
        }
        self.idForBytes = idForBytes

        for role in [("BOS", vocabulary.bosID), ("EOS", vocabulary.eosID),
                     ("unknown", vocabulary.unknownID), ("padding", vocabulary.paddingID),
                     ("mask", vocabulary.maskID)] {
            if let id = role.1, id < 0 || Int(id) >= count {
                throw TokenizerError.specialTokenIDOutOfRange(role: role.0, id: id, vocabularySize: count)
            }
        }
        if vocabulary.addBOS && vocabulary.bosID == nil { throw TokenizerError.missingBOSToken }

        var byteTokenIDs = [Int32](repeating: BPEMerger.missingByte, count: 256)
        for byte in 0..<256 {
            if let id = idForBytes[Array(ByteLevelAlphabet.text(for: UInt8(byte)).utf8)] {
                byteTokenIDs[byte] = id
            }
        }
        for byte in Self.requiredBytes where byteTokenIDs[Int(byte)] == BPEMerger.missingByte {
            throw TokenizerError.missingByteToken(byte: byte, expectedText: ByteLevelAlphabet.text(for: byte))
        }
        unrepresentableBytes = (0...255).filter { byteTokenIDs[Int($0)] == BPEMerger.missingByte }

        let merges = try Self.mergeTable(vocabulary.merges, idForBytes: idForBytes)
        merger = BPEMerger(byteTokenIDs: byteTokenIDs, merges: merges)

        userDefinedTokens = tokens.indices
            .filter { tokenTypes[$0] == .userDefined }
            .map { (bytes: Array(tokens[$0].utf8), id: Int32($0)) }
            .sorted { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }
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

    /// Parses `"left right"` lines like llama.cpp (split at the first space at byte offset >= 1)
    /// and keys each rank by the pair of token ids.
    private static func mergeTable(_ lines: [String], idForBytes: [[UInt8]: Int32]) throws -> MergeTable {
        var table = MergeTable(capacity: lines.count)
        for (rank, line) in lines.enumerated() {
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let space = bytes[1...].firstIndex(of: 0x20), space + 1 < bytes.count
            else { throw TokenizerError.malformedMerge(rank: rank, line: line) }
            let left = Array(bytes[..<space])
            let right = Array(bytes[(space + 1)...])
            guard let leftID = idForBytes[left] else {
                throw TokenizerError.mergeTokenNotInVocabulary(
                    rank: rank, line: line, side: "left", token: String(decoding: left, as: UTF8.self))
            }
            guard let rightID = idForBytes[right] else {
                throw TokenizerError.mergeTokenNotInVocabulary(
                    rank: rank, line: line, side: "right", token: String(decoding: right, as: UTF8.self))
            }
            guard let resultID = idForBytes[left + right] else {
                throw TokenizerError.mergeResultNotInVocabulary(
                    rank: rank, line: line, result: String(decoding: left + right, as: UTF8.self))
            }
            table.insertIfAbsent(
                left: leftID, right: rightID, merge: MergeTable.Merge(rank: Int32(rank), result: resultID))
        }
        return table
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

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: return digit - 0x30
        case 0x41...0x46: return digit - 0x41 + 10
        case 0x61...0x66: return digit - 0x61 + 10
        default: return nil
        }
    }
}
