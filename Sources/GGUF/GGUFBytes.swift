/// A read-only, zero-copy view of a range of a GGUF file's bytes (e.g. one tensor's data).
///
/// It keeps the file's mapping alive, so it stays valid after the `GGUFFile` is released.
/// Indices run from 0 to `count - 1`. Use `withUnsafeBytes` for fast access; `Array(view)`
/// or `Data(view)` copies.
public struct GGUFBytes: RandomAccessCollection, Sendable {
    private let storage: GGUFByteStorage
    private let range: Range<Int>

    init(storage: GGUFByteStorage, range: Range<Int>) {
        self.storage = storage
        self.range = range
    }

    /// 0.
    public var startIndex: Int { 0 }
    /// The number of bytes in the view.
    public var endIndex: Int { range.count }

    /// The byte at `position` (0-based within the view).
    public subscript(position: Int) -> UInt8 {
        precondition(indices.contains(position), "GGUFBytes index \(position) out of range 0..<\(count)")
        return storage.bytes[range.lowerBound + position]
    }

    /// Calls `body` with the bytes in place (no copy). The buffer must not escape `body`.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage.bytes[range]))
    }
}
