import XCTest
@testable import GGUF

/// Typed metadata accessors, unsupported-type dequantisation and writer validation.
final class AccessorAndWriterTests: XCTestCase {
    private func file() throws -> GGUFFile {
        var writer = try GGUFWriter()
        for (key, value) in RoundTripTests.everyValue { try writer.addMetadata(key, value) }
        try writer.addTensor(name: "iq4", type: .iq4_nl, dimensions: [32], rawBytes: [UInt8](repeating: 0, count: 18))
        try writer.addTensor(name: "i32", type: .i32, dimensions: [2], rawBytes: [1, 0, 0, 0, 2, 0, 0, 0])
        return try GGUFFile(bytes: writer.serialized())
    }

    func testTypedAccessorsReturnValues() throws {
        let m = try file().metadata
        XCTAssertEqual(try m.int(forKey: "t.i64"), Int(Int64.min))
        XCTAssertEqual(try m.int(forKey: "t.u32"), Int(UInt32.max))
        XCTAssertEqual(try m.double(forKey: "t.f64"), .pi)
        XCTAssertEqual(try m.bool(forKey: "t.bool.true"), true)
        XCTAssertEqual(try m.string(forKey: "t.str.unicode"), "naïve café 日本語 😀\u{0}nul")
        XCTAssertEqual(try m.stringArray(forKey: "t.arr.str"), ["a", "", "Ġ t"])
        XCTAssertEqual(try m.intArray(forKey: "t.arr.i32"), [-1, 0, Int(Int32.max)])
        XCTAssertEqual(try m.doubleArray(forKey: "t.arr.f32"), [0.5, -2])
        XCTAssertEqual(try m.array(forKey: "t.arr.nested").count, 3)
        XCTAssertEqual(try m.stringArray(forKey: "t.arr.empty.str"), [])
        XCTAssertEqual(m["t.u8"]?.int, 255)
        XCTAssertNil(m["absent"])
    }

    func testTypedAccessorErrorsNameKeyFoundAndExpectedType() throws {
        let m = try file().metadata
        assertGGUFError("string as int", mentions: ["'t.str.empty'", "string", "integer"], { try m.int(forKey: "t.str.empty") }) {
            $0 == .typeMismatch(key: "t.str.empty", found: "string", expected: "an integer type")
        }
        assertGGUFError("int as double", mentions: ["'t.i32'", "int32", "float32 or float64"], { try m.double(forKey: "t.i32") }) {
            $0 == .typeMismatch(key: "t.i32", found: "int32", expected: "float32 or float64")
        }
        assertGGUFError("int array as strings", mentions: ["array<int32>", "array<string>"], { try m.stringArray(forKey: "t.arr.i32") }) {
            $0 == .typeMismatch(key: "t.arr.i32", found: "array<int32>", expected: "array<string>")
        }
        assertGGUFError("u64 max as Int", mentions: ["'t.u64'", "18446744073709551615"], { try m.int(forKey: "t.u64") }) {
            if case .valueOutOfRange(key: "t.u64", _, _) = $0 { return true }
            return false
        }
        assertGGUFError("u64 array as Int", mentions: ["'t.arr.u64'"], { try m.intArray(forKey: "t.arr.u64") }) {
            if case .typeMismatch(key: "t.arr.u64", found: "array<uint64>", _) = $0 { return true }
            return false
        }
        assertGGUFError("missing", mentions: ["'nope'", "not found"], { try m.bool(forKey: "nope") }) {
            $0 == .missingKey(key: "nope")
        }
    }

    func testUnsupportedTypeParsesButDoesNotDequantize() throws {
        let f = try file()
        let iq4 = try f.tensor(named: "iq4")
        XCTAssertEqual(iq4.type, .iq4_nl)
        XCTAssertEqual([iq4.byteSize, iq4.elementCount], [18, 32])
        XCTAssertEqual(try f.rawBytes(of: iq4).count, 18)
        // The message lists exactly the dequantisable types (issue 10's 13), read here independently.
        let supported = "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K"
        XCTAssertEqual(Set(GGMLDequantizer.supportedTypes.map(\.description)), Set(supported.components(separatedBy: ", ")))
        assertGGUFError("IQ4_NL", mentions: ["unsupported tensor type IQ4_NL for tensor iq4; supported:", "Q5_K", "Q6_K"],
                        { try f.dequantize(iq4) }) { $0 == .unsupportedTensorType(tensor: "iq4", type: .iq4_nl) }
        assertGGUFError("I32", mentions: ["I32", "i32"], { try f.dequantize(tensorNamed: "i32") }) {
            $0 == .unsupportedTensorType(tensor: "i32", type: .i32)
        }
    }

    func testTensorLookupErrors() throws {
        let f = try file()
        assertGGUFError("missing tensor", mentions: ["'nope'"], { try f.tensor(named: "nope") }) { $0 == .tensorNotFound(name: "nope") }
        var other = try GGUFWriter()
        try other.addTensor(name: "q5", dimensions: [64], values: [Float](repeating: 0, count: 64))
        let foreign = try GGUFFile(bytes: other.serialized()).tensor(named: "q5")
        assertGGUFError("foreign tensor info", mentions: ["'q5'"], { try f.rawBytes(of: foreign) }) { $0 == .tensorNotFound(name: "q5") }
    }

    func testDequantizerRejectsWrongBufferSizes() {
        assertGGUFError("short Q8_0 buffer", mentions: ["34 bytes", "got 33"], {
            try GGMLDequantizer.dequantize(.q8_0, bytes: [UInt8](repeating: 0, count: 33), elementCount: 32)
        }) { $0 == .bufferSizeMismatch(context: "buffer", type: .q8_0, elementCount: 32, expectedBytes: 34, actualBytes: 33) }
        assertGGUFError("partial block", mentions: ["multiple of 32"], {
            try GGMLDequantizer.dequantize(.q4_0, bytes: [UInt8](repeating: 0, count: 18), elementCount: 31)
        }) { $0 == .bufferSizeMismatch(context: "buffer", type: .q4_0, elementCount: 31, expectedBytes: nil, actualBytes: 18) }
    }

    func testWriterRejectsWhatTheReaderWould() throws {
        var w = try GGUFWriter()
        try w.addMetadata("k", .uint8(1))
        assertGGUFError("dup key", { try w.addMetadata("k", .uint8(2)) }) { $0 == .duplicateKey(key: "k", offset: -1) }
        assertGGUFError("alignment key", mentions: ["general.alignment"], { try w.addMetadata("general.alignment", .uint32(64)) }) {
            if case .invalidWriterInput = $0 { return true }
            return false
        }
        assertGGUFError("mixed array", mentions: ["array<uint8> holds a string"], {
            try w.addMetadata("a", .array(elementType: .uint8, elements: [.string("x")]))
        }) { if case .invalidWriterInput = $0 { return true }; return false }
        assertGGUFError("alignment 48", { try GGUFWriter(alignment: 48) }) { if case .invalidWriterInput = $0 { return true }; return false }
        assertGGUFError("version 1", { try GGUFWriter(version: 1) }) { if case .invalidWriterInput = $0 { return true }; return false }
        try w.addTensor(name: "t", dimensions: [2], values: [1, 2])
        assertGGUFError("dup tensor", { try w.addTensor(name: "t", dimensions: [1], values: [1]) }) {
            $0 == .duplicateTensorName(name: "t", offset: -1)
        }
        assertGGUFError("count mismatch", mentions: ["3 values"], { try w.addTensor(name: "u", dimensions: [2], values: [1, 2, 3]) }) {
            if case .invalidWriterInput = $0 { return true }; return false
        }
        assertGGUFError("zero dim", { try w.addTensor(name: "u", dimensions: [2, 0], values: []) }) {
            if case .invalidWriterInput = $0 { return true }; return false
        }
        assertGGUFError("5 dims", { try w.addTensor(name: "u", dimensions: [1, 1, 1, 1, 1], values: [1]) }) {
            if case .tooManyDimensions = $0 { return true }; return false
        }
        assertGGUFError("Q4_0 row 16", { try w.addTensor(name: "u", type: .q4_0, dimensions: [16], rawBytes: [UInt8](repeating: 0, count: 9)) }) {
            $0 == .rowNotMultipleOfBlockSize(tensor: "u", type: .q4_0, rowLength: 16, blockSize: 32)
        }
        assertGGUFError("Q4_0 wrong size", { try w.addTensor(name: "u", type: .q4_0, dimensions: [32], rawBytes: [UInt8](repeating: 0, count: 17)) }) {
            if case .bufferSizeMismatch(_, .q4_0, 32, 18, 17) = $0 { return true }; return false
        }
        assertGGUFError("floats as Q8_0", { try w.addTensor(name: "u", dimensions: [32], values: [Float](repeating: 0, count: 32), storedAs: .q8_0) }) {
            if case .invalidWriterInput = $0 { return true }; return false
        }
        XCTAssertNoThrow(try GGUFFile(bytes: w.serialized()), "the writer's file stays valid after rejected additions")
    }
}
