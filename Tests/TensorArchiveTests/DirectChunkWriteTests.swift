import CHDF5
import Foundation
import XCTest

@testable import TensorArchive

/// Compressed variables are filtered by TensorArchive on worker threads and stored with
/// `H5Dwrite_chunk`; every stored chunk must be byte-for-byte what HDF5's own shuffle + deflate
/// pipeline (`H5Dwrite` on a dataset with the same creation properties) stores.
final class DirectChunkWriteTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try makeTemporaryDirectory("direct-chunks") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// (name, shape, values, chunk, level, shuffle); shapes leave partial edge chunks on every axis.
    private var cases: [(String, [Int], ArchiveValues, [Int], Int, Bool)] {
        let count3 = 7 * 13 * 300
        return [
            ("cube", [7, 13, 300], .float64((0..<count3).map { sin(Double($0) * 0.37) * Double($0 % 11) }), [3, 5, 64], 6, true),
            ("flags", [1000], .int8((0..<1000).map { Int8(truncatingIfNeeded: $0 * 7 % 5 - 2) }), [128], 4, true),
            ("grid", [50, 77], .int32((0..<(50 * 77)).map { Int32($0 * $0 % 1009) }), [16, 16], 1, false),
            ("single", [40, 30], .float32((0..<1200).map { Float($0) / 7 }), [40, 30], 9, true),
        ]
    }

    func testChunksEqualHDF5sOwnFilterPipeline() throws {
        let path = directory.appendingPathComponent("direct.h5").path
        let writer = try ArchiveWriter(path: path)
        for (name, shape, values, chunk, level, shuffle) in cases {
            let dimensions = shape.indices.map { "\(name)_\($0)" }
            for (dimension, length) in zip(dimensions, shape) { try writer.defineDimension(dimension, length: length) }
            try writer.writeVariable(
                name, dimensions: dimensions, values: values, units: "1", longName: name, attributes: [:],
                storage: ArchiveStorage(.chunked(chunkShape: chunk, deflateLevel: level, shuffle: shuffle)))
        }
        try writer.commit()

        let referencePath = directory.appendingPathComponent("reference.h5").path
        try writeReference(referencePath)
        let reader = try ArchiveReader(path: path)
        for (name, shape, values, chunk, _, _) in cases {
            let ours = try RawHDF5.chunks(path, object: "/" + name, shape: shape, chunk: chunk)
            let hdf5 = try RawHDF5.chunks(referencePath, object: "/" + name, shape: shape, chunk: chunk)
            XCTAssertEqual(ours.count, hdf5.count, name)
            for (index, (a, b)) in zip(ours, hdf5).enumerated() {
                XCTAssertEqual(a.filterMask, b.filterMask, "\(name) chunk \(index) filter mask")
                XCTAssertEqual(a.bytes.count, b.bytes.count, "\(name) chunk \(index) stored size")
                XCTAssertTrue(a.bytes == b.bytes, "\(name) chunk \(index): stored bytes differ")
            }
            switch values {
            case let .float64(v): XCTAssertEqual(try reader.readDoubles("/" + name), v, name)
            case let .float32(v): XCTAssertEqual(try reader.readFloats("/" + name), v, name)
            default: break  // integer cases: the byte comparison above covers them
            }
        }
    }

    func testShuffleMatchesHDF5Layout() {
        // Two 4-byte elements: bytes 0 1 2 3 | 4 5 6 7 → 0 4 | 1 5 | 2 6 | 3 7.
        XCTAssertEqual(CompressedChunkLayout.shuffled([0, 1, 2, 3, 4, 5, 6, 7], elementBytes: 4), [0, 4, 1, 5, 2, 6, 3, 7])
    }

    /// The same datasets written the ordinary way: H5Dwrite through HDF5's filter pipeline.
    private func writeReference(_ path: String) throws {
        HDF5Errors.silence()
        let file = H5Fcreate(path, H5.accessTruncate, H5.defaultPlist, H5.defaultPlist)
        XCTAssertGreaterThanOrEqual(file, 0)
        defer { _ = H5Fclose(file) }
        for (name, shape, values, chunk, level, shuffle) in cases {
            var dims = shape.map { hsize_t($0) }
            let space = H5Screate_simple(Int32(dims.count), &dims, nil)
            let list = H5Pcreate(H5.datasetCreate)
            var chunkDims = chunk.map { hsize_t($0) }
            _ = H5Pset_chunk(list, Int32(chunkDims.count), &chunkDims)
            if shuffle { _ = H5Pset_shuffle(list) }
            _ = H5Pset_deflate(list, UInt32(level))
            let memoryType = try XCTUnwrap(values.dataType.memoryType)
            let dataset = H5Dcreate2(file, name, memoryType, space, H5.defaultPlist, list, H5.defaultPlist)
            XCTAssertGreaterThanOrEqual(dataset, 0, name)
            values.withUnsafeElementBytes { bytes in
                XCTAssertGreaterThanOrEqual(H5Dwrite(dataset, memoryType, H5.all, H5.all, H5.defaultPlist, bytes), 0, name)
            }
            _ = H5Dclose(dataset)
            _ = H5Pclose(list)
            _ = H5Sclose(space)
        }
    }
}

extension RawHDF5 {
    /// Every stored chunk of a dataset in C order over the chunk grid: its filter mask and raw
    /// (still filtered) bytes, via H5Dread_chunk.
    static func chunks(_ path: String, object: String, shape: [Int], chunk: [Int]) throws -> [(filterMask: UInt32, bytes: [UInt8])] {
        try withFile(path) { file in
            let dataset = H5Dopen2(file, object, H5.defaultPlist)
            guard dataset >= 0 else { throw TensorArchiveError.notFound(object: object, file: path) }
            defer { _ = H5Dclose(dataset) }
            let grid = zip(shape, chunk).map { ($0 + $1 - 1) / $1 }
            var result: [(UInt32, [UInt8])] = []
            for index in 0..<grid.reduce(1, *) {
                var rest = index
                var offset = [hsize_t](repeating: 0, count: grid.count)
                for axis in stride(from: grid.count - 1, through: 0, by: -1) {
                    offset[axis] = hsize_t((rest % grid[axis]) * chunk[axis])
                    rest /= grid[axis]
                }
                var size: hsize_t = 0
                guard H5Dget_chunk_storage_size(dataset, &offset, &size) >= 0 else { return [] }
                var bytes = [UInt8](repeating: 0, count: Int(size))
                var mask: UInt32 = 0
                guard H5Dread_chunk(dataset, H5.defaultPlist, &offset, &mask, &bytes) >= 0 else { return [] }
                result.append((mask, bytes))
            }
            return result
        }
    }
}
