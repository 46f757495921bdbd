import Inference

/// An `AttentionMask` prepared for the training kernels: per-entry test and tile skipping.
///
/// ```
/// causal:         i attends j  ⇔  j ≤ i
/// bidirectional:  i attends j  always
/// document:       i attends j  ⇔  id[i] = id[j]  (and j ≤ i when causal within)
/// ```
struct TrainingMask: Sendable {
    let causal: Bool
    let documentIDs: [Int32]?

    /// Throws `TrainingError.shapeMismatch` when document ids do not cover `length` positions.
    init(_ mask: AttentionMask, length: Int) throws {
        switch mask {
        case .causal: causal = true; documentIDs = nil
        case .bidirectional: causal = false; documentIDs = nil
        case let .document(ids, within):
            guard ids.count == length else { throw TrainingError.shapeMismatch(name: "document ids", count: ids.count, expected: length) }
            causal = within == .causal; documentIDs = ids
        }
    }

    @inline(__always)
    func allows(query: Int, key: Int) -> Bool {
        if causal && key > query { return false }
        if let ids = documentIDs, ids[query] != ids[key] { return false }
        return true
    }

    /// True when no query of `queries` may attend any key of `keys` (the tile can be skipped).
    func isEmpty(queries: Range<Int>, keys: Range<Int>) -> Bool {
        if causal && keys.lowerBound > queries.upperBound - 1 { return true }
        guard let ids = documentIDs else { return false }
        var qLow = Int32.max, qHigh = Int32.min, kLow = Int32.max, kHigh = Int32.min
        for i in queries { qLow = min(qLow, ids[i]); qHigh = max(qHigh, ids[i]) }
        for j in keys { kLow = min(kLow, ids[j]); kHigh = max(kHigh, ids[j]) }
        return qHigh < kLow || kHigh < qLow
    }

    /// True when every entry of the tile is allowed (no per-entry masking needed).
    func isFull(queries: Range<Int>, keys: Range<Int>) -> Bool {
        if causal && keys.upperBound - 1 > queries.lowerBound { return false }
        guard let ids = documentIDs else { return true }
        let first = ids[queries.lowerBound]
        return queries.allSatisfy { ids[$0] == first } && keys.allSatisfy { ids[$0] == first }
    }
}
