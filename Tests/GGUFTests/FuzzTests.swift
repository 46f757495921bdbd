import RoPEScopeTestSupport
import XCTest
@testable import GGUF

/// Deterministic mutation fuzzing: every truncation and thousands of random byte edits of a
/// valid file must either parse (and then read every tensor) or throw a `GGUFError`; a crash
/// fails the whole test run.
final class FuzzTests: XCTestCase {
    private func seedFile() throws -> [UInt8] {
        var writer = try GGUFWriter(alignment: 64)
        for (key, value) in RoundTripTests.everyValue { try writer.addMetadata(key, value) }
        try writer.addTensor(name: "f32", dimensions: [4, 2], values: (0..<8).map(Float.init))
        try writer.addTensor(name: "q4_K", type: .q4_K, dimensions: [256], rawBytes: (0..<144).map { UInt8($0) })
        try writer.addTensor(name: "q6_K", type: .q6_K, dimensions: [256], rawBytes: (0..<210).map { UInt8(255 - $0) })
        try writer.addTensor(name: "q4_1", type: .q4_1, dimensions: [32, 2], rawBytes: (0..<40).map { UInt8($0 * 3 % 256) })
        return writer.serialized()
    }

    /// Parses `bytes`; on success touches every tensor. Returns whether it parsed.
    @discardableResult
    private func exercise(_ bytes: [UInt8], _ label: String) -> Bool {
        do {
            let file = try GGUFFile(bytes: bytes)
            for tensor in file.tensors {
                XCTAssertEqual(try file.rawBytes(of: tensor).count, tensor.byteSize, label)
                if tensor.type.isDequantizable {
                    XCTAssertEqual(try file.dequantize(tensor).count, tensor.elementCount, label)
                }
            }
            return true
        } catch is GGUFError {
            return false
        } catch {
            XCTFail("\(label): non-GGUF error \(error)")
            return false
        }
    }

    func testEveryTruncationIsRejectedCleanly() throws {
        let bytes = try seedFile()
        XCTAssertTrue(exercise(bytes, "seed"))
        // The last tensor's trailing padding is not required; anything shorter must fail.
        let lastEnd = try GGUFFile(bytes: bytes).tensors.last.map { $0.fileOffset + $0.byteSize } ?? bytes.count
        for length in 0..<lastEnd {
            XCTAssertFalse(exercise(Array(bytes.prefix(length)), "truncated to \(length)"), "truncated to \(length) parsed")
        }
    }

    func testRandomByteEditsNeverCrash() throws {
        let seed = try seedFile()
        var rng = SeededGenerator(seed: 0x5EED)
        var parsed = 0
        for round in 0..<3000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[position] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                default: bytes[position] = [0x00, 0xFF, 0x7F, 0x80][Int.random(in: 0..<4, using: &rng)]
                }
            }
            if exercise(bytes, "round \(round)") { parsed += 1 }
        }
        // Most single-byte edits land in tensor data or padding, which stay valid files.
        XCTAssertGreaterThan(parsed, 0)
    }
}
