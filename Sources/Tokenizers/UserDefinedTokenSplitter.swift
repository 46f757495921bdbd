/// Cuts input text at verbatim occurrences of user-defined tokens (token type 4), which llama.cpp
/// matches before pre-tokenization even when special tokens are not parsed
/// (`src/llama-vocab.cpp`, `tokenizer_st_partition` with `parse_special = false`). Control and
/// unknown tokens are never matched, so `"<|im_start|>"` in text is tokenized as plain text.
///
/// Tokens are applied longest first; each one splits every remaining text fragment at its
/// leftmost non-overlapping occurrences.
enum UserDefinedTokenSplitter {
    /// A piece of the input: UTF-8 byte range of plain text, or a matched token.
    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    /// The fragments of `bytes` in order; one `.text` covering everything when no token occurs.
    static func fragments(of bytes: UnsafeBufferPointer<UInt8>, tokens: [(bytes: [UInt8], id: Int32)]) -> [Fragment] {
        var fragments: [Fragment] = [.text(0..<bytes.count)]
        for token in tokens where !token.bytes.isEmpty {
            var next: [Fragment] = []
            next.reserveCapacity(fragments.count)
            for fragment in fragments {
                guard case let .text(range) = fragment else {
                    next.append(fragment)
                    continue
                }
                var start = range.lowerBound
                var position = range.lowerBound
                while let match = firstOccurrence(of: token.bytes, in: bytes, from: position, to: range.upperBound) {
                    if start < match { next.append(.text(start..<match)) }
                    next.append(.token(token.id))
                    start = match + token.bytes.count
                    position = start
                }
                if start < range.upperBound { next.append(.text(start..<range.upperBound)) }
            }
            fragments = next
        }
        return fragments
    }

    private static func firstOccurrence(
        of needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int
    ) -> Int? {
        let length = needle.count
        guard end - start >= length else { return nil }
        let first = needle[0]
        var index = start
        while index + length <= end {
            if haystack[index] == first {
                var offset = 1
                while offset < length && haystack[index + offset] == needle[offset] { offset += 1 }
                if offset == length { return index }
            }
            index += 1
        }
        return nil
    }
}
