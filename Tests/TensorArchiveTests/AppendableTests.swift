import Foundation
import XCTest

@testable import TensorArchive

/// Streaming writes along an unlimited first dimension. Values are stored losslessly, so they are
/// compared exactly.
final class AppendableTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testSlabsAppendAndExtendTheDimensionScale() throws {
        let path = directory.appendingPathComponent("stream.h5").path
        let writer = try ArchiveWriter(path: path)
        try writer.defineUnlimitedDimension("token")
        try writer.defineDimension("channel", length: 3)
        let nll = try writer.makeAppendable("nll", dimensions: ["token"], type: .float64, units: "nats", longName: "per-token NLL")
        let hook = try writer.makeAppendable(
            "blocks.0.hook_resid_post", dimensions: ["token", "channel"], type: .float32, units: "1", longName: "residual")
        try nll.append(.float64([0.5, 1.5]))
        try nll.append(.float64([]))
        try nll.append(.float64([2.5, 3.5, 4.5]))
        try hook.append(.float32([0, 1, 2, 10, 11, 12]))
        XCTAssertEqual(nll.length, 5)
        XCTAssertEqual(hook.length, 2)
        XCTAssertEqual(writer.root.length(ofDimension: "token"), 5)
        try writer.commit()

        let reader = try ArchiveReader(path: path)
        XCTAssertEqual(try reader.readDoubles("/nll"), [0.5, 1.5, 2.5, 3.5, 4.5])
        XCTAssertEqual(try reader.readFloats("/blocks.0.hook_resid_post"), [0, 1, 2, 10, 11, 12])
        let hookInfo = try reader.variable("/blocks.0.hook_resid_post")
        XCTAssertEqual(hookInfo.dimensions, ["token", "channel"])
        XCTAssertEqual(hookInfo.shape, [2, 3])
        XCTAssertEqual(hookInfo.growable, [true, false])
        let token = try XCTUnwrap(try reader.dimensions().first { $0.name == "token" })
        XCTAssertTrue(token.isUnlimited)
        XCTAssertEqual(token.length, 5, "the scale grows with the longest variable")
        XCTAssertFalse(token.hasCoordinateValues)
        XCTAssertTrue(try RawHDF5.isAttached(path, variable: "/nll", scale: "/token", axis: 0))
        XCTAssertNotNil(try RawHDF5.storage(path, object: "/nll").chunk)
    }

    func testAppendableCoordinateIsItsOwnScale() throws {
        let path = directory.appendingPathComponent("coordinate.h5").path
        let writer = try ArchiveWriter(path: path)
        let window = try writer.group("run")
        let position = try window.makeAppendableCoordinate("position", type: .int64, units: "tokens", longName: "token position")
        let loss = try window.makeAppendable("loss", dimensions: ["position"], type: .float32, units: "nats", longName: "loss")
        for start in stride(from: 0, to: 6, by: 3) {
            try position.append(.ints(Array(start..<(start + 3))))
            try loss.append(.float32((start..<(start + 3)).map { Float($0) / 4 }))
        }
        try writer.commit()
        let reader = try ArchiveReader(path: path)
        XCTAssertEqual(try reader.readInt64s("/run/position"), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(try reader.readFloats("/run/loss"), [0, 0.25, 0.5, 0.75, 1, 1.25])
        XCTAssertEqual(try reader.variable("/run/loss").dimensions, ["position"])
        let dimension = try XCTUnwrap(try reader.dimensions(in: "/run").first)
        XCTAssertEqual(dimension.name, "position")
        XCTAssertTrue(dimension.isUnlimited)
        XCTAssertTrue(dimension.hasCoordinateValues)
        XCTAssertTrue(try RawHDF5.isAttached(path, variable: "/run/loss", scale: "/run/position", axis: 0))
    }

    func testAppendRejectsWrongTypeAndPartialRows() throws {
        let path = directory.appendingPathComponent("bad.h5").path
        let writer = try ArchiveWriter(path: path)
        try writer.defineUnlimitedDimension("token")
        try writer.defineDimension("channel", length: 4)
        let hook = try writer.makeAppendable("hook", dimensions: ["token", "channel"], type: .float32, units: "1", longName: "h")
        assertArchiveError(["cannot append to '/hook'", "values are float64, the variable is float32", path]) {
            try hook.append(.float64([1, 2, 3, 4]))
        }
        let second = try ArchiveWriter(path: path)
        try second.defineUnlimitedDimension("token")
        try second.defineDimension("channel", length: 4)
        let other = try second.makeAppendable("hook", dimensions: ["token", "channel"], type: .float32, units: "1", longName: "h")
        assertArchiveError(["6 values are not a whole number of rows of 4"]) { try other.append(.float32([1, 2, 3, 4, 5, 6])) }
    }

    func testAppendableNeedsAnUnlimitedFirstDimension() throws {
        let writer = try ArchiveWriter(path: directory.appendingPathComponent("x.h5").path)
        try writer.defineDimension("channel", length: 4)
        assertArchiveError(["first dimension must be an unlimited dimension", "'/hook'"]) {
            _ = try writer.makeAppendable("hook", dimensions: ["channel"], type: .float32, units: "1", longName: "h")
        }
    }
}

/// Appendable variables are chunked along the appended axis in chunks of at most 128 KiB and
/// compressed (shuffle + deflate), so a short run writes a small file.
final class AppendableStorageTests: XCTestCase {
    func testSmallAppendedVariableIsChunkedCompressedAndRoundTrips() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("small.h5").path
        let writer = try ArchiveWriter(path: path)
        let position = try writer.makeAppendableCoordinate("position", type: .int64, units: "tokens", longName: "position")
        try writer.defineDimension("channel", length: 576)
        let nll = try writer.makeAppendable("nll", dimensions: ["position"], type: .float64, units: "nats", longName: "NLL")
        let hook = try writer.makeAppendable(
            "blocks.0.hook_resid_post", dimensions: ["position", "channel"], type: .float32, units: "1", longName: "residual")
        let values = (0..<16).map { Double($0) / 3 }
        let activations = (0..<(16 * 576)).map { Float($0 % 97) / 7 }
        try position.append(.ints(Array(0..<16)))
        try nll.append(.float64(values))
        try hook.append(.float32(activations))
        try writer.commit()

        let reader = try ArchiveReader(path: path)
        XCTAssertEqual(try reader.readDoubles("/nll"), values)
        XCTAssertEqual(try reader.readFloats("/blocks.0.hook_resid_post"), activations)
        XCTAssertEqual(try reader.readInt64s("/position"), Array(0..<16).map(Int64.init))
        for (object, elementBytes) in [("/nll", 8), ("/position", 8), ("/blocks.0.hook_resid_post", 4)] {
            let storage = try RawHDF5.storage(path, object: object)
            XCTAssertEqual(storage.filters, 2, "\(object): shuffle + deflate")
            let chunk = try XCTUnwrap(storage.chunk, object)
            XCTAssertLessThanOrEqual(chunk.reduce(elementBytes, *), 128 << 10, "\(object): chunk \(chunk)")
            XCTAssertGreaterThan(chunk[0], 16, "\(object): chunk \(chunk) is long along the appended axis")
        }
        // Before: three uncompressed 1 MiB chunks (over 3 MiB). Now the whole file, with the
        // 36 KiB of activations (compressible), is far below one such chunk.
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        XCTAssertLessThan(size, 64 << 10, "file size \(size) bytes")
    }
}
