/// Everything that can go wrong reading, validating, dequantising or writing a GGUF file.
///
/// Cases carry the key or tensor name, what was found, what was allowed, and (for defects in
/// the file) the byte offset in the file where the offending field starts. `description`
/// says all of it in one line, in the style of llama.cpp's `gguf.cpp` messages.
public enum GGUFError: Error, CustomStringConvertible, Equatable, Sendable {
    // MARK: I/O
    /// The file could not be opened, stat'ed or mapped (`reason` is the OS error text).
    case cannotOpen(path: String, reason: String)
    /// The file could not be written.
    case writeFailed(path: String, reason: String)

    // MARK: Header
    /// The file ends inside a fixed-size field (`reading` names it).
    case unexpectedEndOfFile(reading: String, offset: Int, needed: Int, available: Int)
    /// The first four bytes are not `"GGUF"`.
    case badMagic(found: [UInt8])
    /// The version is not 2 or 3 (v1 used 32-bit counts and is no longer read by llama.cpp).
    case unsupportedVersion(found: UInt32)
    /// `count` tensor infos need at least `count × 24` bytes; fewer remain after the header.
    case tensorCountExceedsFile(count: UInt64, remainingBytes: Int, offset: Int)
    /// `count` key/value pairs need at least `count × 13` bytes; fewer remain after the header.
    case keyValueCountExceedsFile(count: UInt64, remainingBytes: Int, offset: Int)

    // MARK: Metadata
    /// A string's declared byte length is larger than the bytes left in the file.
    case stringLengthExceedsFile(context: String, length: UInt64, remainingBytes: Int, offset: Int)
    /// A key, tensor name or string value is not valid UTF-8.
    case invalidUTF8(context: String, offset: Int)
    /// An array's declared count × minimum element size is larger than the bytes left.
    case arrayCountExceedsFile(key: String, count: UInt64, elementType: GGUFValueType, remainingBytes: Int, offset: Int)
    /// Arrays nested deeper than `GGUFLimits.maximumArrayNesting`.
    case arrayNestingTooDeep(key: String, depth: Int, maximum: Int, offset: Int)
    /// The metadata arrays together declare more than `GGUFLimits.maximumMetadataArrayElements` elements.
    case metadataTooLarge(key: String, arrayElements: Int, maximum: Int)
    /// A value type id outside 0...12.
    case unknownValueType(key: String, typeID: UInt32, offset: Int)
    /// A bool byte other than 0 or 1.
    case invalidBool(key: String, byte: UInt8, offset: Int)
    /// The same key appears twice.
    case duplicateKey(key: String, offset: Int)
    /// `general.alignment` is present but not a `uint32`.
    case invalidAlignmentType(found: String)
    /// `general.alignment` is zero or not a power of two.
    case invalidAlignment(value: UInt32)

    // MARK: Tensor infos
    /// A tensor name of `GGUFLimits.maximumTensorNameLength` bytes or more (ggml's `GGML_MAX_NAME` is 64 with the NUL).
    case tensorNameTooLong(name: String, length: Int, maximum: Int, offset: Int)
    /// The same tensor name appears twice.
    case duplicateTensorName(name: String, offset: Int)
    /// More than `GGUFLimits.maximumDimensions` (ggml's `GGML_MAX_DIMS` = 4) dimensions.
    case tooManyDimensions(tensor: String, count: UInt32, maximum: Int, offset: Int)
    /// A dimension that is 0 or larger than `Int64.max` (`index` 0 is ne[0]).
    case invalidDimension(tensor: String, index: Int, value: UInt64, offset: Int)
    /// The product of the dimensions overflows `Int64`.
    case elementCountOverflow(tensor: String, dimensions: [UInt64])
    /// A ggml type id this library does not know (see `GGMLType`).
    case unknownTensorType(tensor: String, typeID: UInt32, offset: Int)
    /// ne[0] is not a multiple of the type's block size, so rows do not hold whole blocks.
    case rowNotMultipleOfBlockSize(tensor: String, type: GGMLType, rowLength: Int, blockSize: Int)
    /// elementCount / blockSize × typeSize (or the padded running total) overflows `Int`.
    case tensorByteSizeOverflow(tensor: String, type: GGMLType, elementCount: Int)
    /// A tensor offset (relative to the data section) that is not a multiple of the alignment.
    case tensorOffsetMisaligned(tensor: String, offset: UInt64, alignment: Int)
    /// A tensor whose data would start before the previous tensor's padded end.
    case tensorOffsetOverlap(tensor: String, offset: UInt64, previousTensor: String, previousEnd: Int)
    /// A tensor offset that leaves a gap: tensors must be packed in order, each at the running
    /// sum of the previous tensors' sizes padded to the alignment (as llama.cpp requires).
    case tensorOffsetMismatch(tensor: String, offset: UInt64, expected: Int)
    /// The tensor's bytes [start, start + byteSize) (absolute file offsets) extend past the file.
    case tensorDataOutOfBounds(tensor: String, start: Int, byteSize: Int, fileSize: Int)

    // MARK: Lookups
    /// No metadata entry with this key.
    case missingKey(key: String)
    /// The entry exists with another type than the accessor expects.
    case typeMismatch(key: String, found: String, expected: String)
    /// The entry has the right kind but its value does not fit the requested Swift type.
    case valueOutOfRange(key: String, value: String, expected: String)
    /// No tensor with this name.
    case tensorNotFound(name: String)
    /// A row range outside 0..<rowCount.
    case rowRangeOutOfBounds(tensor: String, rows: Range<Int>, rowCount: Int)

    // MARK: Dequantisation and writing
    /// The type is known (its size is) but `GGMLDequantizer` cannot convert it.
    case unsupportedTensorType(tensor: String, type: GGMLType)
    /// A byte buffer whose size is not what `elementCount` elements of `type` take
    /// (`expectedBytes` is nil when `elementCount` is not a whole number of blocks).
    case bufferSizeMismatch(context: String, type: GGMLType, elementCount: Int, expectedBytes: Int?, actualBytes: Int)
    /// The writer was asked for something it cannot encode as a valid file.
    case invalidWriterInput(reason: String)

    /// One line: what is wrong, where, and what was allowed.
    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open GGUF file '\(path)': \(reason)"
        case let .writeFailed(path, reason):
            return "cannot write GGUF file '\(path)': \(reason)"
        case let .unexpectedEndOfFile(reading, offset, needed, available):
            return "unexpected end of file reading \(reading) at byte \(offset): needed \(needed) bytes, \(available) remain"
        case let .badMagic(found):
            let hex = found.map { String($0, radix: 16) }.joined(separator: " ")
            return "invalid magic bytes [\(hex)] at byte 0: expected \"GGUF\" (47 47 55 46)"
        case let .unsupportedVersion(found):
            return Self.versionMessage(found)
        case let .tensorCountExceedsFile(count, remaining, offset):
            return "tensor count \(count) (byte 8) too large: each tensor info needs at least 24 bytes and only \(remaining) bytes remain after byte \(offset)"
        case let .keyValueCountExceedsFile(count, remaining, offset):
            return "key/value count \(count) (byte 16) too large: each pair needs at least 13 bytes and only \(remaining) bytes remain after byte \(offset)"
        case let .stringLengthExceedsFile(context, length, remaining, offset):
            return "\(context): string length \(length) at byte \(offset) exceeds the \(remaining) bytes remaining in the file"
        case let .invalidUTF8(context, offset):
            return "\(context): string at byte \(offset) is not valid UTF-8"
        case let .arrayCountExceedsFile(key, count, elementType, remaining, offset):
            return "key '\(key)': array<\(elementType)> count \(count) at byte \(offset) needs at least \(elementType.minimumEncodedSize) bytes per element but only \(remaining) bytes remain"
        case let .arrayNestingTooDeep(key, depth, maximum, offset):
            return "key '\(key)': arrays nested \(depth) deep at byte \(offset); at most \(maximum) levels are allowed"
        case let .metadataTooLarge(key, elements, maximum):
            return "key '\(key)': metadata arrays would hold \(elements) elements in total; at most \(maximum) are allowed"
        case let .unknownValueType(key, typeID, offset):
            return "key '\(key)': unknown value type id \(typeID) at byte \(offset); valid ids are 0...12"
        case let .invalidBool(key, byte, offset):
            return "key '\(key)': bool byte \(byte) at byte \(offset); expected 0 or 1"
        case let .duplicateKey(key, offset):
            return "duplicate key '\(key)' at byte \(offset)"
        case let .invalidAlignmentType(found):
            return "key 'general.alignment' has type \(found); expected uint32"
        case let .invalidAlignment(value):
            return "key 'general.alignment' is \(value); expected a non-zero power of two"
        case let .tensorNameTooLong(name, length, maximum, offset):
            return "tensor name '\(name)' at byte \(offset) is \(length) bytes; at most \(maximum) are allowed (GGML_MAX_NAME)"
        case let .duplicateTensorName(name, offset):
            return "duplicate tensor name '\(name)' at byte \(offset)"
        case let .tooManyDimensions(tensor, count, maximum, offset):
            return "tensor '\(tensor)' has \(count) dimensions (byte \(offset)); at most \(maximum) are allowed (GGML_MAX_DIMS)"
        case let .invalidDimension(tensor, index, value, offset):
            return "tensor '\(tensor)' dimension \(index) is \(value) (byte \(offset)); expected 1...\(Int64.max)"
        case let .elementCountOverflow(tensor, dimensions):
            return "tensor '\(tensor)' dimensions \(dimensions) overflow a 64-bit element count"
        case let .unknownTensorType(tensor, typeID, offset):
            return "tensor '\(tensor)' has unknown ggml type id \(typeID) (byte \(offset))"
        case let .rowNotMultipleOfBlockSize(tensor, type, rowLength, blockSize):
            return "tensor '\(tensor)' of type \(type) has \(rowLength) elements per row, not a multiple of the block size \(blockSize)"
        case let .tensorByteSizeOverflow(tensor, type, elementCount):
            return "tensor '\(tensor)' of type \(type) with \(elementCount) elements: byte size overflows"
        case let .tensorOffsetMisaligned(tensor, offset, alignment):
            return "tensor '\(tensor)' has offset \(offset), not a multiple of the alignment \(alignment)"
        case let .tensorOffsetOverlap(tensor, offset, previous, previousEnd):
            return "tensor '\(tensor)' has offset \(offset), overlapping tensor '\(previous)' which ends (padded) at \(previousEnd)"
        case let .tensorOffsetMismatch(tensor, offset, expected):
            return "tensor '\(tensor)' has offset \(offset), expected \(expected) (tensors must be packed in order, each padded to the alignment)"
        case let .tensorDataOutOfBounds(tensor, start, byteSize, fileSize):
            return "tensor '\(tensor)' data [\(start), \(start) + \(byteSize)) extends past the end of the file (\(fileSize) bytes)"
        case let .missingKey(key):
            return "key '\(key)' not found"
        case let .typeMismatch(key, found, expected):
            return "key '\(key)' has type \(found); expected \(expected)"
        case let .valueOutOfRange(key, value, expected):
            return "key '\(key)' has value \(value); expected \(expected)"
        case let .tensorNotFound(name):
            return "tensor '\(name)' not found"
        case let .rowRangeOutOfBounds(tensor, rows, rowCount):
            return "tensor '\(tensor)': rows \(rows) out of bounds; the tensor has rows 0..<\(rowCount)"
        case let .unsupportedTensorType(tensor, type):
            let supported = GGMLDequantizer.supportedTypes.map(\.description).joined(separator: ", ")
            return "unsupported tensor type \(type) for tensor \(tensor); supported: \(supported)"
        case let .bufferSizeMismatch(context, type, elementCount, expected, actual):
            let want = expected.map { "\($0) bytes" } ?? "a multiple of \(type.blockSize) elements"
            return "\(context): \(elementCount) elements of type \(type) need \(want), got \(actual) bytes"
        case let .invalidWriterInput(reason):
            return "GGUF writer: \(reason)"
        }
    }

    private static func versionMessage(_ found: UInt32) -> String {
        let supported = "supported versions are 2 and 3"
        if found == 1 {
            return "GGUF version 1 is no longer supported (v1 used 32-bit counts); \(supported)"
        }
        if found & 0xFFFF == 0, (2...3).contains(found.byteSwapped) {
            return "GGUF version \(found) looks byte-swapped: the file is probably big-endian; only little-endian files are read (\(supported))"
        }
        return "GGUF version \(found) is not supported; \(supported)"
    }
}
