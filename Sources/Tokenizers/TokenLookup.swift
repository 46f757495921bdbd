/// Token id by the exact UTF-8 bytes of its text, looked up from a byte range without allocating
/// (llama.cpp `llama_vocab::text_to_token`, whose map is keyed by the token's `std::string`).
///
/// The texts are stored flat (`bytes[offsets[i]..<offsets[i + 1]]` is token `i`) and indexed by an
/// open-addressing table of ids at a load factor of at most 1/2, hashed with 64-bit FNV-1a.
/// Texts must be unique; the first repeated text is reported in `firstDuplicate` (and only its
/// first occurrence is indexed), so the caller can refuse the vocabulary.
struct TokenLookup: Sendable {
    private let bytes: [UInt8]
    private let offsets: [Int]
    private let slots: [Int32]
    private let mask: Int
    /// The first text that repeats an earlier one: both ids; `nil` when all texts are unique.
    let firstDuplicate: (first: Int, duplicate: Int)?

    private static let empty: Int32 = -1

    /// Indexes `texts`; token id = position in `texts`.
    init(texts: [String]) {
        var bytes: [UInt8] = []
        var offsets: [Int] = [0]
        offsets.reserveCapacity(texts.count + 1)
        for text in texts {
            bytes.append(contentsOf: text.utf8)
            offsets.append(bytes.count)
        }
        var size = 16
        while size < texts.count * 2 { size *= 2 }
        var slots = [Int32](repeating: Self.empty, count: size)
        let mask = size - 1
        var firstDuplicate: (first: Int, duplicate: Int)?
        bytes.withUnsafeBufferPointer { buffer in
            for id in texts.indices {
                let text = UnsafeBufferPointer(rebasing: buffer[offsets[id]..<offsets[id + 1]])
                var slot = Int(truncatingIfNeeded: Self.hash(text)) & mask
                var isDuplicate = false
                while slots[slot] != Self.empty {
                    let other = Int(slots[slot])
                    if buffer[offsets[other]..<offsets[other + 1]].elementsEqual(text) {
                        isDuplicate = true
                        if firstDuplicate == nil { firstDuplicate = (other, id) }
                        break
                    }
                    slot = (slot + 1) & mask
                }
                if !isDuplicate { slots[slot] = Int32(id) }
            }
        }
        self.firstDuplicate = firstDuplicate
        self.bytes = bytes
        self.offsets = offsets
        self.slots = slots
        self.mask = mask
    }

    /// The id of the token whose text is exactly `text`, or `nil`.
    func id(of text: UnsafeBufferPointer<UInt8>) -> Int32? {
        var slot = Int(truncatingIfNeeded: Self.hash(text)) & mask
        return bytes.withUnsafeBufferPointer { stored in
            while true {
                let id = slots[slot]
                if id == Self.empty { return nil }
                let start = offsets[Int(id)]
                let end = offsets[Int(id) + 1]
                if end - start == text.count {
                    var index = 0
                    while index < text.count && stored[start + index] == text[index] { index += 1 }
                    if index == text.count { return id }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The id of the token whose text is exactly `text`, or `nil`.
    func id(of text: [UInt8]) -> Int32? {
        text.withUnsafeBufferPointer { id(of: $0) }
    }

    /// 64-bit FNV-1a.
    @inline(__always)
    private static func hash(_ text: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text {
            value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return value ^ (value >> 29)
    }
}
