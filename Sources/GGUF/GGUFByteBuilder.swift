import Foundation

/// A low-level little-endian GGUF byte builder that writes exactly what it is told, with no
/// validation: the encoding layer of `GGUFWriter`, and the tool for handcrafting malformed
/// files (lying lengths, unknown type ids, misplaced offsets) in tests.
///
/// ```swift
/// var b = GGUFByteBuilder()
/// b.appendHeader(version: 3, tensorCount: 0, keyValueCount: 1)
/// b.appendString(declaredLength: 1_000, bytes: Array("key".utf8))   // truncated key
/// ```
public struct GGUFByteBuilder: Sendable {
    /// The bytes built so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty builder.
    public init() {}

    /// Number of bytes built so far (the offset of the next byte).
    public var count: Int { bytes.count }

    /// Appends an integer in little-endian order.
    public mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a binary32 float (its bit pattern, little-endian).
    public mutating func append(_ value: Float) { append(value.bitPattern) }

    /// Appends a binary64 float (its bit pattern, little-endian).
    public mutating func append(_ value: Double) { append(value.bitPattern) }

    /// Appends raw bytes.
    public mutating func append<S: Sequence>(contentsOf raw: S) where S.Element == UInt8 {
        bytes.append(contentsOf: raw)
    }

    /// Appends `count` zero bytes.
    public mutating func appendZeros(_ count: Int) {
        bytes.append(contentsOf: [UInt8](repeating: 0, count: Swift.max(count, 0)))
    }

    /// Appends zero bytes until `count` is a multiple of `alignment` (≥ 1).
    public mutating func pad(toMultipleOf alignment: Int) {
        guard alignment > 1 else { return }
        appendZeros((alignment - count % alignment) % alignment)
    }

    /// Drops everything from byte `length` on (to make truncated files).
    public mutating func truncate(to length: Int) {
        bytes.removeLast(Swift.max(0, count - Swift.max(length, 0)))
    }

    /// Appends the 4-byte magic `"GGUF"`.
    public mutating func appendMagic() { bytes.append(contentsOf: Array("GGUF".utf8)) }

    /// Appends magic, `u32` version, `u64` tensor count and `u64` key/value count (24 bytes).
    public mutating func appendHeader(version: UInt32 = 3, tensorCount: UInt64, keyValueCount: UInt64) {
        appendMagic()
        append(version)
        append(tensorCount)
        append(keyValueCount)
    }

    /// Appends a GGUF string: `u64` UTF-8 byte length, then the bytes.
    public mutating func appendString(_ string: String) {
        appendString(declaredLength: UInt64(string.utf8.count), bytes: Array(string.utf8))
    }

    /// Appends a string whose declared length may differ from the bytes that follow.
    public mutating func appendString(declaredLength: UInt64, bytes raw: [UInt8]) {
        append(declaredLength)
        append(contentsOf: raw)
    }

    /// Appends a value's payload (no type id): scalars as themselves, strings as above, arrays
    /// as `u32` element type, `u64` count and the elements' payloads.
    public mutating func appendValue(_ value: GGUFValue) {
        switch value {
        case .uint8(let v): append(v)
        case .int8(let v): append(v)
        case .uint16(let v): append(v)
        case .int16(let v): append(v)
        case .uint32(let v): append(v)
        case .int32(let v): append(v)
        case .float32(let v): append(v)
        case .bool(let v): append(UInt8(v ? 1 : 0))
        case .string(let v): appendString(v)
        case .uint64(let v): append(v)
        case .int64(let v): append(v)
        case .float64(let v): append(v)
        case .array(let elementType, let elements):
            append(elementType.rawValue)
            append(UInt64(elements.count))
            for element in elements { appendValue(element) }
        }
    }

    /// Appends a key/value pair: key string, `u32` value type id, payload.
    public mutating func appendKeyValue(_ key: String, _ value: GGUFValue) {
        appendString(key)
        append(value.type.rawValue)
        appendValue(value)
    }

    /// Appends a tensor info: name, `u32` n_dims, `u64` dims (ne[0] first), `u32` ggml type id,
    /// `u64` offset relative to the data section. Raw ids allow unknown types.
    public mutating func appendTensorInfo(name: String, dimensions: [UInt64], typeID: UInt32, offset: UInt64) {
        appendString(name)
        append(UInt32(dimensions.count))
        for d in dimensions { append(d) }
        append(typeID)
        append(offset)
    }

    /// The bytes as `Data`.
    public var data: Data { Data(bytes) }

    /// Writes the bytes to `url` atomically.
    public func write(to url: URL) throws {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw GGUFError.writeFailed(path: url.path, reason: "\(error)")
        }
    }
}
