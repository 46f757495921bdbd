import XCTest
@testable import GGUF

/// Writer → reader round trips: every value type, nested arrays, alignments, tensors.
final class RoundTripTests: XCTestCase {
    /// One pair per value type with edge values, plus arrays (empty, of every type, nested).
    static let everyValue: [(String, GGUFValue)] = [
        ("t.u8", .uint8(.max)), ("t.i8", .int8(.min)), ("t.u16", .uint16(.max)), ("t.i16", .int16(.min)),
        ("t.u32", .uint32(.max)), ("t.i32", .int32(.min)), ("t.u64", .uint64(.max)), ("t.i64", .int64(.min)),
        ("t.f32", .float32(-0.0)), ("t.f32.nan", .float32(Float(bitPattern: 0x7FC0_1234))),
        ("t.f32.inf", .float32(-.infinity)), ("t.f32.sub", .float32(.leastNonzeroMagnitude)),
        ("t.f64", .float64(.pi)), ("t.f64.nan", .float64(Double(bitPattern: 0xFFF8_0000_0000_0001))),
        ("t.bool.true", .bool(true)), ("t.bool.false", .bool(false)),
        ("t.str.empty", .string("")), ("t.str.unicode", .string("naïve café 日本語 😀\u{0}nul")),
        ("t.arr.empty.u8", .array(elementType: .uint8, elements: [])),
        ("t.arr.empty.str", .array(elementType: .string, elements: [])),
        ("t.arr.empty.arr", .array(elementType: .array, elements: [])),
        ("t.arr.i32", .array(elementType: .int32, elements: [.int32(-1), .int32(0), .int32(.max)])),
        ("t.arr.f32", .array(elementType: .float32, elements: [.float32(0.5), .float32(-2)])),
        ("t.arr.f64", .array(elementType: .float64, elements: [.float64(1e300)])),
        ("t.arr.bool", .array(elementType: .bool, elements: [.bool(true), .bool(false)])),
        ("t.arr.str", .array(elementType: .string, elements: [.string("a"), .string(""), .string("Ġ t")])),
        ("t.arr.u64", .array(elementType: .uint64, elements: [.uint64(1 << 63)])),
        ("t.arr.mixed.scalars", .array(elementType: .int8, elements: [.int8(-128), .int8(127)])),
        ("t.arr.nested", .array(elementType: .array, elements: [
            .array(elementType: .uint8, elements: [.uint8(1), .uint8(2)]),
            .array(elementType: .string, elements: [.string("x")]),
            .array(elementType: .array, elements: [.array(elementType: .float64, elements: [.float64(-1)])]),
        ])),
    ]

    private func writerWithEveryValue(alignment: Int) throws -> GGUFWriter {
        var writer = try GGUFWriter(alignment: alignment)
        for (key, value) in Self.everyValue { try writer.addMetadata(key, value) }
        try writer.addTensor(name: "f32.odd", dimensions: [3, 2], values: [1, -2, 3.5, .infinity, 0, -0.0])
        try writer.addTensor(name: "f16", dimensions: [4], values: [1, 0.1, 65504, 1e-7], storedAs: .f16)
        try writer.addTensor(name: "bf16", dimensions: [2, 1, 1, 1], values: [1.00390625, -3e38], storedAs: .bf16)
        try writer.addTensor(name: "q8_0", type: .q8_0, dimensions: [32, 2], rawBytes: (0..<68).map { UInt8($0 % 251) })
        return writer
    }

    func testEveryValueTypeRoundTripsAtAlignments32And64() throws {
        for alignment in [32, 64] {
            let file = try GGUFFile(bytes: writerWithEveryValue(alignment: alignment).serialized())
            XCTAssertEqual(file.alignment, alignment)
            XCTAssertEqual(file.dataOffset % alignment, 0)
            let expectedKeys = (alignment == 32 ? [] : ["general.alignment"]) + Self.everyValue.map(\.0)
            XCTAssertEqual(file.metadata.keys, expectedKeys, "alignment \(alignment): keys in order")
            for (key, value) in Self.everyValue {
                XCTAssertEqual(file.value(forKey: key), value, "alignment \(alignment): \(key)")
            }
            XCTAssertEqual(file.tensors.map(\.name), ["f32.odd", "f16", "bf16", "q8_0"])
            for tensor in file.tensors {
                XCTAssertEqual(tensor.offset % alignment, 0, tensor.name)
                XCTAssertEqual(tensor.fileOffset, file.dataOffset + tensor.offset, tensor.name)
            }
            // Offsets are the running sum of sizes padded to the alignment.
            XCTAssertEqual(file.tensors.map(\.offset), [0, alignment, 2 * alignment, 3 * alignment])
        }
    }

    func testTensorValuesRoundTrip() throws {
        let file = try GGUFFile(bytes: writerWithEveryValue(alignment: 64).serialized())
        let odd = try file.tensor(named: "f32.odd")
        XCTAssertEqual(odd.dimensions, [3, 2])
        XCTAssertEqual([odd.rowLength, odd.rowCount, odd.byteSize], [3, 2, 24])
        let expectedOdd: [Float] = [1, -2, 3.5, .infinity, 0, -0.0]
        XCTAssertEqual(try file.dequantize(odd).map(\.bitPattern), expectedOdd.map(\.bitPattern))
        // F16: 0.1 and 1e-7 round to the nearest binary16 (1e-7 is subnormal there: 2 × 2⁻²⁴).
        XCTAssertEqual(try file.dequantize(tensorNamed: "f16"), [1, 0.0999755859375, 65504, 0x1p-23])
        // BF16: 1 + 2⁻⁸ is a tie between 1 and 1 + 2⁻⁷ and rounds to even (1).
        let bf16 = try file.dequantize(tensorNamed: "bf16")
        XCTAssertEqual(bf16[0], 1)
        XCTAssertEqual(bf16[1], Float(bitPattern: 0xFF62_0000), "-3e38 to nearest bfloat16")
        let q8 = try file.tensor(named: "q8_0")
        XCTAssertEqual(Array(try file.rawBytes(of: q8)), (0..<68).map { UInt8($0 % 251) })
        XCTAssertEqual(try file.dequantize(q8), try GGMLDequantizer.dequantize(.q8_0, bytes: Array(try file.rawBytes(of: q8)), elementCount: 64))
    }

    func testMemoryMappedFileMatchesInMemoryParse() throws {
        let bytes = try writerWithEveryValue(alignment: 32).serialized()
        let url = try TestPaths.temporaryDirectory(for: self).appendingPathComponent("tiny.gguf")
        try writerWithEveryValue(alignment: 32).write(to: url)
        let mapped = try GGUFFile(url: url)
        let inMemory = try GGUFFile(bytes: bytes)
        XCTAssertEqual(mapped.fileSize, bytes.count)
        XCTAssertEqual(mapped.path, url.path)
        XCTAssertEqual(mapped.metadata.entries, inMemory.metadata.entries)
        XCTAssertEqual(mapped.tensors, inMemory.tensors)
        for tensor in mapped.tensors {
            XCTAssertEqual(Array(try mapped.rawBytes(of: tensor)), Array(try inMemory.rawBytes(of: tensor)), tensor.name)
        }
    }

    func testRawBytesOutliveTheFileObject() throws {
        var file: GGUFFile? = try GGUFFile(bytes: writerWithEveryValue(alignment: 32).serialized())
        let bytes = try file!.rawBytes(of: file!.tensor(named: "q8_0"))
        file = nil
        XCTAssertEqual(Array(bytes.prefix(3)), [0, 1, 2])
        XCTAssertEqual(bytes.count, 68)
    }

    func testDequantizeRowsMatchesSliceOfFullTensor() throws {
        var writer = try GGUFWriter()
        let values = (0..<(32 * 5)).map { Float($0) * 0.25 - 7 }
        try writer.addTensor(name: "m", dimensions: [32, 5], values: values)
        let file = try GGUFFile(bytes: writer.serialized())
        let m = try file.tensor(named: "m")
        XCTAssertEqual(try file.dequantizeRows(of: m, 1..<3), Array(values[32..<96]))
        XCTAssertEqual(try file.dequantizeRows(of: m, 5..<5), [])
        assertGGUFError("rows past end", mentions: ["'m'", "0..<5"], { try file.dequantizeRows(of: m, 4..<6) }) {
            $0 == .rowRangeOutOfBounds(tensor: "m", rows: 4..<6, rowCount: 5)
        }
    }

    func testVersion2WriterRoundTrip() throws {
        var writer = try GGUFWriter(version: 2)
        try writer.addMetadata("general.name", .string("v2"))
        let file = try GGUFFile(bytes: writer.serialized())
        XCTAssertEqual(file.version, 2)
        XCTAssertEqual(try file.metadata.string(forKey: "general.name"), "v2")
        XCTAssertEqual(file.tensors, [])
    }

    func testKeysAreComparedByteForByte() throws {
        // "é" precomposed (U+00E9) and decomposed (e + U+0301) are equal Swift Strings but
        // different GGUF keys, as in llama.cpp.
        var writer = try GGUFWriter()
        try writer.addMetadata("caf\u{E9}", .uint8(1))
        try writer.addMetadata("cafe\u{301}", .uint8(2))
        let file = try GGUFFile(bytes: writer.serialized())
        XCTAssertEqual(file.value(forKey: "caf\u{E9}"), .uint8(1))
        XCTAssertEqual(file.value(forKey: "cafe\u{301}"), .uint8(2))
    }
}
