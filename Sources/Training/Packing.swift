import Inference
import Probes

/// How documents share a training window: the document-interference probe's `DocumentPacking`
/// (one set of names and one type across probes and training). In training, `direct` concatenates
/// documents, `eod` appends an end-of-document token to each, and `mask` appends it too and adds
/// the block-diagonal document mask (no attention across documents). Positions are the probe's
/// `PositionMode` (`continue`: 0…L−1 across the window; `restart`: from 0 at each document).
public typealias PackingStrategy = DocumentPacking

/// A packed token stream with the document index of every token.
public struct PackedStream: Sendable {
    /// Packed token ids.
    public let tokens: [Int32]
    /// Document index of each token (an end-of-document token belongs to the document it ends).
    public let documents: [Int32]

    /// Packs byte documents: `direct` concatenates them, `eod` and `mask` append an end-of-document token to each.
    public init(documents: [[UInt8]], strategy: PackingStrategy) {
        var tokens: [Int32] = [], ids: [Int32] = []
        for (index, document) in documents.enumerated() where !document.isEmpty {
            let part = document.map { Int32($0) } + (strategy == .direct ? [] : [ByteVocabulary.endOfDocument])
            tokens += part
            ids += [Int32](repeating: Int32(truncatingIfNeeded: index), count: part.count)
        }
        self.tokens = tokens
        self.documents = ids
    }

    /// `count` windows at uniform random offsets (`generator.next() % (N − L + 1)`, as
    /// `TrainingCorpus.windows`), each with its document ids renumbered from 0.
    public func windows(length: Int, count: Int, generator: inout SplitMix64) -> [(tokens: [Int32], documents: [Int32])] {
        guard tokens.count >= length, length > 0 else { return [] }
        let span = UInt64(tokens.count - length + 1)
        return (0..<count).map { _ in
            let start = Int(generator.next() % span)
            let ids = documents[start..<start + length]
            var renumbered: [Int32] = [], current: Int32 = 0
            var previous = ids.first ?? 0
            for id in ids {
                if id != previous { current += 1; previous = id }
                renumbered.append(current)
            }
            return (Array(tokens[start..<start + length]), renumbered)
        }
    }

    /// Positions restarting at 0 at each change of document id: `p[i] = i − (first index of doc(i))`.
    public static func restartedPositions(_ documents: [Int32]) -> [Int] {
        var positions: [Int] = [], start = 0
        for (i, id) in documents.enumerated() {
            if i > 0 && id != documents[i - 1] { start = i }
            positions.append(i - start)
        }
        return positions
    }
}
