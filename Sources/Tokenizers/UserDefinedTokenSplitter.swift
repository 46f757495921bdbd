/// Cuts input text at verbatim occurrences of user-defined tokens (token type 4), which llama.cpp
/// matches before pre-tokenization even when special tokens are not parsed
/// (`src/llama-vocab.cpp`, `tokenizer_st_partition` with `parse_special = false`). Control and
/// unknown tokens are never matched, so `"<|im_start|>"` in text is tokenized as plain text.
///
/// Tokens are applied longest first; each one splits every remaining text fragment at its
/// leftmost non-overlapping occurrences. A token with `stripsLeft` drops the ASCII whitespace
/// (C `isspace`) that ends the text before it; one with `stripsRight` drops the whitespace that
/// starts the text after it (llama.cpp `LLAMA_TOKEN_ATTR_LSTRIP` / `_RSTRIP`, see
/// `SpecialTokenPattern.stripRules`).
enum UserDefinedTokenSplitter {
    /// A piece of the input: UTF-8 byte range of plain text (never empty), or a matched token.
    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    /// The fragments of `bytes` in order; one `.text` covering everything when no token occurs,
    /// none for empty input.
    static func fragments(of bytes: UnsafeBufferPointer<UInt8>, tokens: [SpecialTokenPattern]) -> [Fragment] {
        var fragments: [Fragment] = bytes.isEmpty ? [] : [.text(0..<bytes.count)]
        for token in tokens where !token.bytes.isEmpty {
            var next: [Fragment] = []
            next.reserveCapacity(fragments.count)
            for fragment in fragments {
                guard case let .text(range) = fragment else {
                    next.append(fragment)
                    continue
                }
                var start = range.lowerBound
                while let match = firstOccurrence(of: token.bytes, in: bytes, from: start, to: range.upperBound) {
                    var leftEnd = match
                    if token.stripsLeft {
                        while leftEnd > start && isSpace(bytes[leftEnd - 1]) { leftEnd -= 1 }
                    }
                    if start < leftEnd { next.append(.text(start..<leftEnd)) }
                    next.append(.token(token.id))
                    start = match + token.bytes.count
                    if token.stripsRight {
                        while start < range.upperBound && isSpace(bytes[start]) { start += 1 }
                    }
                }
                if start < range.upperBound { next.append(.text(start..<range.upperBound)) }
            }
            fragments = next
        }
        return fragments
    }

    /// C `isspace` in the C locale: space, `\t`, `\n`, `\v`, `\f`, `\r`.
    @inline(__always)
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
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

/// A user-defined token as the splitter matches it.
struct SpecialTokenPattern: Sendable {
    var bytes: [UInt8]
    var id: Int32
    var stripsLeft = false
    var stripsRight = false

    /// The user-defined tokens of a vocabulary, longest first, then lowest id, with llama.cpp's
    /// per-model strip rules (`llama_vocab::impl::load`, "Handle per token attributes"):
    /// - `tokenizer.ggml.pre` containing `jina-v2-de`, `jina-v2-es` or `jina-v2-code`, or
    ///   `general.architecture` containing `nomic-bert-moe` or `jina-bert-v3`: `<mask>` strips left;
    /// - otherwise `general.name` (lower-cased) containing `phi-3` or `phi3`: every token strips
    ///   right except `<unk>`, `<s>` and `<|endoftext|>`;
    /// - otherwise `general.name` containing `modern-bert`: `[MASK]` strips left.
    static func userDefined(tokens: [String], types: [TokenType], vocabulary: BPEVocabulary) -> [SpecialTokenPattern] {
        let pre = vocabulary.preTokenizer
        let architecture = vocabulary.architecture ?? ""
        let name = String((vocabulary.modelName ?? "").map { $0.isASCII ? Character($0.lowercased()) : $0 })
        func containsAny(_ text: String, _ parts: [String]) -> Bool { parts.contains { text.contains($0) } }
        var patterns: [SpecialTokenPattern] = []
        for index in tokens.indices where types[index] == .userDefined {
            var pattern = SpecialTokenPattern(bytes: Array(tokens[index].utf8), id: Int32(index))
            let text = tokens[index]
            if containsAny(pre, ["jina-v2-de", "jina-v2-es", "jina-v2-code"])
                || containsAny(architecture, ["nomic-bert-moe", "jina-bert-v3"]) {
                pattern.stripsLeft = text == "<mask>"
            } else if containsAny(name, ["phi-3", "phi3"]) {
                pattern.stripsRight = !["<unk>", "<s>", "<|endoftext|>"].contains(text)
            } else if name.contains("modern-bert") {
                pattern.stripsLeft = text == "[MASK]"
            }
            patterns.append(pattern)
        }
        return patterns.sorted {
            $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id
        }
    }
}
