/// Open-addressing hash table from a pair of token ids (left, right) to the merge rank and the id
/// of the merged token. Built once per tokenizer; lookups allocate nothing.
struct MergeTable: Sendable {
    /// A merge: its rank (lower merges first) and the id of the token it produces.
    struct Merge: Equatable {
        var rank: Int32
        var result: Int32
    }

    private static let emptyKey = UInt64.max
    private var keys: [UInt64]
    private var values: [Merge]
    private let mask: Int
    private let shift: UInt64

    /// Number of distinct pairs stored.
    private(set) var count = 0

    /// An empty table sized for `capacity` pairs at a load factor of at most 1/2.
    init(capacity: Int) {
        var size = 16
        var bits: UInt64 = 4
        while size < capacity * 2 {
            size *= 2
            bits += 1
        }
        keys = [UInt64](repeating: Self.emptyKey, count: size)
        values = [Merge](repeating: Merge(rank: 0, result: 0), count: size)
        mask = size - 1
        shift = 64 - bits
    }

    /// Stores `merge` for (`left`, `right`) unless the pair is already present (the first, lowest
    /// rank wins, like llama.cpp's `bpe_ranks.emplace`). Returns whether it was inserted.
    @discardableResult
    mutating func insertIfAbsent(left: Int32, right: Int32, merge: Merge) -> Bool {
        let key = Self.key(left, right)
        var slot = slotIndex(for: key)
        while keys[slot] != Self.emptyKey {
            if keys[slot] == key { return false }
            slot = (slot + 1) & mask
        }
        keys[slot] = key
        values[slot] = merge
        count += 1
        return true
    }

    /// The merge for (`left`, `right`), or `nil` when the pair does not merge.
    @inline(__always)
    func merge(left: Int32, right: Int32) -> Merge? {
        let key = Self.key(left, right)
        var slot = slotIndex(for: key)
        while true {
            let stored = keys[slot]
            if stored == key { return values[slot] }
            if stored == Self.emptyKey { return nil }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Fibonacci hashing: the top bits of key × 2^64/φ.
    @inline(__always)
    private func slotIndex(for key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) & mask
    }
}
