/// Hand-written matcher for the GPT-2 pre-tokenizer pattern
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
/// with the semantics of llama.cpp `src/unicode.cpp` `unicode_regex_split_custom_gpt2`
/// (ggml-org/llama.cpp@0c1e57098): alternatives are tried in order at each position, and the
/// piece `range` bounds every lookahead (past its end there is "no scalar", which is neither
/// whitespace nor anything else).
enum GPT2Scanner {
    /// Appends the exclusive end of every word of `scalars[range]` to `wordEnds`.
    static func scan(
        scalars: UnsafeBufferPointer<UInt32>,
        classes: UnsafeBufferPointer<UInt8>,
        range: Range<Int>,
        wordEnds: inout [Int]
    ) {
        let end = range.upperBound
        let letter = ScalarClass.letter.rawValue
        let number = ScalarClass.number.rawValue
        let whitespace = ScalarClass.whitespace.rawValue
        let other = ScalarClass.other.rawValue
        let outside: UInt8 = 0xFF
        @inline(__always) func classAt(_ index: Int) -> UInt8 { index < end ? classes[index] : outside }

        var position = range.lowerBound
        while position < end {
            let scalar = scalars[position]

            // 's|'t|'re|'ve|'m|'ll|'d (case-sensitive)
            if scalar == 0x27, position + 1 < end {
                let next = scalars[position + 1]
                if next == 0x73 || next == 0x74 || next == 0x6D || next == 0x64 {  // s t m d
                    position += 2
                    wordEnds.append(position)
                    continue
                }
                if position + 2 < end {
                    let nextNext = scalars[position + 2]
                    if (next == 0x72 && nextNext == 0x65) || (next == 0x76 && nextNext == 0x65)
                        || (next == 0x6C && nextNext == 0x6C) {  // re ve ll
                        position += 3
                        wordEnds.append(position)
                        continue
                    }
                }
            }

            // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
            let isSpace = scalar == 0x20
            let runClass = isSpace ? classAt(position + 1) : classes[position]
            if runClass == letter || runClass == number || runClass == other {
                position += isSpace ? 1 : 0
                while classAt(position) == runClass { position += 1 }
                wordEnds.append(position)
                continue
            }

            // `\s+(?!\S)` then `\s+`.
            var count = 0
            while classAt(position + count) == whitespace { count += 1 }
            if count > 1 && position + count < end {
                position += count - 1
                wordEnds.append(position)
                continue
            }
            if count > 0 {
                position += count
                wordEnds.append(position)
                continue
            }
            // No alternative matched (not reachable: every scalar has a class); take one scalar.
            position += 1
            wordEnds.append(position)
        }
    }
}
