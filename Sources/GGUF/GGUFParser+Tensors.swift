/// A tensor info as read, before its offset is checked against the layout.
struct GGUFRawTensorInfo {
    var name: String
    var type: GGMLType
    var dimensions: [Int]
    var elementCount: Int
    var byteSize: Int
    var offset: UInt64
}

extension GGUFParser {
    /// Reads `count` tensor infos, validating each field as soon as it is read (same order and
    /// checks as llama.cpp `gguf.cpp`: name, n_dims ≤ GGML_MAX_DIMS, dims, overflow, type,
    /// ne[0] % block size), with the stricter rule that every dimension is ≥ 1.
    mutating func parseTensorInfos(count: Int) throws -> [GGUFRawTensorInfo] {
        var infos: [GGUFRawTensorInfo] = []
        infos.reserveCapacity(count)
        var seen = Set<GGUFByteKey>(minimumCapacity: count)
        for index in 0..<count {
            let nameOffset = cursor.offset
            let name = try cursor.readString("name of tensor info \(index)")
            let nameLength = name.utf8.count
            guard nameLength <= GGUFLimits.maximumTensorNameLength else {
                throw GGUFError.tensorNameTooLong(name: name, length: nameLength,
                                                  maximum: GGUFLimits.maximumTensorNameLength, offset: nameOffset)
            }
            guard seen.insert(GGUFByteKey(name)).inserted else {
                throw GGUFError.duplicateTensorName(name: name, offset: nameOffset)
            }
            infos.append(try parseTensorInfoBody(name: name))
        }
        return infos
    }

    /// n_dims, dims, type and offset of the tensor `name`.
    private mutating func parseTensorInfoBody(name: String) throws -> GGUFRawTensorInfo {
        let dimsOffset = cursor.offset
        let dimensionCount = try cursor.read(UInt32.self, "n_dims of tensor '\(name)'")
        guard dimensionCount <= UInt32(GGUFLimits.maximumDimensions) else {
            throw GGUFError.tooManyDimensions(tensor: name, count: dimensionCount,
                                              maximum: GGUFLimits.maximumDimensions, offset: dimsOffset)
        }
        var rawDimensions: [UInt64] = []
        for index in 0..<Int(dimensionCount) {
            let offset = cursor.offset
            let value = try cursor.read(UInt64.self, "dimension \(index) of tensor '\(name)'")
            guard value >= 1, value <= UInt64(Int64.max) else {
                throw GGUFError.invalidDimension(tensor: name, index: index, value: value, offset: offset)
            }
            rawDimensions.append(value)
        }
        let dimensions = rawDimensions.map { Int($0) }
        var elementCount = 1
        for d in dimensions {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: d)
            guard !overflow else { throw GGUFError.elementCountOverflow(tensor: name, dimensions: rawDimensions) }
            elementCount = product
        }
        let typeOffset = cursor.offset
        let typeID = try cursor.read(UInt32.self, "type of tensor '\(name)'")
        guard let type = GGMLType(rawValue: typeID) else {
            throw GGUFError.unknownTensorType(tensor: name, typeID: typeID, offset: typeOffset)
        }
        let rowLength = dimensions.first ?? 1
        guard rowLength % type.blockSize == 0 else {
            throw GGUFError.rowNotMultipleOfBlockSize(tensor: name, type: type, rowLength: rowLength,
                                                      blockSize: type.blockSize)
        }
        guard let byteSize = type.byteCount(forElementCount: elementCount) else {
            throw GGUFError.tensorByteSizeOverflow(tensor: name, type: type, elementCount: elementCount)
        }
        let offset = try cursor.read(UInt64.self, "offset of tensor '\(name)'")
        return GGUFRawTensorInfo(name: name, type: type, dimensions: dimensions,
                                 elementCount: elementCount, byteSize: byteSize, offset: offset)
    }

    /// Checks that tensors are packed in order: each offset is a multiple of `alignment` and
    /// equals the running sum of the previous tensors' byte sizes, each padded to `alignment`
    /// (llama.cpp: `ti.offset != ctx->size` is an error), and that each tensor's bytes lie
    /// inside the file.
    static func validateLayout(_ infos: [GGUFRawTensorInfo], alignment: Int, dataOffset: Int,
                               fileSize: Int) throws -> [GGUFTensorInfo] {
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(infos.count)
        var expected = 0
        for info in infos {
            guard info.offset % UInt64(alignment) == 0 else {
                throw GGUFError.tensorOffsetMisaligned(tensor: info.name, offset: info.offset, alignment: alignment)
            }
            if info.offset < UInt64(expected), let previous = tensors.last {
                throw GGUFError.tensorOffsetOverlap(tensor: info.name, offset: info.offset,
                                                    previousTensor: previous.name, previousEnd: expected)
            }
            guard info.offset == UInt64(expected) else {
                throw GGUFError.tensorOffsetMismatch(tensor: info.name, offset: info.offset, expected: expected)
            }
            let (start, startOverflow) = dataOffset.addingReportingOverflow(expected)
            let (end, endOverflow) = start.addingReportingOverflow(info.byteSize)
            guard !startOverflow, !endOverflow, end <= fileSize else {
                throw GGUFError.tensorDataOutOfBounds(tensor: info.name, start: start, byteSize: info.byteSize,
                                                      fileSize: fileSize)
            }
            tensors.append(GGUFTensorInfo(name: info.name, type: info.type, dimensions: info.dimensions,
                                          elementCount: info.elementCount, byteSize: info.byteSize,
                                          offset: expected, fileOffset: start))
            guard let padded = info.byteSize.roundedUp(toMultipleOf: alignment),
                  case let (next, overflow) = expected.addingReportingOverflow(padded), !overflow else {
                throw GGUFError.tensorByteSizeOverflow(tensor: info.name, type: info.type, elementCount: info.elementCount)
            }
            expected = next
        }
        return tensors
    }
}
