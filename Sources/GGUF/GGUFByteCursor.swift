/// A bounds-checked little-endian reader over the file's bytes. Every read checks the bytes
/// that remain first and throws `GGUFError` instead of reading past the end.
struct GGUFByteCursor {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Bytes left after `offset`.
    var remaining: Int { bytes.count - offset }

    /// Reads one little-endian integer; `what` names the field in the error.
    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else {
            throw GGUFError.unexpectedEndOfFile(reading: what(), offset: offset, needed: size, available: remaining)
        }
        let raw = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: raw)
    }

    /// Reads `count` raw bytes as a buffer view (no copy), after checking they exist.
    mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else {
            throw GGUFError.unexpectedEndOfFile(reading: what(), offset: offset, needed: count, available: remaining)
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }

    /// Reads a GGUF string (`u64` length + UTF-8 bytes). The length is checked against the bytes
    /// remaining before anything is allocated; invalid UTF-8 is an error.
    mutating func readString(_ context: @autoclosure () -> String) throws -> String {
        let start = offset
        let length = try read(UInt64.self, "\(context()) (string length)")
        guard length <= UInt64(remaining) else {
            throw GGUFError.stringLengthExceedsFile(
                context: context(), length: length, remainingBytes: remaining, offset: start)
        }
        let utf8 = try readBytes(Int(length), context())
        guard let string = String(validating: utf8, as: UTF8.self) else {
            throw GGUFError.invalidUTF8(context: context(), offset: start)
        }
        return string
    }
}

/// Hashable byte-exact key: Swift `String` equality is Unicode canonical equivalence, but GGUF
/// keys and tensor names are compared byte for byte (as llama.cpp does).
struct GGUFByteKey: Hashable, Sendable {
    let utf8: [UInt8]
    init(_ string: String) { utf8 = Array(string.utf8) }
}

extension Int {
    /// `self` rounded up to a multiple of `alignment` (a power of two), or nil on overflow.
    func roundedUp(toMultipleOf alignment: Int) -> Int? {
        let (sum, overflow) = addingReportingOverflow(alignment - 1)
        return overflow ? nil : sum & ~(alignment - 1)
    }
}
