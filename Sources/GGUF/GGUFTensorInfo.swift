/// One validated tensor info of a GGUF file.
///
/// Shapes follow ggml: `dimensions[0]` is ne[0], the fastest-varying (contiguous) axis, so a
/// 2-D weight stored as `[ne0, ne1]` is `ne1` rows of `ne0` elements, i.e. a row-major
/// `ne1 × ne0` matrix in numpy/PyTorch order (the `gguf` Python package reports the same
/// `shape` list, ne[0] first).
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor name, e.g. `"blk.0.attn_q.weight"` (at most 63 UTF-8 bytes).
    public let name: String
    /// The element type.
    public let type: GGMLType
    /// ne[0], ne[1], … (fastest first), 0 to 4 entries, each ≥ 1.
    public let dimensions: [Int]
    /// Product of `dimensions` (1 for a 0-dimensional tensor).
    public let elementCount: Int
    /// Bytes of tensor data: `elementCount / type.blockSize × type.typeSize` (unpadded).
    public let byteSize: Int
    /// Offset of the data relative to the start of the data section (a multiple of the alignment).
    public let offset: Int
    /// Absolute offset of the data in the file (`dataOffset + offset`).
    public let fileOffset: Int

    /// Elements per row: ne[0] (1 for a 0-dimensional tensor). Always a multiple of `type.blockSize`.
    public var rowLength: Int { dimensions.first ?? 1 }

    /// Number of rows: `elementCount / rowLength` (the product of ne[1…]).
    public var rowCount: Int { elementCount / rowLength }

    /// Bytes per row: `rowLength / type.blockSize × type.typeSize`.
    public var rowByteSize: Int { rowLength / type.blockSize * type.typeSize }

    init(name: String, type: GGMLType, dimensions: [Int], elementCount: Int,
         byteSize: Int, offset: Int, fileOffset: Int) {
        self.name = name
        self.type = type
        self.dimensions = dimensions
        self.elementCount = elementCount
        self.byteSize = byteSize
        self.offset = offset
        self.fileOffset = fileOffset
    }
}
