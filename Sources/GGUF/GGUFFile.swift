import Foundation

/// A parsed, validated GGUF file (versions 2 and 3, little-endian) whose tensor data stays
/// memory-mapped.
///
/// Opening parses the header, all metadata and all tensor infos and validates the whole
/// layout (see `GGUFError` for every check); after that, tensor bytes are read lazily from the
/// mapping. File format only: no model semantics.
///
/// ```swift
/// let file = try GGUFFile(path: "models/SmolLM2-135M-Instruct.Q4_1.gguf")
/// let layers = try file.metadata.int(forKey: "llama.block_count")
/// let embedding = try file.tensor(named: "token_embd.weight")   // dimensions [576, 49152]
/// let row = try file.dequantizeRows(of: embedding, 42..<43)       // 576 floats
/// ```
public final class GGUFFile: Sendable {
    /// The file path, or nil for a file parsed from memory.
    public let path: String?
    /// The GGUF version (2 or 3).
    public let version: UInt32
    /// The key/value metadata in file order, with lookup by key and typed accessors.
    public let metadata: GGUFMetadata
    /// The tensor infos in file order (which is also data-section order).
    public let tensors: [GGUFTensorInfo]
    /// Data-section alignment in bytes (`general.alignment`, default 32).
    public let alignment: Int
    /// Absolute file offset where the data section starts (a multiple of `alignment`).
    public let dataOffset: Int
    /// Total file size in bytes.
    public var fileSize: Int { storage.bytes.count }

    let storage: GGUFByteStorage
    private let tensorIndexByName: [GGUFByteKey: Int]

    /// Opens and validates the GGUF file at `path`, memory-mapping it read-only.
    public convenience init(path: String) throws {
        try self.init(storage: GGUFByteStorage(mappingFileAt: path), path: path)
    }

    /// Opens and validates the GGUF file at `url` (a file URL), memory-mapping it read-only.
    public convenience init(url: URL) throws {
        try self.init(path: url.path)
    }

    /// Parses and validates GGUF bytes held in memory (copied once into aligned storage).
    public convenience init<Bytes: Collection>(bytes: Bytes) throws where Bytes.Element == UInt8 {
        try self.init(storage: GGUFByteStorage(copying: bytes), path: nil)
    }

    private init(storage: GGUFByteStorage, path: String?) throws {
        var parser = GGUFParser(bytes: storage.bytes)
        let layout = try parser.parse()
        self.storage = storage
        self.path = path
        self.version = layout.version
        self.metadata = layout.metadata
        self.tensors = layout.tensors
        self.alignment = layout.alignment
        self.dataOffset = layout.dataOffset
        var index: [GGUFByteKey: Int] = [:]
        index.reserveCapacity(layout.tensors.count)
        for (i, tensor) in layout.tensors.enumerated() { index[GGUFByteKey(tensor.name)] = i }
        self.tensorIndexByName = index
    }

    // MARK: Metadata

    /// The metadata value under `key` (byte-exact match), or nil.
    public func value(forKey key: String) -> GGUFValue? { metadata.value(forKey: key) }

    // MARK: Tensors

    /// The tensor info named `name`; throws `GGUFError.tensorNotFound`.
    public func tensor(named name: String) throws -> GGUFTensorInfo {
        guard let index = tensorIndexByName[GGUFByteKey(name)] else { throw GGUFError.tensorNotFound(name: name) }
        return tensors[index]
    }

    /// Whether a tensor named `name` exists.
    public func containsTensor(named name: String) -> Bool {
        tensorIndexByName[GGUFByteKey(name)] != nil
    }

    /// The tensor's `byteSize` raw bytes, zero-copy from the mapping. Throws
    /// `tensorNotFound` if `tensor` is not one of this file's tensor infos.
    public func rawBytes(of tensor: GGUFTensorInfo) throws -> GGUFBytes {
        try checkOwnership(tensor)
        return GGUFBytes(storage: storage, range: tensor.fileOffset..<(tensor.fileOffset + tensor.byteSize))
    }

    /// Calls `body` with the tensor's raw bytes in place (no copy); the buffer must not escape.
    public func withRawBytes<R>(of tensor: GGUFTensorInfo, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try rawBytes(of: tensor).withUnsafeBytes(body)
    }

    /// A tensor info of another file (or a modified copy) would index bytes it does not describe.
    func checkOwnership(_ tensor: GGUFTensorInfo) throws {
        guard let index = tensorIndexByName[GGUFByteKey(tensor.name)], tensors[index] == tensor else {
            throw GGUFError.tensorNotFound(name: tensor.name)
        }
    }
}
