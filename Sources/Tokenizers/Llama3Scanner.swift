/// Hand-written matcher for the LLaMA-3 pre-tokenizer pattern
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// and of Qwen2's, which differs only in taking one digit at a time (`\p{N}` for `\p{N}{1,3}`), and
/// of Qwen3.5's, which also lets letter runs take marks (`[\p{L}\p{M}]+` for `\p{L}+`, and
/// `[^\s\p{L}\p{M}\p{N}]` for punctuation).
///
/// Semantics of llama.cpp `src/unicode.cpp` `unicode_regex_split_custom_llama3` and
/// `unicode_regex_split_custom_qwen2` / `_qwen35` (llama.cpp vendored in llama-cpp-python 0.3.36): the
/// alternatives are tried in order at each position; the piece `range` bounds every lookahead;
/// past its end there is "no scalar", which belongs to no class.
///
/// - Contractions are ASCII case-insensitive (`'S`, `'LL` are contractions here).
/// - A letter run may take one leading scalar that is not `\r`, `\n` or a number (a space, a tab,
///   punctuation): `" world"`, `"¿Qué"`.
/// - Numbers: runs cut into groups of `maximumDigits` from the left (`"12345"` → `123`, `45`).
/// - Punctuation runs take an optional leading space and any `\r`/`\n` that follow.
/// - A whitespace run containing `\r` or `\n` ends after its last `\r`/`\n`; otherwise `\s+(?!\S)`
///   leaves the last whitespace scalar to prefix the next word, as in `GPT2Scanner`.
enum Llama3Scanner {
    /// Appends the exclusive end of every word of `scalars[range]` to `wordEnds`.
    /// - Parameters:
    ///   - maximumDigits: 3 for LLaMA-3 (`\p{N}{1,3}`), 1 for Qwen2 and Qwen3.5 (`\p{N}`).
    ///   - marksJoinLetters: Qwen3.5's `[\p{L}\p{M}]+` letter runs.
    static func scan(
        scalars: UnsafeBufferPointer<UInt32>,
        classes: UnsafeBufferPointer<UInt8>,
        range: Range<Int>,
        maximumDigits: Int,
        marksJoinLetters: Bool = false,
        wordEnds: inout [Int]
    ) {
        let end = range.upperBound
        let letter = ScalarClass.letter.rawValue
        let number = ScalarClass.number.rawValue
        let whitespace = ScalarClass.whitespace.rawValue
        let other = ScalarClass.other.rawValue
        let outside: UInt8 = 0xFF
        @inline(__always) func classAt(_ index: Int) -> UInt8 { index < end ? classes[index] : outside }
        // `\p{L}` (or `[\p{L}\p{M}]` for Qwen3.5), `[^\s\p{L}\p{N}]` (or also not `\p{M}`).
        @inline(__always) func isWordScalar(_ index: Int) -> Bool {
            index < end && (classes[index] == letter || (marksJoinLetters && ScalarClass.isMark(scalars[index])))
        }
        @inline(__always) func isPunctuation(_ index: Int) -> Bool {
            index < end && classes[index] == other && !(marksJoinLetters && ScalarClass.isMark(scalars[index]))
        }
        @inline(__always) func isLineBreak(_ index: Int) -> Bool {
            index < end && (scalars[index] == 0x0A || scalars[index] == 0x0D)
        }
        @inline(__always) func lowered(_ index: Int) -> UInt32 {
            let value = scalars[index]
            return (0x41...0x5A).contains(value) ? value + 0x20 : value
        }

        var position = range.lowerBound
        while position < end {
            let scalar = scalars[position]
            let scalarClass = classes[position]

            // (?i:'s|'t|'re|'ve|'m|'ll|'d)
            if scalar == 0x27, position + 1 < end {
                let next = lowered(position + 1)
                if next == 0x73 || next == 0x74 || next == 0x6D || next == 0x64 {  // s t m d
                    position += 2
                    wordEnds.append(position)
                    continue
                }
                if position + 2 < end {
                    let nextNext = lowered(position + 2)
                    if (next == 0x72 && nextNext == 0x65) || (next == 0x76 && nextNext == 0x65)
                        || (next == 0x6C && nextNext == 0x6C) {  // re ve ll
                        position += 3
                        wordEnds.append(position)
                        continue
                    }
                }
            }

            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(scalar == 0x0A || scalar == 0x0D || scalarClass == number),
               isWordScalar(position) || isWordScalar(position + 1) {
                position += 1
                while isWordScalar(position) { position += 1 }
                wordEnds.append(position)
                continue
            }

            // \p{N}{1,maximumDigits}
            if scalarClass == number {
                var groupStart = position
                while classAt(position) == number {
                    position += 1
                    if position - groupStart >= maximumDigits {
                        wordEnds.append(position)
                        groupStart = position
                    }
                }
                if groupStart < position { wordEnds.append(position) }
                continue
            }

            // ` ?[^\s\p{L}\p{N}]+[\r\n]*` (a lone space at the end of the piece also lands here).
            let runStart = scalar == 0x20 ? position + 1 : position
            if isPunctuation(runStart) || runStart == end {
                position = runStart
                while isPunctuation(position) { position += 1 }
                while isLineBreak(position) { position += 1 }
                wordEnds.append(position)
                continue
            }

            // \s*[\r\n]+, then \s+(?!\S), then \s+.
            var count = 0
            var lastLineBreakEnd = 0
            while classAt(position + count) == whitespace {
                if isLineBreak(position + count) { lastLineBreakEnd = position + count + 1 }
                count += 1
            }
            if lastLineBreakEnd > 0 {
                position = lastLineBreakEnd
            } else if count > 1 && position + count < end {
                position += count - 1
            } else if count > 0 {
                position += count
            } else {
                position += 1  // no alternative matched (not reachable: every scalar has a class)
            }
            wordEnds.append(position)
        }
    }
}
