import CHDF5
import Foundation
import XCTest

@testable import TensorArchive

/// Round trips through `ArchiveWriter` and `ArchiveReader`. All stored types are lossless, so
/// values are compared with tolerance 0 (any difference is a bug, not rounding).
final class WriterRoundTripTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Writes a small root-only file: a numeric coordinate, a dimension without values and one
    /// variable of each numeric type.
    private func writeBasicFile() throws -> String {
        let path = directory.appendingPathComponent("basic.h5").path
        let writer = try ArchiveWriter(path: path)
        try writer.writeCoordinate("position", values: .ints([0, 1, 2]), units: "tokens", longName: "token position")
        try writer.defineDimension("pair", length: 2)
        try writer.writeVariable(
            "angle", dimensions: ["position", "pair"], values: .float32([0, 0.5, 1, 1.5, 2, 2.5]),
            units: "rad", longName: "rotation angle", attributes: ["formula": "m * theta_i"])
        try writer.writeVariable("inverse_frequency", dimensions: ["pair"], values: .float64([1, 0.01]), units: "rad/token", longName: "theta_i")
        try writer.writeVariable("mask", dimensions: ["position"], values: .mask([true, false, true]), units: "1", longName: "kept")
        try writer.writeVariable("count32", dimensions: ["pair"], values: .int32([7, -8]), units: "1", longName: "counts")
        try writer.writeVariable("count64", dimensions: ["pair"], values: .int64([1 << 40, -3]), units: "1", longName: "big counts")
        try writer.writeVariable("total", dimensions: [], values: .float64([4.25]), units: "nats", longName: "scalar total")
        try writer.commit()
        return path
    }

    /// The same content written twice, more than a second apart (HDF5 timestamps have 1 s
    /// resolution), gives the same bytes: no object header (root group included) stores times.
    func testSameContentWritesIdenticalBytes() throws {
        let first = try Data(contentsOf: URL(fileURLWithPath: try writeBasicFile()))
        Thread.sleep(forTimeInterval: 1.1)
        let second = try Data(contentsOf: URL(fileURLWithPath: try writeBasicFile()))
        XCTAssertEqual(first.count, second.count, "file sizes")
        let differing = zip(first, second).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        XCTAssertTrue(differing.isEmpty, "\(differing.count) bytes differ, first at offsets \(differing.prefix(8))")
    }

    func testNumericVariablesRoundTripWithDimensions() throws {
        let path = try writeBasicFile()
        let reader = try ArchiveReader(path: path)
        let variables = try reader.variables()
        XCTAssertEqual(variables.map(\.name), ["position", "angle", "inverse_frequency", "mask", "count32", "count64", "total"])
        let angle = try reader.variable("/angle")
        XCTAssertEqual(angle.dimensions, ["position", "pair"])
        XCTAssertEqual(angle.shape, [3, 2])
        XCTAssertEqual(angle.dataType, .float32)
        XCTAssertEqual(try reader.readFloats("/angle"), [0, 0.5, 1, 1.5, 2, 2.5])
        XCTAssertEqual(try reader.readDoubles("/inverse_frequency"), [1, 0.01])
        XCTAssertEqual(try reader.variable("/mask").dataType, .int8)
        XCTAssertEqual(try reader.readInt64s("/mask"), [1, 0, 1])
        XCTAssertEqual(try reader.readInt64s("/count32"), [7, -8])
        XCTAssertEqual(try reader.readInt64s("/count64"), [1 << 40, -3])
        XCTAssertEqual(try reader.variable("/total").shape, [])
        XCTAssertEqual(try reader.readDoubles("/total"), [4.25])
        XCTAssertEqual(try reader.readInt64s("/position"), [0, 1, 2])
        XCTAssertTrue(try reader.variable("/position").isCoordinate)
        for variable in variables {
            XCTAssertNotNil(try reader.attribute("units", of: variable.path).stringValue, variable.path)
            XCTAssertNotNil(try reader.attribute("long_name", of: variable.path).stringValue, variable.path)
        }
        XCTAssertEqual(try reader.attributes(of: "/angle").map(\.name), ["units", "long_name", "formula"])
    }

    func testDimensionScalesFollowNetCDFConventions() throws {
        let path = try writeBasicFile()
        let reader = try ArchiveReader(path: path)
        let dimensions = try reader.dimensions()
        XCTAssertEqual(dimensions.map(\.name), ["position", "pair"])
        XCTAssertEqual(dimensions.map(\.netCDFID), [0, 1])
        XCTAssertEqual(dimensions.map(\.hasCoordinateValues), [true, false])
        // netCDF-C writes "%s%10d": 53 characters of text, then the length right-aligned in 10.
        XCTAssertEqual(
            try reader.attribute("NAME", of: "/pair"),
            .string("This is a netCDF dimension but not a netCDF variable.         2"))
        XCTAssertEqual(try reader.attribute("NAME", of: "/position"), .string("position"))
        XCTAssertEqual(try reader.attribute("CLASS", of: "/pair"), .string("DIMENSION_SCALE"))
        XCTAssertEqual(try reader.readDoubles("/pair"), [0, 0])
        XCTAssertEqual(try reader.attribute("_Netcdf4Coordinates", of: "/angle"), .int32Array([0, 1]))
        XCTAssertTrue(try RawHDF5.isAttached(path, variable: "/angle", scale: "/position", axis: 0))
        XCTAssertTrue(try RawHDF5.isAttached(path, variable: "/angle", scale: "/pair", axis: 1))
        XCTAssertFalse(try RawHDF5.isAttached(path, variable: "/angle", scale: "/pair", axis: 0))
        XCTAssertTrue(try RawHDF5.isAttached(path, variable: "/mask", scale: "/position", axis: 0))
        XCTAssertThrowsError(try reader.attribute("DIMENSION_LABELS", of: "/angle"), "H5DSset_label must not be used")
    }

    func testCreationOrderIsTrackedAndIndexedEverywhere() throws {
        let path = directory.appendingPathComponent("order.h5").path
        let writer = try ArchiveWriter(path: path)
        try writer.defineDimension("x", length: 1)
        try writer.writeVariable("v", dimensions: ["x"], values: .float64([1]), units: "1", longName: "v")
        let inner = try writer.group("outer").group("inner")
        try inner.writeCoordinate("y", values: .float64([1, 2]), units: "1", longName: "y")
        try writer.close()  // close() is commit()
        let both = chdf5_P_CRT_ORDER_TRACKED_INDEXED()
        for group in ["/", "/outer", "/outer/inner"] {
            let flags = try RawHDF5.creationOrder(path, object: group)
            XCTAssertEqual(flags.link, both, "link order of \(group)")
            XCTAssertEqual(flags.attribute, both, "attribute order of \(group)")
        }
        for dataset in ["/x", "/v", "/outer/inner/y"] {
            XCTAssertEqual(try RawHDF5.creationOrder(path, object: dataset).attribute, both, "attribute order of \(dataset)")
        }
    }

    func testAttributesOfEveryKindRoundTrip() throws {
        let path = directory.appendingPathComponent("attributes.h5").path
        let writer = try ArchiveWriter(path: path)
        let values: [(String, AttributeValue)] = [
            ("title", "θ rotary – ✓"), ("i32", .int32(-5)), ("i64", .int64(1 << 50)), ("x", 0.125),
            ("i32s", .int32Array([1, 2])), ("i64s", .intArray([3, 4, 5])), ("xs", .doubleArray([0.5, -1e300])),
            ("empty", .doubleArray([])),
        ]
        for (name, value) in values { try writer.setAttribute(name, value) }
        try writer.setAttribute("title", "replaced")
        try writer.setProvenance(toolVersion: "1.2.3", commandLine: ["ropescope", "sweep", "a b", "it's"], configurationJSON: #"{"k":1}"#)
        try writer.writeCoordinate("x_axis", values: .float64([1]), units: "1", longName: "x")
        try writer.setAttribute("note", "added later", onVariable: "x_axis")
        try writer.commit()
        let reader = try ArchiveReader(path: path)
        let read = try reader.attributes(of: "/")
        XCTAssertEqual(read.map(\.name), ["i32", "i64", "x", "i32s", "i64s", "xs", "empty", "title", "tool_version", "command_line", "configuration"])
        for (name, value) in values where name != "title" {
            XCTAssertEqual(try reader.attribute(name, of: "/"), value, name)
        }
        XCTAssertEqual(try reader.attribute("title", of: "/"), "replaced")
        XCTAssertEqual(try reader.attribute("command_line", of: "/"), .string(#"ropescope sweep 'a b' 'it'\''s'"#))
        XCTAssertEqual(try reader.attribute("configuration", of: "/"), .string(#"{"k":1}"#))
        XCTAssertEqual(try reader.attribute("note", of: "/x_axis"), "added later")
    }

    func testStringVariablesAndNestedGroupsWithDottedNames() throws {
        let path = directory.appendingPathComponent("groups.h5").path
        let writer = try ArchiveWriter(path: path)
        let sweep = try writer.group("sweep")
        XCTAssertTrue(try writer.group("sweep") === sweep, "group(_:) returns the existing group")
        try sweep.writeCoordinate("row", values: .ints([0, 1]), units: "1", longName: "sweep row")
        try sweep.writeVariable("method", dimensions: ["row"], values: .strings(["yarn(factor=4, β=32)", ""]), units: "1", longName: "RoPE method")
        let blocks = try sweep.group("blocks")
        try blocks.defineDimension("head", length: 2)
        try blocks.writeVariable(
            "blocks.3.attn.hook_pattern", dimensions: ["head"], values: .float32([0.25, 0.75]),
            units: "1", longName: "attention pattern")
        try writer.commit()
        let reader = try ArchiveReader(path: path)
        XCTAssertEqual(try reader.groups(), ["sweep"])
        XCTAssertEqual(try reader.groups(in: "/sweep"), ["blocks"])
        XCTAssertEqual(try reader.readStrings("/sweep/method"), ["yarn(factor=4, β=32)", ""])
        XCTAssertEqual(try reader.variable("/sweep/method").dimensions, ["row"])
        XCTAssertEqual(try reader.variable("/sweep/method").dataType, .string)
        let hook = try reader.variable("/sweep/blocks/blocks.3.attn.hook_pattern")
        XCTAssertEqual(hook.dimensions, ["head"])
        XCTAssertEqual(try reader.readFloats(hook.path), [0.25, 0.75])
        // Dimension ids count over the whole file in creation order.
        XCTAssertEqual(try reader.dimensions(in: "/sweep").map(\.netCDFID), [0])
        XCTAssertEqual(try reader.dimensions(in: "/sweep/blocks").map(\.netCDFID), [1])
    }

    func testCompressedStorageIsChunkedAndLossless() throws {
        let path = directory.appendingPathComponent("compressed.h5").path
        let writer = try ArchiveWriter(path: path)
        try writer.defineDimension("row", length: 300)
        try writer.defineDimension("column", length: 1000)
        let values = (0..<300_000).map { Float($0 % 977) * 0.5 }
        try writer.writeVariable("big", dimensions: ["row", "column"], values: .float32(values), units: "1", longName: "big")
        try writer.writeVariable(
            "explicit", dimensions: ["column"], values: .float64((0..<1000).map(Double.init)), units: "1", longName: "e",
            attributes: [:], storage: ArchiveStorage(.chunked(chunkShape: [100], deflateLevel: 1, shuffle: false)))
        try writer.writeVariable("small", dimensions: ["column"], values: .float32(Array(values.prefix(1000))), units: "1", longName: "s")
        try writer.commit()
        let big = try RawHDF5.storage(path, object: "/big")
        XCTAssertEqual(big.filters, 2, "shuffle + deflate")
        // 300 x 1000 float32 = 1.2 MB: automatic chunking halves the largest axis once, to 500.
        XCTAssertEqual(big.chunk, [300, 500])
        XCTAssertEqual(try RawHDF5.storage(path, object: "/explicit").chunk, [100])
        XCTAssertEqual(try RawHDF5.storage(path, object: "/explicit").filters, 1)
        XCTAssertNil(try RawHDF5.storage(path, object: "/small").chunk)
        let reader = try ArchiveReader(path: path)
        XCTAssertEqual(try reader.readFloats("/big"), values)
        XCTAssertEqual(try reader.readDoubles("/explicit"), (0..<1000).map(Double.init))
    }

    func testAutomaticChunkShapeStaysUnderTarget() {
        XCTAssertEqual(automaticChunkShape(shape: [10, 10], elementBytes: 4, targetBytes: 1000), [10, 10])
        XCTAssertEqual(automaticChunkShape(shape: [10, 100], elementBytes: 4, targetBytes: 1000), [10, 25])
        XCTAssertEqual(automaticChunkShape(shape: [0, 64], elementBytes: 4, targetBytes: 1024), [4, 64])
        XCTAssertEqual(automaticChunkShape(shape: [0, 1024], elementBytes: 8, targetBytes: 1024), [1, 128])
    }
}
