extension GGUFFile {
    /// Dequantises rows `rows` of `tensor` into `output[0 ..< rows.count·rowLength]` without
    /// allocating: the building block of layers that keep their weights in the GGUF encoding and
    /// widen one tile of rows at a time (the bytes stay in the file's memory mapping).
    ///
    /// - Throws: `GGUFError.rowRangeOutOfBounds`, `.unsupportedTensorType` (naming the tensor and
    ///   type), `.tensorNotFound` for a tensor of another file.
    /// - Precondition: `output` holds at least `rows.count × tensor.rowLength` floats.
    public func dequantizeRows(of tensor: GGUFTensorInfo, _ rows: Range<Int>,
                               into output: UnsafeMutablePointer<Float>) throws {
        try checkOwnership(tensor)
        guard rows.lowerBound >= 0, rows.upperBound <= tensor.rowCount else {
            throw GGUFError.rowRangeOutOfBounds(tensor: tensor.name, rows: rows, rowCount: tensor.rowCount)
        }
        let start = tensor.fileOffset + rows.lowerBound * tensor.rowByteSize
        let bytes = UnsafeRawBufferPointer(rebasing: storage.bytes[start..<(start + rows.count * tensor.rowByteSize)])
        let count = rows.count * tensor.rowLength
        try GGMLDequantizer.dequantize(tensor.type, from: bytes, elementCount: count,
                                       into: UnsafeMutableBufferPointer(start: output, count: count), context: tensor.name)
    }
}
