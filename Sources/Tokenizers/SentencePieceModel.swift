/// SentencePiece BPE as llama.cpp runs it for `tokenizer.ggml.model = "llama"`
/// (`src/llama-vocab.cpp`, `llm_tokenizer_spm_session`, llama.cpp vendored in llama-cpp-python
/// 0.3.36; originally llama.cpp commit 074bea2e).
///
/// Encoding one text fragment:
/// 1. prefix a space when `addSpacePrefix` and the fragment starts the text or follows a
///    user-defined token; replace every space (U+0020) by `▁` (U+2581);
/// 2. start from one symbol per UTF-8 character;
/// 3. repeatedly merge the adjacent pair whose concatenation is a vocabulary token with the
///    highest score (`tokenizer.ggml.scores`), the leftmost pair on ties, until no adjacent
///    pair forms a token;
/// 4. emit each symbol's token; a character that is not a token is emitted as the byte-fallback
///    tokens of its UTF-8 bytes (`<0xHH>`).
/// Every vocabulary token can be formed, whatever its type (llama.cpp looks texts up in the whole
/// vocabulary). There is no pre-tokenizer: the merges run over the whole fragment.
struct SentencePieceModel: Sendable {
    /// Score of each token (0 where the file has none).
    let scores: [Float]
    /// Token of each byte for byte fallback; 256 entries.
    let byteFallbackIDs: [Int32]
    /// Prefix each fragment that starts the text or follows a user-defined token with a space.
    let addSpacePrefix: Bool

    /// Checks scores and byte fallback.
    /// - Throws: `TokenizerError.invalidScores` (count or NaN), `.missingByteFallbackToken`.
    init(_ vocabulary: BPEVocabulary, tokenCount: Int, lookup: TokenLookup) throws {
        if let scores = vocabulary.scores {
            // llama.cpp needs at least one score per token and ignores extra ones; extra ones
            // here would be a sign of a mismatched array, so the count must be exact.
            let firstNaN = scores.firstIndex { $0.isNaN }
            guard scores.count == tokenCount, firstNaN == nil else {
                throw TokenizerError.invalidScores(tokens: tokenCount, scores: scores.count, firstNaN: firstNaN)
            }
            self.scores = scores
        } else {
            scores = Array(repeating: 0, count: tokenCount)
        }
        var byteFallbackIDs = [Int32](repeating: -1, count: 256)
        for byte in 0..<256 {
            // llama.cpp `byte_to_token`: `<0xHH>`, else the byte itself as a one-byte text.
            guard let id = lookup.id(of: Array(ByteTokenText.text(for: UInt8(byte)).utf8))
                ?? lookup.id(of: [UInt8(byte)])
            else { throw TokenizerError.missingByteFallbackToken(byte: UInt8(byte)) }
            byteFallbackIDs[byte] = id
        }
        self.byteFallbackIDs = byteFallbackIDs
        addSpacePrefix = vocabulary.addSpacePrefix ?? true
    }
}

/// One SentencePiece encoding pass; holds reusable buffers for one `encode` call.
struct SentencePieceSession {
    let model: SentencePieceModel
    let lookup: TokenLookup

    private var text: [UInt8] = []
    private var symbolStart: [Int32] = []
    private var symbolLength: [Int32] = []
    private var previous: [Int32] = []
    private var next: [Int32] = []
    private var queue = BigramQueue()

    init(model: SentencePieceModel, lookup: TokenLookup) {
        self.model = model
        self.lookup = lookup
    }

    /// Appends the tokens of `fragment` (valid UTF-8, not empty) to `output`.
    /// - Parameter prefixSpace: prepend a space (step 1 above).
    mutating func encode(_ fragment: UnsafeBufferPointer<UInt8>, prefixSpace: Bool, to output: inout [Int32]) {
        escape(fragment, prefixSpace: prefixSpace)
        splitCharacters()
        let escaped = text  // a second reference, so the buffer is not borrowed from `self`
        escaped.withUnsafeBufferPointer { bytes in
            for index in 1..<max(symbolStart.count, 1) {
                tryAddBigram(left: Int32(index - 1), right: Int32(index), bytes: bytes)
            }
            while let bigram = queue.pop() {
                let left = Int(bigram.left)
                let right = Int(bigram.right)
                // Skip a pair one of whose symbols has changed since it was queued.
                if symbolLength[left] == 0 || symbolLength[right] == 0
                    || symbolLength[left] + symbolLength[right] != bigram.size { continue }
                symbolLength[left] += symbolLength[right]
                symbolLength[right] = 0
                next[left] = next[right]
                if next[right] >= 0 { previous[Int(next[right])] = bigram.left }
                tryAddBigram(left: previous[left], right: bigram.left, bytes: bytes)
                tryAddBigram(left: bigram.left, right: next[left], bytes: bytes)
            }
            var index: Int32 = 0
            while index >= 0 {
                let start = Int(symbolStart[Int(index)])
                let piece = UnsafeBufferPointer(rebasing: bytes[start..<start + Int(symbolLength[Int(index)])])
                if let id = lookup.id(of: piece) {
                    output.append(id)
                } else {
                    for byte in piece { output.append(model.byteFallbackIDs[Int(byte)]) }
                }
                index = next[Int(index)]
            }
        }
    }

    /// `text` = optional space + fragment, each space replaced by `▁` (E2 96 81).
    private mutating func escape(_ fragment: UnsafeBufferPointer<UInt8>, prefixSpace: Bool) {
        text.removeAll(keepingCapacity: true)
        if prefixSpace { text.append(contentsOf: [0xE2, 0x96, 0x81]) }
        for byte in fragment {
            if byte == 0x20 { text.append(contentsOf: [0xE2, 0x96, 0x81]) } else { text.append(byte) }
        }
    }

    /// One symbol per UTF-8 character (length from the lead byte, as llama.cpp `unicode_len_utf8`).
    private mutating func splitCharacters() {
        symbolStart.removeAll(keepingCapacity: true)
        symbolLength.removeAll(keepingCapacity: true)
        previous.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        var offset = 0
        while offset < text.count {
            let lead = text[offset]
            let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            let count = min(length, text.count - offset)
            let index = Int32(symbolStart.count)
            symbolStart.append(Int32(offset))
            symbolLength.append(Int32(count))
            previous.append(index - 1)
            offset += count
            next.append(offset == text.count ? -1 : index + 1)
        }
    }

    /// Queues (left, right) when their concatenation is a token, with that token's score.
    private mutating func tryAddBigram(left: Int32, right: Int32, bytes: UnsafeBufferPointer<UInt8>) {
        guard left >= 0, right >= 0 else { return }
        let start = Int(symbolStart[Int(left)])
        let size = symbolLength[Int(left)] + symbolLength[Int(right)]
        guard let id = lookup.id(of: UnsafeBufferPointer(rebasing: bytes[start..<start + Int(size)])) else { return }
        queue.push(BigramQueue.Bigram(score: model.scores[Int(id)], left: left, right: right, size: size))
    }
}
