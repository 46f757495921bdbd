extension BPEMerger {
    /// Bytes every byte-level vocabulary must have a token for: printable ASCII, `\t`, `\n`, `\r`.
    static let requiredBytes: [UInt8] = [0x09, 0x0A, 0x0D] + Array(0x20...0x7E)

    /// The merger of a byte-level BPE vocabulary: the token of each byte's byte-level text and
    /// the merge table.
    /// - Returns: the merger and the bytes that have no token (dropped when encoding).
    /// - Throws: `TokenizerError.missingByteToken` for a required byte without a token; the merge
    ///   errors of `mergeTable`.
    static func build(merges: [String], lookup: TokenLookup) throws -> (BPEMerger, missingBytes: [UInt8]) {
        var byteTokenIDs = [Int32](repeating: missingByte, count: 256)
        for byte in 0..<256 {
            if let id = lookup.id(of: Array(ByteLevelAlphabet.text(for: UInt8(byte)).utf8)) {
                byteTokenIDs[byte] = id
            }
        }
        for byte in requiredBytes where byteTokenIDs[Int(byte)] == missingByte {
            throw TokenizerError.missingByteToken(byte: byte, expectedText: ByteLevelAlphabet.text(for: byte))
        }
        let missing = (0...255).map { UInt8($0) }.filter { byteTokenIDs[Int($0)] == missingByte }
        return (BPEMerger(byteTokenIDs: byteTokenIDs, merges: try mergeTable(merges, lookup: lookup)), missing)
    }

    /// Parses `"left right"` lines like llama.cpp (split at the first space at byte offset >= 1)
    /// and keys each rank by the pair of token ids; a repeated pair keeps its first (lowest) rank.
    /// - Throws: `TokenizerError.malformedMerge`, `.mergeTokenNotInVocabulary`,
    ///   `.mergeResultNotInVocabulary` naming the rank.
    static func mergeTable(_ lines: [String], lookup: TokenLookup) throws -> MergeTable {
        var table = MergeTable(capacity: lines.count)
        for (rank, line) in lines.enumerated() {
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let space = bytes[1...].firstIndex(of: 0x20), space + 1 < bytes.count
            else { throw TokenizerError.malformedMerge(rank: rank, line: line) }
            let left = Array(bytes[..<space])
            let right = Array(bytes[(space + 1)...])
            guard let leftID = lookup.id(of: left) else {
                throw TokenizerError.mergeTokenNotInVocabulary(
                    rank: rank, line: line, side: "left", token: String(decoding: left, as: UTF8.self))
            }
            guard let rightID = lookup.id(of: right) else {
                throw TokenizerError.mergeTokenNotInVocabulary(
                    rank: rank, line: line, side: "right", token: String(decoding: right, as: UTF8.self))
            }
            guard let resultID = lookup.id(of: left + right) else {
                throw TokenizerError.mergeResultNotInVocabulary(
                    rank: rank, line: line, result: String(decoding: left + right, as: UTF8.self))
            }
            table.insertIfAbsent(
                left: leftID, right: rightID, merge: MergeTable.Merge(rank: Int32(rank), result: resultID))
        }
        return table
    }
}
