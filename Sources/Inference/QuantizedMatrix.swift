import GGUF

/// A weight matrix that stays in its GGUF encoding (F32, F16, BF16, Q8_0, Q4_0, Q4_1, K-quants —
/// whatever `GGMLDequantizer` converts), read from the file's read-only memory mapping and
/// widened to float32 one tile of rows at a time by `Linear` and the output head, or, for
/// products of few rows, read in place by the integer dot kernels (`Linear.applyIntegerDot`), or,
/// for many rows over K-quants, repacked one panel at a time by the integer GEMM
/// (`Linear.applyIntegerGemm`).
///
/// Row-major [rows, columns] = GGUF ne [columns, rows] (ne0 fastest), the same layout as the
/// float32 path's `[out, in]` arrays. Resident memory is `byteCount` (the file's pages), e.g.
/// 20 bytes per 32 weights for Q4_1 instead of 128 for float32.
public struct QuantizedMatrix: Sendable {
    /// The file whose mapping holds the bytes (kept alive by this reference).
    public let file: GGUFFile
    /// The tensor's entry in `file`.
    public let tensor: GGUFTensorInfo

    /// Wraps `tensor` of `file`. Throws `InferenceError.tensorUnreadable` naming the tensor and
    /// its type when `GGMLDequantizer` cannot convert that type (or the tensor is not `file`'s).
    public init(file: GGUFFile, tensor: GGUFTensorInfo) throws {
        guard tensor.type.isDequantizable else {
            throw InferenceError.tensorUnreadable(
                name: tensor.name, reason: "\(GGUFError.unsupportedTensorType(tensor: tensor.name, type: tensor.type))")
        }
        guard file.containsTensor(named: tensor.name), (try? file.tensor(named: tensor.name)) == tensor else {
            throw InferenceError.tensorUnreadable(name: tensor.name, reason: "not a tensor of this file")
        }
        self.file = file
        self.tensor = tensor
    }

    /// Rows (output features) = the tensor's row count.
    public var rows: Int { tensor.rowCount }
    /// Columns (input features) = ne0.
    public var columns: Int { tensor.rowLength }
    /// The element type.
    public var type: GGMLType { tensor.type }
    /// Encoded size in bytes (the memory this matrix keeps resident once its pages are touched).
    public var byteCount: Int { tensor.byteSize }

    /// Widens rows `range` into `output[0 ..< range.count·columns]`. The type and bounds were
    /// checked at construction, so a failure here is a programming error.
    func dequantize(rows range: Range<Int>, into output: UnsafeMutablePointer<Float>) {
        do {
            try file.dequantizeRows(of: tensor, range, into: output)
        } catch {
            preconditionFailure("rows \(range) of '\(tensor.name)' were validated at load: \(error)")
        }
    }
}

extension QuantizedMatrix {
    /// Calls `body` with the address of row 0's encoded bytes in the file's mapping; row r starts
    /// `r · tensor.rowByteSize` bytes later. The pointer must not escape `body`.
    func withRowBytes<R>(_ body: (UnsafeRawPointer) throws -> R) rethrows -> R {
        let bytes: GGUFBytes
        do {
            bytes = try file.rawBytes(of: tensor)
        } catch {
            preconditionFailure("'\(tensor.name)' was checked to belong to its file at construction: \(error)")
        }
        return try bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else {
                preconditionFailure("'\(tensor.name)' has \(buffer.count) bytes mapped")
            }
            return try body(base)
        }
    }

    /// Throws `InferenceError.nonFiniteWeight` (tensor name, flat row-major index) for the first
    /// NaN/±inf of the widened values, scanning one panel of rows at a time.
    func checkFinite() throws {
        let tile = max(1, Linear.panelBytes / (4 * max(1, columns)))
        let panel = UnsafeMutablePointer<Float>.allocate(capacity: tile * columns)
        defer { panel.deallocate() }
        for start in stride(from: 0, to: rows, by: tile) {
            let count = min(tile, rows - start)
            dequantize(rows: start..<(start + count), into: panel)
            for i in 0..<(count * columns) where !panel[i].isFinite {
                throw InferenceError.nonFiniteWeight(name: tensor.name, index: start * columns + i)
            }
        }
    }
}
