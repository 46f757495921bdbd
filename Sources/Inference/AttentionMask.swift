/// Which keys each query of a window may attend to.
///
/// ```
/// causal:         i attends j  ⇔  j ≤ i
/// bidirectional:  i attends j  always
/// document:       i attends j  ⇔  id[i] = id[j]  (and j ≤ i when causal within)
/// ```
/// Indices are window positions 0…L−1 (not RoPE positions). Every query can attend to itself.
public enum AttentionMask: Equatable, Sendable {
    /// j ≤ i (llama).
    case causal
    /// Every key (llada).
    case bidirectional
    /// Block-diagonal packing of several documents: `ids` has one document id per window position.
    case document(ids: [Int32], withinDocument: AttentionDirection)

    /// The plain mask for a direction.
    public init(_ direction: AttentionDirection) {
        self = direction == .causal ? .causal : .bidirectional
    }

    /// True when query `query` may attend to key `key` (window positions; false for a position
    /// outside the document ids).
    public func allows(query: Int, key: Int) -> Bool {
        switch self {
        case .causal: return key <= query
        case .bidirectional: return true
        case let .document(ids, within):
            guard ids.indices.contains(query), ids.indices.contains(key) else { return false }
            return ids[query] == ids[key] && (within == .bidirectional || key <= query)
        }
    }

    /// Throws `InferenceError.lengthMismatch` when document ids do not cover the window.
    func validate(length: Int) throws {
        if case let .document(ids, _) = self, ids.count != length {
            throw InferenceError.lengthMismatch(name: "document ids", count: ids.count, expected: length)
        }
    }
}

/// How much of a query-block × key-block tile a mask allows.
enum TileCoverage {
    case empty, full, partial
}

/// A mask prepared for one window: tile classification and in-place masking of score tiles.
struct MaskPlan {
    let mask: AttentionMask
    let causal: Bool
    let documentIDs: [Int32]?

    init(_ mask: AttentionMask) {
        self.mask = mask
        switch mask {
        case .causal: causal = true; documentIDs = nil
        case .bidirectional: causal = false; documentIDs = nil
        case let .document(ids, within): causal = within == .causal; documentIDs = ids
        }
    }

    /// Smallest and largest document id in `range` (nil without documents).
    func idBounds(_ range: Range<Int>) -> (Int32, Int32)? {
        guard let ids = documentIDs else { return nil }
        var low = Int32.max, high = Int32.min
        for i in range { low = min(low, ids[i]); high = max(high, ids[i]) }
        return (low, high)
    }

    /// Classifies the tile queries × keys; `queryIDs`/`keyIDs` are the `idBounds` of the ranges.
    func coverage(queries: Range<Int>, keys: Range<Int>, queryIDs: (Int32, Int32)?, keyIDs: (Int32, Int32)?) -> TileCoverage {
        if causal && keys.lowerBound > queries.upperBound - 1 { return .empty }
        var full = !causal || keys.upperBound - 1 <= queries.lowerBound
        if let (qLow, qHigh) = queryIDs, let (kLow, kHigh) = keyIDs {
            if qHigh < kLow || kHigh < qLow { return .empty }
            full = full && qLow == qHigh && kLow == kHigh
        }
        return full ? .full : .partial
    }

    /// Sets disallowed entries of a score tile [rows, keys.count] (row stride `stride`) to −∞;
    /// `position(row)` is the query position of tile row `row`. A causal cut-off is one fill per
    /// row (keys after the query); document ids are checked per entry.
    func apply(to scores: UnsafeMutablePointer<Float>, stride: Int, rows: Int, keys: Range<Int>,
               position: (Int) -> Int) {
        for row in 0..<rows {
            let line = scores + row * stride
            let query = position(row)
            if causal {
                let allowed = min(keys.count, max(0, query + 1 - keys.lowerBound))
                (line + allowed).update(repeating: -.infinity, count: keys.count - allowed)
            }
            if let ids = documentIDs {
                let queryID = ids[query]
                for (column, key) in keys.enumerated() where ids[key] != queryID { line[column] = -.infinity }
            }
        }
    }
}
