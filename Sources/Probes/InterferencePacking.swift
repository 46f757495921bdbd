import Inference

/// How `probe interference` puts several documents into one window (UltraLLaDA's three strategies).
public enum DocumentPacking: String, CaseIterable, Codable, Sendable {
    /// Plain concatenation: every token attends across document boundaries.
    case direct
    /// Concatenation with the model's end-of-document token between consecutive documents.
    case eod
    /// Concatenation with a block-diagonal attention mask: each token attends only within its own
    /// document (causal or bidirectional within), no separator.
    case mask
}

/// RoPE positions of a packed window.
public enum PositionMode: String, CaseIterable, Codable, Sendable {
    /// 0…n−1 through the whole window (separators included).
    case `continue`
    /// 0…len−1 within each document; an EOD separator takes the next position of the document it ends.
    case restart
}

/// One packed window's forward-pass inputs.
public struct PackedInput: Equatable, Sendable {
    /// Window token ids, [n] with n ≤ L.
    public let tokens: [Int32]
    /// RoPE position of each token, [n].
    public let positions: [Int]
    /// The attention mask: plain (`direct`, `eod`) or document ids (`mask`).
    public let mask: AttentionMask
    /// Window position of token 0 of each document of the window, in window order.
    public let offsets: [Int]
}

/// The windows of an interference run at one context length: which documents share a window, in
/// which order. The same layout serves every packing and position mode, so the three packings
/// differ only in the separator and the mask (a paired comparison).
///
/// ```
/// length_d  = min(tokens_d, L)                       (longer documents keep their first L tokens)
/// order     = Fisher–Yates permutation of 0…D−1 by SplitMix64(SplitMix64.output(seed, 0))
/// next-fit: a window takes documents in that order while Σ length_d + (k − 1) ≤ L
/// ```
/// (k documents, k − 1 separator slots, reserved under every packing so that `eod` fits too).
/// Windows are at most L tokens; the rest of a window is left out, never padded. A document
/// alone in its window sees no neighbour, so its ΔNLL is 0 under every packing.
public struct InterferenceLayout: Equatable, Sendable {
    /// L, tokens.
    public let contextLength: Int
    /// Tokens of each document after truncation to L, [D].
    public let documentLengths: [Int]
    /// Documents of each window, in window order (indices into the document list).
    public let windows: [[Int]]

    /// Packs documents of `tokenCounts` (each ≥ 1) into windows of at most `contextLength` (≥ 2) tokens.
    public init(tokenCounts: [Int], contextLength: Int, seed: UInt64) throws {
        guard contextLength >= 2 else {
            throw ProbeError.invalidParameter(name: "context length", value: "\(contextLength)", allowed: "an integer >= 2")
        }
        self.contextLength = contextLength
        documentLengths = tokenCounts.map { min($0, contextLength) }
        var windows: [[Int]] = []
        var current: [Int] = [], used = 0
        for document in Self.order(count: tokenCounts.count, seed: seed) {
            let length = documentLengths[document]
            if !current.isEmpty, used + 1 + length > contextLength {
                windows.append(current)
                current = []
                used = 0
            }
            used += (current.isEmpty ? 0 : 1) + length
            current.append(document)
        }
        if !current.isEmpty { windows.append(current) }
        self.windows = windows
    }

    /// The shuffled document order: for k = D−1 down to 1, swap k with `next() % (k+1)` of
    /// `SplitMix64(seed: SplitMix64.output(seed: seed, index: 0))` (index 0: the mask streams of
    /// `MaskSampler` use indices ≥ 1).
    public static func order(count: Int, seed: UInt64) -> [Int] {
        var generator = SplitMix64(seed: SplitMix64.output(seed: seed, index: 0))
        var order = Array(0..<count)
        for k in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(k, Int(generator.next() % UInt64(k + 1)))
        }
        return order
    }

    /// The inputs of window `window`: `documents` are all token lists (truncated here to
    /// `documentLengths`), `eodToken` is required for `.eod`, `within` is the attention direction
    /// (`direct` and `eod` attend across documents in that direction; `mask` only within).
    public func input(window: Int, documents: [[Int32]], packing: DocumentPacking, positions: PositionMode,
                      eodToken: Int32?, within: AttentionDirection) throws -> PackedInput {
        var tokens: [Int32] = [], positionList: [Int] = [], ids: [Int32] = [], offsets: [Int] = []
        for (slot, document) in windows[window].enumerated() {
            if slot > 0, packing == .eod {
                guard let eodToken else { throw ProbeError.missingEndOfDocumentToken(key: EndOfDocument.key) }
                let previous = documentLengths[windows[window][slot - 1]]
                tokens.append(eodToken)
                positionList.append(positions == .restart ? previous : tokens.count - 1)
                ids.append(Int32(slot - 1))
            }
            offsets.append(tokens.count)
            let length = documentLengths[document]
            for index in 0..<length {
                tokens.append(documents[document][index])
                positionList.append(positions == .restart ? index : tokens.count - 1)
                ids.append(Int32(slot))
            }
        }
        let mask: AttentionMask = packing == .mask ? .document(ids: ids, withinDocument: within) : AttentionMask(within)
        return PackedInput(tokens: tokens, positions: positionList, mask: mask, offsets: offsets)
    }
}

/// The end-of-document token `--packing eod` inserts.
///
/// llama.cpp has no separate end-of-document key: its EOS (`tokenizer.ggml.eos_token_id`) is the
/// token a model was trained to emit at the end of a text, and the one packed pretraining puts
/// between documents. Instruction-tuned files often set EOS to their end-of-turn token instead
/// (SmolLM2-Instruct: `<|im_end|>`, id 2, while pretraining used `<|endoftext|>`, id 0), so an
/// explicit id overrides it.
public enum EndOfDocument {
    /// GGUF key of the token.
    public static let key = "tokenizer.ggml.eos_token_id"

    /// `override` if given, else the GGUF's EOS; throws `ProbeError.missingEndOfDocumentToken`
    /// naming the key when neither exists, `.invalidParameter` for an id outside the vocabulary.
    public static func token(context: ProbeContext, override: Int32?) throws -> Int32 {
        guard let id = override ?? context.tokenizer.eosID else { throw ProbeError.missingEndOfDocumentToken(key: key) }
        let vocabulary = context.configuration.vocabularySize
        guard id >= 0, Int(id) < vocabulary else {
            throw ProbeError.invalidParameter(name: "end-of-document token", value: "\(id)",
                                              allowed: "0..<\(vocabulary) (the model's vocabulary)")
        }
        return id
    }
}
