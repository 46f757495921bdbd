/// Memo of BPE results for short words within one `encode` call: natural-language text repeats a
/// small set of words, and a hit replaces the merge loop by one hash lookup (about 1.6× faster
/// on English prose).
///
/// Words of 3...15 bytes are keyed exactly by their bytes and length packed into 128 bits;
/// shorter words are already cheap and longer ones are rare. At most `capacity` words are
/// stored, so memory stays bounded on adversarial input.
struct WordCache {
    private struct Key: Hashable {
        var low: UInt64
        var high: UInt64
    }

    static let byteRange = 3...15
    static let capacity = 1 << 16

    private var spans: [Key: (start: Int32, count: Int32)] = [:]
    private var ids: [Int32] = []

    /// Appends the ids of `word` to `output`, from the memo when present, otherwise from
    /// `compute` (which must append the ids of `word` to `output`), memoising the result.
    mutating func appendTokens(
        of word: UnsafeBufferPointer<UInt8>, to output: inout [Int32], compute: (inout [Int32]) -> Void
    ) {
        guard Self.byteRange.contains(word.count) else {
            compute(&output)
            return
        }
        let key = Self.key(word)
        if let span = spans[key] {
            output.append(contentsOf: ids[Int(span.start)..<Int(span.start + span.count)])
            return
        }
        let before = output.count
        compute(&output)
        if spans.count < Self.capacity {
            spans[key] = (Int32(ids.count), Int32(output.count - before))
            ids.append(contentsOf: output[before...])
        }
    }

    /// Length in the low byte, then the word's bytes, little-endian across the two words.
    private static func key(_ word: UnsafeBufferPointer<UInt8>) -> Key {
        var low = UInt64(word.count)
        var high: UInt64 = 0
        for (index, byte) in word.enumerated() {
            if index < 7 {
                low |= UInt64(byte) << (8 * (index + 1))
            } else {
                high |= UInt64(byte) << (8 * (index - 7))
            }
        }
        return Key(low: low, high: high)
    }
}
