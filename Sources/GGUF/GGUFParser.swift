/// The result of parsing and validating a whole GGUF file (everything but the tensor data).
struct GGUFParsedLayout {
    var version: UInt32
    var metadata: GGUFMetadata
    var alignment: Int
    var tensors: [GGUFTensorInfo]
    var dataOffset: Int
}

/// Parses a GGUF file: header, key/value pairs, tensor infos, then validates the data layout.
///
/// Hardening follows llama.cpp's `ggml/src/gguf.cpp` (`gguf_init_from_file_impl`): every count
/// and length is checked against the bytes remaining before anything is allocated, and every
/// defect is a `GGUFError` naming the key or tensor and the byte offset.
struct GGUFParser {
    var cursor: GGUFByteCursor
    /// Array elements parsed so far, bounded by `GGUFLimits.maximumMetadataArrayElements`.
    private var arrayElementsParsed = 0

    init(bytes: UnsafeRawBufferPointer) {
        cursor = GGUFByteCursor(bytes)
    }

    mutating func parse() throws -> GGUFParsedLayout {
        let (version, tensorCount, keyValueCount) = try parseHeader()
        let metadata = try GGUFMetadata(entries: parseMetadata(count: keyValueCount))
        let alignment = try Self.alignment(in: metadata)
        let infos = try parseTensorInfos(count: tensorCount)
        let dataOffset = cursor.offset.roundedUp(toMultipleOf: alignment) ?? Int.max
        let tensors = try Self.validateLayout(infos, alignment: alignment, dataOffset: dataOffset,
                                              fileSize: cursor.bytes.count)
        return GGUFParsedLayout(version: version, metadata: metadata, alignment: alignment,
                                tensors: tensors, dataOffset: dataOffset)
    }

    // MARK: Header

    /// Magic, version, tensor count and key/value count, with the counts bounded by the file size.
    mutating func parseHeader() throws -> (version: UInt32, tensorCount: Int, keyValueCount: Int) {
        let magic = try cursor.readBytes(4, "magic")
        guard Array(magic) == Array("GGUF".utf8) else { throw GGUFError.badMagic(found: Array(magic)) }
        let version = try cursor.read(UInt32.self, "version")
        guard GGUFLimits.supportedVersions.contains(version) else {
            throw GGUFError.unsupportedVersion(found: version)
        }
        let tensorCount = try cursor.read(UInt64.self, "tensor count")
        let keyValueCount = try cursor.read(UInt64.self, "key/value count")
        let remaining = cursor.remaining
        guard tensorCount <= UInt64(remaining / GGUFLimits.minimumTensorInfoSize) else {
            throw GGUFError.tensorCountExceedsFile(count: tensorCount, remainingBytes: remaining, offset: cursor.offset)
        }
        guard keyValueCount <= UInt64(remaining / GGUFLimits.minimumKeyValueSize) else {
            throw GGUFError.keyValueCountExceedsFile(count: keyValueCount, remainingBytes: remaining, offset: cursor.offset)
        }
        return (version, Int(tensorCount), Int(keyValueCount))
    }

    // MARK: Metadata

    mutating func parseMetadata(count: Int) throws -> [GGUFMetadataEntry] {
        var entries: [GGUFMetadataEntry] = []
        entries.reserveCapacity(count)
        var seen = Set<GGUFByteKey>(minimumCapacity: count)
        for index in 0..<count {
            let keyOffset = cursor.offset
            let key = try cursor.readString("key of key/value pair \(index)")
            guard seen.insert(GGUFByteKey(key)).inserted else {
                throw GGUFError.duplicateKey(key: key, offset: keyOffset)
            }
            let type = try readValueType(key: key)
            let value = try parseValue(type, key: key, depth: 0)
            entries.append(GGUFMetadataEntry(key: key, value: value))
        }
        return entries
    }

    private mutating func readValueType(key: String) throws -> GGUFValueType {
        let offset = cursor.offset
        let id = try cursor.read(UInt32.self, "value type of key '\(key)'")
        guard let type = GGUFValueType(rawValue: id) else {
            throw GGUFError.unknownValueType(key: key, typeID: id, offset: offset)
        }
        return type
    }

    /// One value of `type`; `depth` is the number of enclosing arrays.
    private mutating func parseValue(_ type: GGUFValueType, key: String, depth: Int) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try cursor.read(UInt8.self, "uint8 value of key '\(key)'"))
        case .int8: return .int8(try cursor.read(Int8.self, "int8 value of key '\(key)'"))
        case .uint16: return .uint16(try cursor.read(UInt16.self, "uint16 value of key '\(key)'"))
        case .int16: return .int16(try cursor.read(Int16.self, "int16 value of key '\(key)'"))
        case .uint32: return .uint32(try cursor.read(UInt32.self, "uint32 value of key '\(key)'"))
        case .int32: return .int32(try cursor.read(Int32.self, "int32 value of key '\(key)'"))
        case .uint64: return .uint64(try cursor.read(UInt64.self, "uint64 value of key '\(key)'"))
        case .int64: return .int64(try cursor.read(Int64.self, "int64 value of key '\(key)'"))
        case .float32:
            return .float32(Float(bitPattern: try cursor.read(UInt32.self, "float32 value of key '\(key)'")))
        case .float64:
            return .float64(Double(bitPattern: try cursor.read(UInt64.self, "float64 value of key '\(key)'")))
        case .bool:
            let offset = cursor.offset
            let byte = try cursor.read(UInt8.self, "bool value of key '\(key)'")
            guard byte <= 1 else { throw GGUFError.invalidBool(key: key, byte: byte, offset: offset) }
            return .bool(byte == 1)
        case .string:
            return .string(try cursor.readString("value of key '\(key)'"))
        case .array:
            return try parseArray(key: key, depth: depth + 1)
        }
    }

    /// An array header (element type, count) and its elements; the count is bounded by the
    /// bytes remaining (count × minimum element size) before any storage is reserved.
    private mutating func parseArray(key: String, depth: Int) throws -> GGUFValue {
        let headerOffset = cursor.offset
        guard depth <= GGUFLimits.maximumArrayNesting else {
            throw GGUFError.arrayNestingTooDeep(key: key, depth: depth, maximum: GGUFLimits.maximumArrayNesting,
                                                offset: headerOffset)
        }
        let elementType = try readValueType(key: key)
        let countOffset = cursor.offset
        let count = try cursor.read(UInt64.self, "array count of key '\(key)'")
        let remaining = cursor.remaining
        guard count <= UInt64(remaining / elementType.minimumEncodedSize) else {
            throw GGUFError.arrayCountExceedsFile(key: key, count: count, elementType: elementType,
                                                  remainingBytes: remaining, offset: countOffset)
        }
        let (total, overflow) = arrayElementsParsed.addingReportingOverflow(Int(count))
        guard !overflow, total <= GGUFLimits.maximumMetadataArrayElements else {
            throw GGUFError.metadataTooLarge(key: key, arrayElements: total, maximum: GGUFLimits.maximumMetadataArrayElements)
        }
        arrayElementsParsed = total
        var elements: [GGUFValue] = []
        elements.reserveCapacity(Int(count))
        // Elements carry no per-element type tag; an element of an array<array> is itself an
        // array header (element type, count) followed by its elements.
        for _ in 0..<Int(count) {
            elements.append(try parseValue(elementType, key: key, depth: depth))
        }
        return .array(elementType: elementType, elements: elements)
    }

    // MARK: Alignment

    /// `general.alignment` if present (must be a uint32 non-zero power of two), else 32.
    static func alignment(in metadata: GGUFMetadata) throws -> Int {
        guard let value = metadata.value(forKey: GGUFLimits.alignmentKey) else { return GGUFLimits.defaultAlignment }
        guard case .uint32(let alignment) = value else {
            throw GGUFError.invalidAlignmentType(found: value.typeDescription)
        }
        guard alignment != 0, alignment & (alignment - 1) == 0 else {
            throw GGUFError.invalidAlignment(value: alignment)
        }
        return Int(alignment)
    }
}
