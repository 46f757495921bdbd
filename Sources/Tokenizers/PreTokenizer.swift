/// A byte-level BPE pre-tokenizer: how text is cut into words before BPE merges run inside each
/// word. Raw values are the canonical GGUF names (`tokenizer.ggml.pre`); the other names llama.cpp
/// maps to the same split are in `PreTokenizerProfile.llamaCppNames`.
///
/// The splits equal llama.cpp's (`src/llama-vocab.cpp`, `llm_tokenizer_bpe`; `src/unicode.cpp`,
/// `unicode_regex_split`) for these regex sequences, each applied inside the pieces of the
/// previous one:
///
/// - `gpt2` (`"gpt-2"`):
///   1. `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// - `smollm` (`"smollm"`, also StarCoder, Refact, Command-R):
///   1. `\p{N}` — every number scalar becomes a piece of its own; the runs between are pieces;
///   2. the GPT-2 pattern above, inside each piece.
/// - `llama3` (`"llama-bpe"`, LLaMA 3):
///   1. `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// - `qwen2` (`"qwen2"`, Qwen2 and Dream): the LLaMA-3 pattern with `\p{N}` for `\p{N}{1,3}`.
/// - `qwen35` (`"qwen35"`, Qwen3.5): the Qwen2 pattern with marks in letter runs
///   (`[\p{L}\p{M}]+`) and out of punctuation runs (`[^\s\p{L}\p{M}\p{N}]+`).
///
/// llama.cpp runs the GPT-2 pattern with a hand-written matcher (`unicode_regex_split_custom_gpt2`)
/// whose semantics this type reproduces exactly:
/// - contractions are lower-case only (`'S` is not one);
/// - `\s+(?!\S)` with a run of n >= 2 whitespace scalars followed by a non-space scalar takes
///   n − 1 of them, leaving the last to prefix the next word (`"a   b"` → `a`, `"  "`, `" b"`);
///   a run that ends the piece (end of text, or a digit split off by `\p{N}`) is taken whole;
/// - a single whitespace scalar that is not a space (`"\n"`, `"\t"`) before a word stands alone;
/// - lookahead never crosses the end of the current piece.
/// The LLaMA-3 and Qwen2 patterns follow `Llama3Scanner`. Character classes are those of
/// `ScalarClass` (Unicode 15.1, as llama.cpp).
public enum PreTokenizer: String, Sendable, CaseIterable {
    /// llama.cpp `LLAMA_VOCAB_PRE_TYPE_GPT2` (GGUF name `gpt-2`).
    case gpt2 = "gpt-2"
    /// llama.cpp `LLAMA_VOCAB_PRE_TYPE_SMOLLM` (GGUF name `smollm`): digits split one by one,
    /// then the GPT-2 pattern.
    case smollm = "smollm"
    /// llama.cpp `LLAMA_VOCAB_PRE_TYPE_LLAMA3` (GGUF name `llama-bpe`): the LLaMA-3 pattern,
    /// numbers in groups of up to three digits.
    case llama3 = "llama-bpe"
    /// llama.cpp `LLAMA_VOCAB_PRE_TYPE_QWEN2` (GGUF name `qwen2`): the LLaMA-3 pattern with one
    /// digit per word.
    case qwen2 = "qwen2"
    /// llama.cpp `LLAMA_VOCAB_PRE_TYPE_QWEN35` (GGUF name `qwen35`): the Qwen2 pattern whose
    /// letter runs also take marks (`\p{M}`).
    case qwen35 = "qwen35"

    /// The pre-tokenizer for a `tokenizer.ggml.pre` value: a canonical name or one of the
    /// aliases llama.cpp maps to the same split (`PreTokenizerProfile.llamaCppNames`).
    /// - Throws: `TokenizerError.unsupportedPreTokenizer` listing the canonical names.
    public init(ggufName: String) throws {
        self = try PreTokenizerProfile(ggufName: ggufName).preTokenizer
    }

    /// The GGUF name (`tokenizer.ggml.pre`).
    public var ggufName: String { rawValue }

    /// The regex sequence llama.cpp applies for this pre-tokenizer (documentation only: the split
    /// is done by a hand-written scanner, not by a regex engine).
    public var llamaCppPatterns: [String] {
        switch self {
        case .gpt2: return [PreTokenizer.gpt2Pattern]
        case .smollm: return [#"\p{N}"#, PreTokenizer.gpt2Pattern]
        case .llama3: return [PreTokenizer.llama3Pattern]
        case .qwen2: return [PreTokenizer.qwen2Pattern]
        case .qwen35: return [PreTokenizer.qwen35Pattern]
        }
    }

    /// The GPT-2 pattern as written in llama.cpp, with the `\s+` fallback of its custom matcher.
    public static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    /// The LLaMA-3 pattern as written in llama.cpp (`(?i:...)` spelled out per letter there).
    public static let llama3Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The Qwen3.5 pattern as written in llama.cpp.
    public static let qwen35Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The Qwen2 pattern as written in llama.cpp.
    public static let qwen2Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// Cuts `text` into pre-tokenizer words; concatenating the result gives `text` back.
    /// - Returns: the words in order; empty for empty text.
    public func words(in text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        let values = scalars.map(\.value)
        let classes = values.map { ScalarClass.of($0).rawValue }
        var ends: [Int] = []
        values.withUnsafeBufferPointer { valueBuffer in
            classes.withUnsafeBufferPointer { classBuffer in
                appendWordEnds(
                    scalars: valueBuffer, classes: classBuffer, range: 0..<values.count, to: &ends)
            }
        }
        var words: [String] = []
        words.reserveCapacity(ends.count)
        var start = 0
        for end in ends {
            var word = ""
            word.unicodeScalars.append(contentsOf: scalars[start..<end])
            words.append(word)
            start = end
        }
        return words
    }

    /// Appends the exclusive end index of every word of `scalars[range]` to `wordEnds`.
    /// - Parameters:
    ///   - scalars: scalar values of the whole fragment.
    ///   - classes: `ScalarClass` raw values, same length as `scalars`.
    func appendWordEnds(
        scalars: UnsafeBufferPointer<UInt32>,
        classes: UnsafeBufferPointer<UInt8>,
        range: Range<Int>,
        to wordEnds: inout [Int]
    ) {
        switch self {
        case .gpt2:
            GPT2Scanner.scan(scalars: scalars, classes: classes, range: range, wordEnds: &wordEnds)
        case .smollm:
            // Stage 1, `\p{N}`: each number scalar is a piece; the runs between are pieces.
            let number = ScalarClass.number.rawValue
            var runStart = range.lowerBound
            for index in range where classes[index] == number {
                if runStart < index {
                    GPT2Scanner.scan(
                        scalars: scalars, classes: classes, range: runStart..<index, wordEnds: &wordEnds)
                }
                wordEnds.append(index + 1)
                runStart = index + 1
            }
            if runStart < range.upperBound {
                GPT2Scanner.scan(
                    scalars: scalars, classes: classes, range: runStart..<range.upperBound,
                    wordEnds: &wordEnds)
            }
        case .llama3:
            Llama3Scanner.scan(scalars: scalars, classes: classes, range: range, maximumDigits: 3, wordEnds: &wordEnds)
        case .qwen2:
            Llama3Scanner.scan(scalars: scalars, classes: classes, range: range, maximumDigits: 1, wordEnds: &wordEnds)
        case .qwen35:
            Llama3Scanner.scan(scalars: scalars, classes: classes, range: range, maximumDigits: 1,
                               marksJoinLetters: true, wordEnds: &wordEnds)
        }
    }
}
