/// Converts ggml tensor bytes to `Float` for F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K,
/// Q3_K, Q4_K, Q5_K and Q6_K (the types behind llama.cpp's Q4_K_M / Q5_K_M / Q8_0 mixes).
///
/// Results are bit-identical to ggml's reference `dequantize_row_*` and to
/// `gguf.quants.dequantize` of the `gguf` Python package (see `DequantizeKernels`).
/// Throughput is a few hundred million elements per second per core in release builds.
public enum GGMLDequantizer {
    /// The types this dequantiser converts, in the order error messages list them.
    public static let supportedTypes: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1,
                                                     .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    /// Dequantises `elementCount` elements of `type` from `bytes` into `output[0..<elementCount]`.
    ///
    /// - Parameters:
    ///   - type: the element type; must be in `supportedTypes`.
    ///   - bytes: exactly `type.byteCount(forElementCount: elementCount)` bytes (whole blocks).
    ///   - elementCount: a multiple of `type.blockSize`, ≥ 0.
    ///   - output: at least `elementCount` floats (a smaller buffer is a programmer error).
    ///   - context: the tensor name or label used in error messages.
    /// - Throws: `GGUFError.unsupportedTensorType`, `GGUFError.bufferSizeMismatch`.
    public static func dequantize(_ type: GGMLType, from bytes: UnsafeRawBufferPointer, elementCount: Int,
                                  into output: UnsafeMutableBufferPointer<Float>, context: String = "buffer") throws {
        guard supportedTypes.contains(type) else {
            throw GGUFError.unsupportedTensorType(tensor: context, type: type)
        }
        let expected = type.byteCount(forElementCount: elementCount)
        guard let expected, expected == bytes.count else {
            throw GGUFError.bufferSizeMismatch(context: context, type: type, elementCount: elementCount,
                                               expectedBytes: expected, actualBytes: bytes.count)
        }
        precondition(output.count >= elementCount,
                     "output holds \(output.count) floats; \(elementCount) needed")
        guard elementCount > 0, let src = bytes.baseAddress, let dst = output.baseAddress else { return }
        let blocks = elementCount / type.blockSize
        switch type {
        case .f32: DequantizeKernels.f32(src, dst, count: elementCount)
        case .f16: DequantizeKernels.f16(src, dst, count: elementCount)
        case .bf16: DequantizeKernels.bf16(src, dst, count: elementCount)
        case .q4_0: DequantizeKernels.q4_0(src, dst, blocks: blocks)
        case .q4_1: DequantizeKernels.q4_1(src, dst, blocks: blocks)
        case .q8_0: DequantizeKernels.q8_0(src, dst, blocks: blocks)
        case .q5_0: DequantizeKernels.q5_0(src, dst, blocks: blocks)
        case .q5_1: DequantizeKernels.q5_1(src, dst, blocks: blocks)
        case .q2_K: DequantizeKernels.q2_K(src, dst, blocks: blocks)
        case .q3_K: DequantizeKernels.q3_K(src, dst, blocks: blocks)
        case .q4_K: DequantizeKernels.q4_K(src, dst, blocks: blocks)
        case .q5_K: DequantizeKernels.q5_K(src, dst, blocks: blocks)
        case .q6_K: DequantizeKernels.q6_K(src, dst, blocks: blocks)
        default: throw GGUFError.unsupportedTensorType(tensor: context, type: type)
        }
    }

    /// Dequantises `elementCount` elements of `type` from `bytes` into a new array of
    /// `elementCount` floats (same rules as the buffer variant).
    public static func dequantize<Bytes: Collection>(_ type: GGMLType, bytes: Bytes, elementCount: Int,
                                                     context: String = "buffer") throws -> [Float]
    where Bytes.Element == UInt8 {
        let contiguous = bytes.withContiguousStorageIfAvailable { buffer in
            Result { try dequantizeContiguous(type, buffer, elementCount, context) }
        }
        if let contiguous { return try contiguous.get() }
        return try Array(bytes).withUnsafeBufferPointer { try dequantizeContiguous(type, $0, elementCount, context) }
    }

    private static func dequantizeContiguous(_ type: GGMLType, _ bytes: UnsafeBufferPointer<UInt8>,
                                             _ elementCount: Int, _ context: String) throws -> [Float] {
        try makeFloats(count: elementCount) { output in
            try dequantize(type, from: UnsafeRawBufferPointer(bytes), elementCount: elementCount,
                           into: output, context: context)
        }
    }

    /// A new array of `count` floats filled by `fill` (which must write all of them), without
    /// zero-initialising first. A negative count is treated as 0.
    static func makeFloats(count: Int, _ fill: (UnsafeMutableBufferPointer<Float>) throws -> Void) throws -> [Float] {
        let count = Swift.max(count, 0)
        return try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            try fill(UnsafeMutableBufferPointer(rebasing: buffer[0..<count]))
            initialized = count
        }
    }
}
