import XCTest
@testable import GGUF

/// One handcrafted file per tensor-info or data-layout defect, each with a success control
/// that differs only in the defect.
final class BadFileTensorTests: XCTestCase {
    /// Two F32 tensors `a` [32, 2] (256 B) and `b` [8] (32 B), packed at offsets 0 and 256.
    private var twoTensors: TinyFile {
        var tiny = TinyFile()
        tiny.tensors = [RawTensorSpec(name: "a", dimensions: [32, 2]), RawTensorSpec(name: "b", dimensions: [8])]
        return tiny
    }

    func testDuplicateTensorNames() {
        checkDefect("duplicate tensor", mentions: ["duplicate tensor name 'a'"], base: twoTensors,
                    defect: { $0.tensors[1].name = "a" }) {
            if case .duplicateTensorName(name: "a", _) = $0 { return true }
            return false
        }
    }

    func testTensorNameTooLong() {
        var tiny = TinyFile()
        tiny.tensors[0].name = String(repeating: "n", count: 63)
        checkDefect("64-byte name", mentions: ["is 64 bytes", "at most 63"], base: tiny,
                    defect: { $0.tensors[0].name = String(repeating: "n", count: 64) }) {
            if case .tensorNameTooLong(_, length: 64, maximum: 63, _) = $0 { return true }
            return false
        }
    }

    func testTooManyDimensions() {
        var tiny = TinyFile()
        tiny.tensors[0].dimensions = [32, 1, 1, 1]
        checkDefect("5 dims", mentions: ["tensor 'w'", "5 dimensions", "at most 4"], base: tiny,
                    defect: { $0.tensors[0].dimensions = [32, 1, 1, 1, 1] }) {
            if case .tooManyDimensions(tensor: "w", count: 5, maximum: 4, _) = $0 { return true }
            return false
        }
    }

    func testZeroDimension() {
        var tiny = TinyFile()
        tiny.tensors[0].dimensions = [32, 1]
        checkDefect("zero dim", mentions: ["tensor 'w'", "dimension 1 is 0"], base: tiny,
                    defect: { $0.tensors[0].dimensions = [32, 0] }) {
            if case .invalidDimension(tensor: "w", index: 1, value: 0, _) = $0 { return true }
            return false
        }
    }

    func testDimensionAboveInt64Max() {
        var tiny = TinyFile()
        tiny.tensors[0].dimensions = [32, 1]
        checkDefect("dim 2^63", mentions: ["tensor 'w'", "dimension 1 is 9223372036854775808"], base: tiny,
                    defect: { $0.tensors[0].dimensions = [32, 1 << 63] }) {
            if case .invalidDimension(tensor: "w", index: 1, value: 1 << 63, _) = $0 { return true }
            return false
        }
    }

    func testOverflowingElementCount() {
        var tiny = TinyFile()
        tiny.tensors[0].dimensions = [32, 1]
        checkDefect("2^32 × 2^32 elements", mentions: ["tensor 'w'", "overflow"], base: tiny,
                    defect: { $0.tensors[0].dimensions = [1 << 32, 1 << 32] }) {
            $0 == .elementCountOverflow(tensor: "w", dimensions: [1 << 32, 1 << 32])
        }
    }

    func testOverflowingByteSize() {
        var tiny = TinyFile()
        tiny.tensors[0].dimensions = [32, 1]
        checkDefect("2^62 F32 elements", mentions: ["tensor 'w'", "byte size overflows"], base: tiny,
                    defect: { $0.tensors[0].dimensions = [1 << 62] }) {
            $0 == .tensorByteSizeOverflow(tensor: "w", type: .f32, elementCount: 1 << 62)
        }
    }

    func testRowNotMultipleOfBlockSize() {
        var tiny = TinyFile()
        tiny.tensors[0] = RawTensorSpec(name: "q", dimensions: [32, 1], typeID: GGMLType.q4_0.rawValue)
        checkDefect("Q4_0 row of 33", mentions: ["tensor 'q'", "33 elements per row", "block size 32"], base: tiny,
                    defect: { $0.tensors[0].dimensions = [33, 1] }) {
            $0 == .rowNotMultipleOfBlockSize(tensor: "q", type: .q4_0, rowLength: 33, blockSize: 32)
        }
    }

    func testUnknownGGMLType() {
        checkDefect("ggml type 99", mentions: ["tensor 'w'", "type id 99"], defect: { $0.tensors[0].typeID = 99 }) {
            if case .unknownTensorType(tensor: "w", typeID: 99, _) = $0 { return true }
            return false
        }
    }

    func testRemovedGGMLTypeIsUnknown() {
        checkDefect("removed type 4 (Q4_2)", mentions: ["tensor 'w'", "type id 4"], defect: { $0.tensors[0].typeID = 4 }) {
            if case .unknownTensorType(tensor: "w", typeID: 4, _) = $0 { return true }
            return false
        }
    }

    func testMisalignedOffset() {
        checkDefect("offset 260", mentions: ["tensor 'b'", "offset 260", "alignment 32"], base: twoTensors,
                    defect: { $0.tensors[1].offset = 260 }) {
            $0 == .tensorOffsetMisaligned(tensor: "b", offset: 260, alignment: 32)
        }
    }

    func testOverlappingOffset() {
        checkDefect("b at 0 over a", mentions: ["tensor 'b'", "overlapping tensor 'a'"], base: twoTensors,
                    defect: { $0.tensors[1].offset = 0 }) {
            $0 == .tensorOffsetOverlap(tensor: "b", offset: 0, previousTensor: "a", previousEnd: 256)
        }
    }

    func testOffsetWithGap() {
        var tiny = twoTensors
        tiny.extraDataBytes = 64   // the bytes exist, so only the layout rule is violated
        checkDefect("b at 288 (gap)", mentions: ["tensor 'b'", "offset 288", "expected 256"], base: tiny,
                    defect: { $0.tensors[1].offset = 288 }) {
            $0 == .tensorOffsetMismatch(tensor: "b", offset: 288, expected: 256)
        }
    }

    func testFirstTensorNotAtZero() {
        var tiny = TinyFile()
        tiny.extraDataBytes = 64
        checkDefect("w at 32", mentions: ["tensor 'w'", "offset 32", "expected 0"], base: tiny,
                    defect: { $0.tensors[0].offset = 32 }) {
            $0 == .tensorOffsetMismatch(tensor: "w", offset: 32, expected: 0)
        }
    }

    func testDataPastEndOfFile() {
        // w is [32, 2] F32 = 256 bytes, a multiple of 32, so the file ends exactly at its last byte.
        let control = TinyFile().bytes()
        let file = try? GGUFFile(bytes: control)
        XCTAssertEqual(file.map { $0.fileSize - $0.dataOffset }, 256, "control layout")
        checkDefect("one byte short", mentions: ["tensor 'w'", "extends past the end of the file"],
                    defect: { $0.dataSlack = -1 }) {
            if case .tensorDataOutOfBounds(tensor: "w", start: _, byteSize: 256, fileSize: control.count - 1) = $0 { return true }
            return false
        }
    }

    func testDataSectionMissingEntirely() {
        var tiny = TinyFile()
        checkDefect("no data section", mentions: ["tensor 'w'"], base: tiny, defect: { $0.dataSlack = -256 }) {
            if case .tensorDataOutOfBounds(tensor: "w", _, _, _) = $0 { return true }
            return false
        }
        tiny.tensors = []
        XCTAssertNoThrow(try GGUFFile(bytes: tiny.bytes()), "a file without tensors needs no data section")
    }

    func testTruncatedInsideTensorInfo() {
        let control = TinyFile().bytes()
        let infoStart = TinyFile.keyValuesOffset + encodedKeyValue { $0.appendKeyValue("general.name", .string("tiny")) }.count
        let cut = Array(control.prefix(infoStart + 8 + 1 + 4 + 8 + 3))   // name, n_dims, ne[0], 3 bytes of ne[1]
        checkDefectBytes("cut in ne[1]", mentions: ["dimension 1 of tensor 'w'"], control: control, defect: cut) {
            if case .unexpectedEndOfFile(reading: "dimension 1 of tensor 'w'", _, needed: 8, available: 3) = $0 { return true }
            return false
        }
    }

    func testZeroDimensionalTensorIsOneElement() throws {
        var tiny = TinyFile()
        tiny.tensors = [RawTensorSpec(name: "s", dimensions: [])]
        let file = try GGUFFile(bytes: tiny.bytes())
        let s = try file.tensor(named: "s")
        XCTAssertEqual(s.dimensions, [])
        XCTAssertEqual(s.elementCount, 1)
        XCTAssertEqual(s.byteSize, 4)
    }
}
