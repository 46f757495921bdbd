import Foundation
import XCTest
@testable import GGUF

/// `Tests/Fixtures/gguf/dequant_reference.json` (schema in the README there), made by
/// `scripts/fixtures/gguf_dequant_reference.py` with the `gguf` Python package.
struct DequantReference: Decodable {
    struct TypeRow: Decodable {
        let name: String
        let id: UInt32
        let block_size: Int
        let type_size: Int
    }
    struct Case: Decodable {
        let label: String
        let type: String
        let type_id: UInt32
        let n_elements: Int
        let raw_base64: String
        let values_f32le_base64: String
    }
    let gguf_version: String
    let type_table: [TypeRow]
    let cases: [Case]

    static func load() throws -> DequantReference {
        let url = TestPaths.fixtures.appendingPathComponent("dequant_reference.json")
        return try JSONDecoder().decode(DequantReference.self, from: Data(contentsOf: url))
    }
}

/// Dequantisation against `gguf.quants.dequantize` (gguf 0.19.0) on random blocks.
///
/// Tolerance: 0 ulp (bit-identical), for every type. F32/F16/BF16 are exact widenings. For the
/// quant types every intermediate is exact in binary32 — an f16 scale (11 significant bits)
/// times a 6-bit sub-scale or an integer quant of at most 8 bits fits in 24 bits — so the
/// only rounding is the last operation (Q4_1's `+ m`, Q4_K's `− dmin·min`, Q6_K's final
/// product), which numpy and these kernels perform on the same operands in binary32. Even a
/// fused multiply-add would give the same result, since its product is exact. Any non-zero
/// ulp difference therefore means a layout or formula bug, not rounding noise.
final class DequantizeFixtureTests: XCTestCase {
    func testTypeTableMatchesGGUFPythonPackage() throws {
        let reference = try DequantReference.load()
        XCTAssertEqual(reference.gguf_version, "0.19.0")
        for row in reference.type_table {
            guard let type = GGMLType(rawValue: row.id) else {
                XCTFail("ggml type \(row.name) (id \(row.id)) is unknown to GGMLType")
                continue
            }
            XCTAssertEqual(type.description, row.name, "name of id \(row.id)")
            XCTAssertEqual(type.blockSize, row.block_size, "block size of \(row.name)")
            XCTAssertEqual(type.typeSize, row.type_size, "type size of \(row.name)")
        }
        XCTAssertEqual(Set(GGMLType.allCases.map(\.rawValue)), Set(reference.type_table.map(\.id)),
                       "GGMLType knows exactly the types of the gguf package")
    }

    func testEverySupportedTypeHasAFixtureCase() throws {
        let covered = Set(try DequantReference.load().cases.map(\.type))
        XCTAssertEqual(covered, Set(GGMLDequantizer.supportedTypes.map(\.description)))
    }

    func testDequantizationMatchesGGUFPythonPackageBitForBit() throws {
        for c in try DequantReference.load().cases {
            guard let type = GGMLType(rawValue: c.type_id) else {
                XCTFail("\(c.label): unknown type id \(c.type_id)")
                continue
            }
            let raw = try decodeBase64(c.raw_base64)
            let expected = try decodeFloat32Base64(c.values_f32le_base64)
            XCTAssertEqual(expected.count, c.n_elements, "\(c.label): fixture length")
            let actual = try GGMLDequantizer.dequantize(type, bytes: raw, elementCount: c.n_elements, context: c.label)
            assertFloatsMatch(c.label, actual, expected, maxULPs: 0)
            // Bit patterns too: ulp distance 0 treats -0 and +0 alike and any NaN as equal.
            let nanMatch = zip(actual, expected).allSatisfy { a, e in
                a.isNaN ? e.isNaN && a.bitPattern == e.bitPattern : a.bitPattern == e.bitPattern
            }
            XCTAssertTrue(nanMatch, "\(c.label): bit patterns (signed zeros, NaN payloads) differ")
        }
    }

    func testDequantizationThroughAFileMatchesTheFixture() throws {
        // The same bytes stored as a GGUF tensor of shape [n] read back through GGUFFile.
        var writer = try GGUFWriter()
        let reference = try DequantReference.load()
        for (i, c) in reference.cases.enumerated() {
            guard let type = GGMLType(rawValue: c.type_id) else { continue }
            try writer.addTensor(name: "case.\(i)", type: type, dimensions: [c.n_elements], rawBytes: try decodeBase64(c.raw_base64))
        }
        let file = try GGUFFile(bytes: writer.serialized())
        for (i, c) in reference.cases.enumerated() {
            let expected = try decodeFloat32Base64(c.values_f32le_base64)
            assertFloatsMatch("file \(c.label)", try file.dequantize(tensorNamed: "case.\(i)"), expected, maxULPs: 0)
        }
    }

    func testQ4_0NibbleOrderByHand() throws {
        // d = 1.0 (f16 0x3C00); byte j = (hi << 4) | lo with lo = j, hi = 15 − j.
        var block: [UInt8] = [0x00, 0x3C]
        for j in 0..<16 { block.append(UInt8((15 - j) << 4 | j)) }
        let values = try GGMLDequantizer.dequantize(.q4_0, bytes: block, elementCount: 32)
        XCTAssertEqual(Array(values[0..<16]), (0..<16).map { Float($0 - 8) }, "low nibbles are elements 0–15")
        XCTAssertEqual(Array(values[16..<32]), (0..<16).map { Float(7 - $0) }, "high nibbles are elements 16–31")
    }

    func testQ4_KScaleUnpackingByHand() {
        // Sub-blocks 0–3: 6 low bits of bytes 0–3 (scale) and 4–7 (min). Sub-blocks 4–7: low
        // nibble (scale) / high nibble (min) of bytes 8–11, top 2 bits from the top bits of
        // bytes 0–3 (scale) / 4–7 (min).
        let packed: [UInt8] = [0b11_000001, 0b00_000010, 0b01_000011, 0b10_111111,
                               0b11_000101, 0b00_000110, 0b10_000111, 0b01_001000,
                               0x21, 0x43, 0x65, 0x87]
        let unpacked = packed.withUnsafeBytes { q in (0..<8).map { DequantizeKernels.q4KScaleMin($0, q.baseAddress!) } }
        XCTAssertEqual(unpacked.map(\.scale), [1, 2, 3, 63, 0x31, 0x03, 0x15, 0x27])
        XCTAssertEqual(unpacked.map(\.min), [5, 6, 7, 8, 0x32, 0x04, 0x26, 0x18])
    }
}
