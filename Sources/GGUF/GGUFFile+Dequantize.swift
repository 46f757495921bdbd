extension GGUFFile {
    /// All `tensor.elementCount` elements as `Float`, in storage order (ne[0] fastest).
    ///
    /// - Throws: `GGUFError.unsupportedTensorType` for a known type that `GGMLDequantizer` does
    ///   not convert (its size is still known, so `rawBytes(of:)` works), `tensorNotFound` if
    ///   `tensor` is not one of this file's tensors.
    public func dequantize(_ tensor: GGUFTensorInfo) throws -> [Float] {
        try dequantizeRows(of: tensor, 0..<tensor.rowCount)
    }

    /// All elements of the tensor named `name` as `Float` (see `dequantize(_:)`).
    public func dequantize(tensorNamed name: String) throws -> [Float] {
        try dequantize(tensor(named: name))
    }

    /// Rows `rows` of the tensor (a row is ne[0] = `tensor.rowLength` contiguous elements, so a
    /// row of a `[576, 49152]` embedding is one token's vector): `rows.count × rowLength` floats.
    ///
    /// - Throws: `GGUFError.rowRangeOutOfBounds` unless `0 ≤ rows.lowerBound ≤ rows.upperBound ≤
    ///   tensor.rowCount`; the errors of `dequantize(_:)`.
    public func dequantizeRows(of tensor: GGUFTensorInfo, _ rows: Range<Int>) throws -> [Float] {
        try checkOwnership(tensor)
        guard rows.lowerBound >= 0, rows.upperBound <= tensor.rowCount else {
            throw GGUFError.rowRangeOutOfBounds(tensor: tensor.name, rows: rows, rowCount: tensor.rowCount)
        }
        guard GGMLDequantizer.supportedTypes.contains(tensor.type) else {
            throw GGUFError.unsupportedTensorType(tensor: tensor.name, type: tensor.type)
        }
        let start = tensor.fileOffset + rows.lowerBound * tensor.rowByteSize
        let byteCount = rows.count * tensor.rowByteSize
        let elementCount = rows.count * tensor.rowLength
        let bytes = UnsafeRawBufferPointer(rebasing: storage.bytes[start..<(start + byteCount)])
        return try GGMLDequantizer.makeFloats(count: elementCount) { output in
            try GGMLDequantizer.dequantize(tensor.type, from: bytes, elementCount: elementCount,
                                           into: output, context: tensor.name)
        }
    }
}
