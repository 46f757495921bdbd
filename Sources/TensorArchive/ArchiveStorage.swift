/// How a variable's data is laid out on disk.
///
/// Compression is lossless (byte shuffle, then zlib deflate); xarray reports it in
/// `encoding` as `zlib=True, shuffle=True, complevel=N, chunksizes=(...)`.
public struct ArchiveStorage: Sendable, Equatable {
    /// Layout decision.
    public enum Layout: Sendable, Equatable {
        /// Contiguous for fixed-size variables below `automaticThresholdBytes`, chunked with
        /// shuffle + deflate level 4 at or above it. Appendable variables: chunked along the
        /// appended axis in chunks of about `targetAppendableChunkBytes`, shuffle + deflate at
        /// `appendableDeflateLevel`.
        case automatic
        /// One contiguous block (fixed-size variables only).
        case contiguous
        /// Chunked; `chunkShape` nil picks a shape of about `targetChunkBytes`.
        /// `deflateLevel` in 0...9 (nil or 0: no deflate); `shuffle` applies only with deflate.
        case chunked(chunkShape: [Int]?, deflateLevel: Int?, shuffle: Bool)
    }

    /// The layout decision.
    public var layout: Layout

    /// Creates a storage description.
    public init(_ layout: Layout) { self.layout = layout }

    /// See `Layout.automatic`.
    public static let automatic = ArchiveStorage(.automatic)
    /// See `Layout.contiguous`.
    public static let contiguous = ArchiveStorage(.contiguous)
    /// Chunked with shuffle + deflate at `level` (0...9, default 4) and an automatic chunk shape.
    public static func compressed(level: Int = 4) -> ArchiveStorage {
        ArchiveStorage(.chunked(chunkShape: nil, deflateLevel: level, shuffle: true))
    }

    /// Size at which `.automatic` starts compressing a fixed-size variable: 1 MiB.
    public static let automaticThresholdBytes = 1 << 20
    /// Size that automatic chunk shapes aim at (at most): 1 MiB.
    public static let targetChunkBytes = 1 << 20
    /// Size that automatic chunk shapes of appendable variables aim at (at most): 128 KiB. Small
    /// enough that a short run (one window of per-token values) does not allocate a mostly empty
    /// 1 MiB chunk, large enough that deflate works well and HDF5's 1 MiB chunk cache holds one.
    public static let targetAppendableChunkBytes = 128 << 10
    /// Deflate level of automatic appendable storage: 1. Appended data are written by HDF5 on one
    /// thread (not by the parallel `CompressedChunkLayout`); on float32 activations (the bulk of
    /// `score --export-hooks`) level 4 stored 0.83 of the bytes against level 1's 0.835, at about
    /// 1.4× the time, while the fill of a partly written chunk compresses away at any level.
    public static let appendableDeflateLevel = 1
}

/// A chunk shape for `shape` (with `0` meaning "unknown / growing" for an unlimited axis) of at
/// most `targetBytes`: start from the full shape and halve the largest axis (rounding up) until
/// the chunk fits. Every entry is at least 1. For an unlimited first axis the start value is the
/// number of rows that fit in `targetBytes`.
func automaticChunkShape(shape: [Int], elementBytes: Int, targetBytes: Int = ArchiveStorage.targetChunkBytes) -> [Int] {
    var chunk = shape.map { max($0, 1) }
    if let first = shape.first, first == 0 {
        let rowBytes = chunk.dropFirst().reduce(elementBytes) { $0 * $1 }
        chunk[0] = max(1, targetBytes / max(rowBytes, 1))
    }
    func bytes() -> Int { chunk.reduce(elementBytes) { $0 * $1 } }
    while bytes() > targetBytes, let largest = chunk.indices.max(by: { chunk[$0] < chunk[$1] }), chunk[largest] > 1 {
        chunk[largest] = (chunk[largest] + 1) / 2
    }
    return chunk
}
