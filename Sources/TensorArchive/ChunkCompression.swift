import CHDF5
import Foundation
import Synchronization

/// Writes a whole chunked dataset whose filter pipeline is [shuffle,] deflate by running that
/// pipeline here, one chunk per task on all cores, and storing the results with HDF5's direct
/// chunk write (`H5Dwrite_chunk`), which skips HDF5's own single-threaded filtering.
///
/// The bytes equal HDF5's own: the shuffle filter (H5Zshuffle.c) stores byte j of element i at
/// j·n + i for n elements of s > 1 bytes, and the deflate filter (H5Zdeflate.c) is zlib's
/// `compress2` at the dataset's level; edge chunks are full chunks whose part outside the
/// dataset holds the fill value 0, as HDF5 writes them. Readers (HDF5, h5py, netCDF, xarray)
/// cannot tell the difference. Only used when the file type equals the memory type (no
/// conversion needed), which holds for every numeric `ArchiveValues` case.
struct CompressedChunkLayout: Equatable {
    /// Elements per chunk along each axis.
    let chunk: [Int]
    /// zlib level, 1 … 9.
    let level: Int
    /// Whether the shuffle filter precedes deflate.
    let shuffle: Bool

    /// Compresses every chunk of `values` (C order, `shape`) in parallel and writes them in
    /// chunk order. Returns false, writing nothing, when the dataset's file type differs from the
    /// memory type of `values` (the caller then uses `H5Dwrite`).
    func write(_ datasetID: hid_t, values: ArchiveValues, shape: [Int], site: HDF5Site) throws -> Bool {
        guard let memoryType = values.dataType.memoryType, shape.count == chunk.count, !shape.isEmpty else { return false }
        let fileType = try site.check(H5Dget_type(datasetID), "read the type of")
        defer { _ = H5Tclose(fileType) }
        guard H5Tequal(fileType, memoryType) > 0 else { return false }
        let elementBytes = values.dataType.elementByteCount
        let grid = zip(shape, chunk).map { ($0 + $1 - 1) / $1 }
        let chunkCount = grid.reduce(1, *)
        // Batches of a few chunks per core bound the memory held in compressed form.
        let batch = 2 * max(ProcessInfo.processInfo.activeProcessorCount, 1)
        try values.withUnsafeElementBytes { source in
            guard let source else { return }
            // Workers only read the values, which stay alive and unchanged for this call.
            let input = ReadOnlyBytes(base: source)
            for first in stride(from: 0, to: chunkCount, by: batch) {
                let count = min(batch, chunkCount - first)
                let compressed = ChunkSlots(count: count)
                DispatchQueue.concurrentPerform(iterations: count) { slot in
                    let origin = chunkOrigin(index: first + slot, grid: grid)
                    compressed.store(compress(input.base, shape: shape, origin: origin, elementBytes: elementBytes), at: slot)
                }
                for slot in 0..<count {
                    try writeChunk(compressed.value(at: slot), index: first + slot, grid: grid, datasetID: datasetID, site: site)
                }
            }
        }
        return true
    }

    /// Stores one filtered chunk (filter mask 0: every filter applied); nil means zlib failed.
    private func writeChunk(_ bytes: [UInt8]?, index: Int, grid: [Int], datasetID: hid_t, site: HDF5Site) throws {
        guard let bytes else {
            throw TensorArchiveError.hdf5Failure(
                operation: "compress chunk \(index) with zlib level \(level) of", object: site.object, file: site.file,
                detail: "zlib compress2 returned an error (out of memory?)")
        }
        var offset = chunkOrigin(index: index, grid: grid).map { hsize_t($0) }
        try bytes.withUnsafeBytes { buffer in
            _ = try site.check(
                H5Dwrite_chunk(datasetID, H5.defaultPlist, 0, &offset, buffer.count, buffer.baseAddress),
                "write compressed chunk \(index) of")
        }
    }

    /// Element offset of chunk `index` (C order over the chunk grid).
    private func chunkOrigin(index: Int, grid: [Int]) -> [Int] {
        var rest = index
        var origin = [Int](repeating: 0, count: grid.count)
        for axis in stride(from: grid.count - 1, through: 0, by: -1) {
            origin[axis] = (rest % grid[axis]) * chunk[axis]
            rest /= grid[axis]
        }
        return origin
    }

    /// Gathers one chunk (zero outside the dataset), shuffles it if asked and deflates it.
    /// Returns nil when zlib fails.
    private func compress(_ source: UnsafeRawPointer, shape: [Int], origin: [Int], elementBytes: Int) -> [UInt8]? {
        let chunkElements = chunk.reduce(1, *)
        let byteCount = chunkElements * elementBytes
        var raw = [UInt8](repeating: 0, count: byteCount)
        raw.withUnsafeMutableBytes { destination in
            guard let destination = destination.baseAddress else { return }
            gather(source, into: destination, shape: shape, origin: origin, elementBytes: elementBytes)
        }
        if shuffle, elementBytes > 1, chunkElements > 1 {
            raw = Self.shuffled(raw, elementBytes: elementBytes)
        }
        var bound = compressBound(uLong(byteCount))
        var output = [UInt8](repeating: 0, count: Int(bound))
        let status = output.withUnsafeMutableBufferPointer { out in
            raw.withUnsafeBufferPointer { input in
                compress2(out.baseAddress, &bound, input.baseAddress, uLong(byteCount), Int32(level))
            }
        }
        guard status == Z_OK else { return nil }
        output.removeLast(output.count - Int(bound))
        return output
    }

    /// Copies the part of the chunk at `origin` that lies inside `shape`, row by row along the
    /// last axis, into `destination` (laid out as a full chunk, C order).
    private func gather(
        _ source: UnsafeRawPointer, into destination: UnsafeMutableRawPointer, shape: [Int], origin: [Int], elementBytes: Int
    ) {
        let rank = shape.count
        let extent = (0..<rank).map { min(chunk[$0], shape[$0] - origin[$0]) }
        guard extent.allSatisfy({ $0 > 0 }) else { return }
        var sourceStride = [Int](repeating: 1, count: rank)
        var chunkStride = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) {
            sourceStride[axis] = sourceStride[axis + 1] * shape[axis + 1]
            chunkStride[axis] = chunkStride[axis + 1] * chunk[axis + 1]
        }
        let rowBytes = extent[rank - 1] * elementBytes
        var index = [Int](repeating: 0, count: rank)  // position inside the chunk; last axis stays 0
        while true {
            var from = 0
            var to = 0
            for axis in 0..<rank {
                from += (origin[axis] + index[axis]) * sourceStride[axis]
                to += index[axis] * chunkStride[axis]
            }
            (destination + to * elementBytes).copyMemory(from: source + from * elementBytes, byteCount: rowBytes)
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < extent[axis] { break }
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }

    /// HDF5's shuffle: byte j of element i moves to j·n + i (n = elements, s = `elementBytes`).
    static func shuffled(_ bytes: [UInt8], elementBytes: Int) -> [UInt8] {
        let count = bytes.count / elementBytes
        var output = [UInt8](repeating: 0, count: bytes.count)
        bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                for j in 0..<elementBytes {
                    for i in 0..<count { out[j * count + i] = input[i * elementBytes + j] }
                }
                for k in (count * elementBytes)..<bytes.count { out[k] = input[k] }
            }
        }
        return output
    }
}

/// A pointer to bytes that concurrent workers only read while the owner keeps them alive.
private struct ReadOnlyBytes: @unchecked Sendable {
    let base: UnsafeRawPointer
}

/// Lock-protected slots for the compressed chunks, filled from concurrent workers.
private final class ChunkSlots: Sendable {
    private let slots: Mutex<[[UInt8]?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func store(_ value: [UInt8]?, at index: Int) {
        slots.withLock { $0[index] = value }
    }

    func value(at index: Int) -> [UInt8]? {
        slots.withLock { $0[index] }
    }
}
