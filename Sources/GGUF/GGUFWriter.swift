import Foundation

/// Builds valid GGUF files: metadata of every value type (nested arrays included) and tensors
/// stored as F32, F16 or BF16 from `Float`s, or as raw pre-quantised bytes of any `GGMLType`.
///
/// Layout (what `GGUFFile` reads back): header, `general.alignment` first when the alignment is
/// not 32, the metadata in insertion order, the tensor infos with offsets equal to the running
/// sum of padded sizes, zero padding to the alignment, then each tensor's data followed by
/// zero padding to the alignment (like the `gguf` Python package's writer).
///
/// Everything the reader would reject is rejected here with a `GGUFError`, so a writer-made
/// file always parses; use `GGUFByteBuilder` for deliberately malformed files.
public struct GGUFWriter: Sendable {
    /// Data-section alignment in bytes (a power of two).
    public let alignment: Int
    /// The version written (2 or 3; the encodings are identical for little-endian files).
    public let version: UInt32
    /// The metadata added so far, in order (without the automatic `general.alignment`).
    public private(set) var metadata: [GGUFMetadataEntry] = []
    private var keys: Set<GGUFByteKey> = []
    private var tensors: [PendingTensor] = []
    private var tensorNames: Set<GGUFByteKey> = []

    private struct PendingTensor: Sendable {
        var name: String
        var type: GGMLType
        var dimensions: [Int]
        var data: [UInt8]
    }

    /// - Parameters:
    ///   - alignment: a power of two ≥ 1 that fits `UInt32` (default 32).
    ///   - version: 2 or 3 (default 3).
    public init(alignment: Int = GGUFLimits.defaultAlignment, version: UInt32 = 3) throws {
        guard alignment > 0, alignment & (alignment - 1) == 0, alignment <= Int(UInt32.max) else {
            throw GGUFError.invalidWriterInput(reason: "alignment \(alignment) is not a power of two in 1...2^31")
        }
        guard GGUFLimits.supportedVersions.contains(version) else {
            throw GGUFError.invalidWriterInput(reason: "version \(version) is not 2 or 3")
        }
        self.alignment = alignment
        self.version = version
    }

    /// Adds a key/value pair. `general.alignment` is reserved (set it with `init(alignment:)`);
    /// keys must be unique; every array's elements must have its declared element type.
    public mutating func addMetadata(_ key: String, _ value: GGUFValue) throws {
        guard key != GGUFLimits.alignmentKey else {
            throw GGUFError.invalidWriterInput(reason: "key '\(key)' is written from init(alignment:)")
        }
        guard !keys.contains(GGUFByteKey(key)) else { throw GGUFError.duplicateKey(key: key, offset: -1) }
        try Self.checkArrayTypes(value, key: key, depth: 0)
        keys.insert(GGUFByteKey(key))
        metadata.append(GGUFMetadataEntry(key: key, value: value))
    }

    /// Adds a tensor from `values` (`elementCount` floats, ne[0] fastest) stored as `type`:
    /// `.f32` (exact), `.f16` or `.bf16` (round to nearest even).
    public mutating func addTensor(name: String, dimensions: [Int], values: [Float], storedAs type: GGMLType = .f32) throws {
        let elementCount = try Self.checkTensor(name: name, type: type, dimensions: dimensions)
        guard values.count == elementCount else {
            throw GGUFError.invalidWriterInput(reason: "tensor '\(name)' has dimensions \(dimensions) (\(elementCount) elements) but \(values.count) values")
        }
        var builder = GGUFByteBuilder()
        switch type {
        case .f32: for v in values { builder.append(v) }
        case .f16: for v in values { builder.append(HalfPrecision.float16Bits(from: v)) }
        case .bf16: for v in values { builder.append(HalfPrecision.bfloat16Bits(from: v)) }
        default:
            throw GGUFError.invalidWriterInput(reason: "tensor '\(name)': Float values can be stored as F32, F16 or BF16, not \(type); pass raw bytes for quantised types")
        }
        try appendTensor(PendingTensor(name: name, type: type, dimensions: dimensions, data: builder.bytes))
    }

    /// Adds a tensor of any type from its raw bytes (whole blocks, `type.byteCount(forElementCount:)` of them).
    public mutating func addTensor<Bytes: Collection>(name: String, type: GGMLType, dimensions: [Int], rawBytes: Bytes) throws
    where Bytes.Element == UInt8 {
        let elementCount = try Self.checkTensor(name: name, type: type, dimensions: dimensions)
        let expected = type.byteCount(forElementCount: elementCount)
        guard rawBytes.count == expected else {
            throw GGUFError.bufferSizeMismatch(context: "tensor '\(name)'", type: type, elementCount: elementCount,
                                               expectedBytes: expected, actualBytes: rawBytes.count)
        }
        try appendTensor(PendingTensor(name: name, type: type, dimensions: dimensions, data: Array(rawBytes)))
    }

    private mutating func appendTensor(_ tensor: PendingTensor) throws {
        guard tensorNames.insert(GGUFByteKey(tensor.name)).inserted else {
            throw GGUFError.duplicateTensorName(name: tensor.name, offset: -1)
        }
        tensors.append(tensor)
    }

    /// The complete file.
    public func serialized() -> [UInt8] {
        var b = GGUFByteBuilder()
        let alignmentEntry = alignment == GGUFLimits.defaultAlignment ? 0 : 1
        b.appendHeader(version: version, tensorCount: UInt64(tensors.count),
                       keyValueCount: UInt64(metadata.count + alignmentEntry))
        if alignmentEntry == 1 { b.appendKeyValue(GGUFLimits.alignmentKey, .uint32(UInt32(alignment))) }
        for entry in metadata { b.appendKeyValue(entry.key, entry.value) }
        var offset = 0
        for tensor in tensors {
            b.appendTensorInfo(name: tensor.name, dimensions: tensor.dimensions.map { UInt64($0) },
                               typeID: tensor.type.rawValue, offset: UInt64(offset))
            offset += (tensor.data.count + alignment - 1) / alignment * alignment
        }
        b.pad(toMultipleOf: alignment)
        for tensor in tensors {
            b.append(contentsOf: tensor.data)
            b.pad(toMultipleOf: alignment)
        }
        return b.bytes
    }

    /// Writes the file to `url` atomically.
    public func write(to url: URL) throws {
        do {
            try Data(serialized()).write(to: url, options: .atomic)
        } catch {
            throw GGUFError.writeFailed(path: url.path, reason: "\(error)")
        }
    }

    // MARK: Validation

    /// Element count of a tensor the reader would accept, or an error saying why not.
    private static func checkTensor(name: String, type: GGMLType, dimensions: [Int]) throws -> Int {
        let length = name.utf8.count
        guard length <= GGUFLimits.maximumTensorNameLength else {
            throw GGUFError.tensorNameTooLong(name: name, length: length, maximum: GGUFLimits.maximumTensorNameLength, offset: -1)
        }
        guard dimensions.count <= GGUFLimits.maximumDimensions else {
            throw GGUFError.tooManyDimensions(tensor: name, count: UInt32(dimensions.count), maximum: GGUFLimits.maximumDimensions, offset: -1)
        }
        var count = 1
        for (i, d) in dimensions.enumerated() {
            guard d >= 1 else {
                throw GGUFError.invalidWriterInput(reason: "tensor '\(name)' dimension \(i) is \(d); expected ≥ 1")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw GGUFError.elementCountOverflow(tensor: name, dimensions: dimensions.map { UInt64($0) }) }
            count = product
        }
        let rowLength = dimensions.first ?? 1
        guard rowLength % type.blockSize == 0 else {
            throw GGUFError.rowNotMultipleOfBlockSize(tensor: name, type: type, rowLength: rowLength, blockSize: type.blockSize)
        }
        return count
    }

    private static func checkArrayTypes(_ value: GGUFValue, key: String, depth: Int) throws {
        guard case .array(let elementType, let elements) = value else { return }
        guard depth < GGUFLimits.maximumArrayNesting else {
            throw GGUFError.arrayNestingTooDeep(key: key, depth: depth + 1, maximum: GGUFLimits.maximumArrayNesting, offset: -1)
        }
        for element in elements {
            guard element.type == elementType else {
                throw GGUFError.invalidWriterInput(reason: "key '\(key)': array<\(elementType)> holds a \(element.typeDescription)")
            }
            try checkArrayTypes(element, key: key, depth: depth + 1)
        }
    }
}
