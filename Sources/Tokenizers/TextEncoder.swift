/// Encodes raw text fragments (no user-defined tokens inside) into token ids: UTF-8 → scalars and
/// their classes → pre-tokenizer words → byte-level BPE per word (memoised by `WordCache`). Holds
/// reusable buffers, so one instance serves a whole `encode` call without per-word allocations.
///
/// With `wholeWordLookup` (llama.cpp `ignore_merges`, LLaMA 3), a word whose byte-level text is a
/// vocabulary token is emitted as that token and the merges are skipped.
struct TextEncoder {
    let preTokenizer: PreTokenizer
    let merger: BPEMerger
    let wholeWordLookup: TokenLookup?
    /// The current word in the byte-level alphabet, for `wholeWordLookup`.
    private var byteLevelWord: [UInt8] = []
    private var scalars: [UInt32] = []
    private var classes: [UInt8] = []
    /// UTF-8 offset of each scalar, plus the end offset; `scalars.count + 1` entries.
    private var offsets: [Int] = []
    private var wordEnds: [Int] = []
    private var workspace = BPEMerger.Workspace()
    private var cache = WordCache()

    init(preTokenizer: PreTokenizer, merger: BPEMerger, wholeWordLookup: TokenLookup? = nil) {
        self.preTokenizer = preTokenizer
        self.merger = merger
        self.wholeWordLookup = wholeWordLookup
    }

    /// Appends the tokens of `text` (valid UTF-8) to `output`.
    mutating func encode(_ text: UnsafeBufferPointer<UInt8>, to output: inout [Int32]) {
        guard !text.isEmpty else { return }
        decodeScalars(text)
        wordEnds.removeAll(keepingCapacity: true)
        scalars.withUnsafeBufferPointer { scalarBuffer in
            classes.withUnsafeBufferPointer { classBuffer in
                preTokenizer.appendWordEnds(
                    scalars: scalarBuffer, classes: classBuffer, range: 0..<scalarBuffer.count, to: &wordEnds)
            }
        }
        var start = 0
        for end in wordEnds {
            let word = UnsafeBufferPointer(rebasing: text[offsets[start]..<offsets[end]])
            if let wholeWordLookup, let id = wholeWordID(word, lookup: wholeWordLookup) {
                output.append(id)
            } else {
                cache.appendTokens(of: word, to: &output) { output in
                    merger.appendTokens(of: word, to: &output, workspace: &workspace)
                }
            }
            start = end
        }
    }

    /// The token whose text is `word` written in the byte-level alphabet, or `nil`.
    private mutating func wholeWordID(_ word: UnsafeBufferPointer<UInt8>, lookup: TokenLookup) -> Int32? {
        byteLevelWord.removeAll(keepingCapacity: true)
        for byte in word { byteLevelWord.append(contentsOf: ByteLevelAlphabet.utf8ForByte[Int(byte)]) }
        return lookup.id(of: byteLevelWord)
    }

    /// Fills `scalars`, `classes` and `offsets` from UTF-8 that is known to be valid (it comes
    /// from a Swift `String`, cut only at scalar boundaries).
    private mutating func decodeScalars(_ text: UnsafeBufferPointer<UInt8>) {
        scalars.removeAll(keepingCapacity: true)
        classes.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        var index = 0
        let count = text.count
        while index < count {
            let lead = UInt32(text[index])
            var value: UInt32
            var length: Int
            switch lead {
            case 0..<0x80: value = lead; length = 1
            case 0xC0..<0xE0: value = lead & 0x1F; length = 2
            case 0xE0..<0xF0: value = lead & 0x0F; length = 3
            default: value = lead & 0x07; length = 4
            }
            length = min(length, count - index)
            for continuation in 1..<max(length, 1) {
                value = value << 6 | (UInt32(text[index + continuation]) & 0x3F)
            }
            scalars.append(value)
            classes.append(ScalarClass.of(value).rawValue)
            offsets.append(index)
            index += length
        }
        offsets.append(count)
    }
}
