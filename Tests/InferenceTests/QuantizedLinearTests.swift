import Foundation
import GGUF
@testable import Inference
import XCTest

/// `Linear.apply` on a `QuantizedMatrix` (per-tile dequantisation + sgemm) against an independent
/// reference: the whole matrix dequantised by `GGUFFile.dequantize` (itself checked against
/// gguf-py in GGUFTests) and the product summed in Double.
///
/// Tolerance: sgemm sums the `n` products x·w in float32 in some order; the standard bound on the
/// error of such a sum is γₙ·Σ|x_i·w_i| with γₙ ≈ n·u, u = 2⁻²⁴. The test allows n·ε·Σ|x·w|
/// (ε = 2⁻²³ = 2u), symmetric, plus the float32 rounding of the reference itself.
final class QuantizedLinearTests: XCTestCase {
    static let columns = 256   // a multiple of every block size (256 for the k-quants)

    static func matrix(_ type: GGMLType, rows: Int, seed: UInt64) throws -> (GGUFFile, QuantizedMatrix) {
        var seed = seed
        var writer = try GGUFWriter()
        try QuantizedBlocks.add(&writer, "w", type, rows: rows, columns: columns, seed: &seed)
        let file = try GGUFFile(bytes: writer.serialized())
        return (file, try QuantizedMatrix(file: file, tensor: try file.tensor(named: "w")))
    }

    func testEveryDequantisableTypeMatchesDequantiseThenMultiply() throws {
        try checkAgainstDequantiseThenMultiply(types: GGMLDequantizer.supportedTypes, rows: Linear.smallRowLimit + 1, out: 1100)
    }

    /// A long window (≥ 256 rows, where panels are at least 256 output rows wide) on the panel
    /// path, split over the cores.
    func testLongWindowsUseWidePanelsWithTheSameResult() throws {
        try checkAgainstDequantiseThenMultiply(types: [.q4_K], rows: 256, out: 300)
    }

    func checkAgainstDequantiseThenMultiply(types: [GGMLType], rows: Int, out: Int) throws {
        // 1100 output rows: three panels at in = 256 (512 + 512 + 76 rows), so tile edges are covered.
        // More rows than `Linear.smallRowLimit`: the panel + sgemm path (fewer rows take the integer
        // dots, whose activation quantisation QuantizedDotTests bounds).
        let n = Self.columns
        for type in types {
            let (file, matrix) = try Self.matrix(type, rows: out, seed: 7 + UInt64(type.rawValue))
            let dense = try file.dequantize(matrix.tensor)
            var seed: UInt64 = 99
            let x = TinyValues.values(rows * n, seed: &seed, scale: 1)
            let start = TinyValues.values(rows * out, seed: &seed, scale: 1)
            for accumulate in [false, true] {
                var y = start
                x.withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        // `portable`: K-quants stay on the panel path (the integer GEMM: QuantizedGemmTests).
                        QuantizedKernels.withVariant(.portable) {
                            Linear.apply(xp.baseAddress!, rows: rows, inFeatures: n, weight: matrix, outFeatures: out,
                                         into: yp.baseAddress!, accumulate: accumulate)
                        }
                    }
                }
                var worst = 0.0
                for r in 0..<rows {
                    for o in 0..<out {
                        var sum = accumulate ? Double(start[r * out + o]) : 0, magnitude = abs(sum)
                        for i in 0..<n {
                            let p = Double(x[r * n + i]) * Double(dense[o * n + i])
                            sum += p
                            magnitude += abs(p)
                        }
                        let bound = Double(n + 1) * Double(Float.ulpOfOne) * magnitude + Double(Float.ulpOfOne) * abs(sum)
                        let error = abs(Double(y[r * out + o]) - sum)
                        worst = max(worst, error / max(bound, .leastNormalMagnitude))
                        if error > bound {
                            XCTFail("\(type) accumulate=\(accumulate) y[\(r), \(o)] = \(y[r * out + o]), reference \(sum), bound \(bound)")
                            return
                        }
                    }
                }
                XCTAssertLessThanOrEqual(worst, 1, "\(type)")
            }
        }
    }

    /// The fused region (Q/K/V, gate/up of a decode step) computes each output exactly as its own
    /// integer-dot product does: the same dots over the same quantised activations.
    func testFusedIntegerDotsEqualSeparateProducts() throws {
        let n = Self.columns
        for type in [GGMLType.q4_1, .q8_0, .q4_K, .q6_K] where QuantizedKernels.supports(type) {
            let (fileA, a) = try Self.matrix(type, rows: 70, seed: 3)
            let (fileB, b) = try Self.matrix(type, rows: 33, seed: 4)
            for rows in [1, 3] {
                var seed: UInt64 = 5
                let x = TinyValues.values(rows * n, seed: &seed, scale: 1)
                var fusedA = [Float](repeating: .nan, count: rows * 70), fusedB = [Float](repeating: .nan, count: rows * 33)
                var aloneA = fusedA, aloneB = fusedB
                x.withUnsafeBufferPointer { xp in
                    fusedA.withUnsafeMutableBufferPointer { ya in
                        fusedB.withUnsafeMutableBufferPointer { yb in
                            Linear.applyIntegerDot(xp.baseAddress!, rows: rows, inFeatures: n, products: [
                                .init(weight: a, output: ya.baseAddress!), .init(weight: b, output: yb.baseAddress!)])
                        }
                    }
                    aloneA.withUnsafeMutableBufferPointer {
                        Linear.applyIntegerDot(xp.baseAddress!, rows: rows, inFeatures: n, weight: a, into: $0.baseAddress!)
                    }
                    aloneB.withUnsafeMutableBufferPointer {
                        Linear.applyIntegerDot(xp.baseAddress!, rows: rows, inFeatures: n, weight: b, into: $0.baseAddress!)
                    }
                }
                XCTAssertEqual(fusedA.map(\.bitPattern), aloneA.map(\.bitPattern), "\(type) rows \(rows): first product")
                XCTAssertEqual(fusedB.map(\.bitPattern), aloneB.map(\.bitPattern), "\(type) rows \(rows): second product")
            }
            _ = (fileA, fileB)
        }
    }

    func testUnsupportedTypeIsAnErrorNamingTensorAndType() throws {
        var writer = try GGUFWriter()
        try writer.addTensor(name: "blk.0.attn_q.weight", type: .iq4_nl, dimensions: [32, 2],
                             rawBytes: [UInt8](repeating: 0, count: 2 * GGMLType.iq4_nl.typeSize))
        let file = try GGUFFile(bytes: writer.serialized())
        XCTAssertThrowsError(try QuantizedMatrix(file: file, tensor: try file.tensor(named: "blk.0.attn_q.weight"))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("blk.0.attn_q.weight") && text.contains("IQ4_NL"), text)
        }
    }

    func testRowsIntoMatchesTheAllocatingReaderAndChecksBounds() throws {
        let (file, matrix) = try Self.matrix(.q4_K, rows: 6, seed: 3)
        let all = try file.dequantize(matrix.tensor)
        var rows = [Float](repeating: .nan, count: 2 * Self.columns)
        try rows.withUnsafeMutableBufferPointer { try file.dequantizeRows(of: matrix.tensor, 3..<5, into: $0.baseAddress!) }
        XCTAssertEqual(rows, Array(all[(3 * Self.columns)..<(5 * Self.columns)]))
        XCTAssertThrowsError(try rows.withUnsafeMutableBufferPointer {
            try file.dequantizeRows(of: matrix.tensor, 5..<7, into: $0.baseAddress!)
        }) { error in XCTAssertTrue("\(error)".contains("'w'"), "\(error)") }
    }
}
