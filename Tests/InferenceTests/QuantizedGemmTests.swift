import CQuantizedKernels
import GGUF
@testable import Inference
import XCTest

/// The packed K-quant GEMM (`ropescope_qgemm`, `Linear.applyIntegerGemm`) on random, valid weight
/// blocks (`QuantizedBlocks`) and random activations, against the bounds of `QuantizedDotTests`:
/// per output, the float64 reference Σ w_i·x_i within quantisation + rounding, and the portable
/// single dot (the reference of the integer path) within 2× rounding (both sum the same exact
/// integers per sub-block; only the float folding differs).
final class QuantizedGemmTests: XCTestCase {
    static let types: [GGMLType] = [.q4_K, .q5_K, .q6_K]
    static let count = QuantizedDotTests.count

    /// GEMM variants this CPU runs (portable always).
    static var variants: [Int32] {
        [Int32(ROPESCOPE_QGEMM_PORTABLE), Int32(ROPESCOPE_QGEMM_AVX2), Int32(ROPESCOPE_QGEMM_AVX512VNNI)]
            .filter { ropescope_qgemm_variant_available($0) != 0 }
    }

    /// y = GEMM of `rows` weight rows (`bytes`, row-major blocks) and the activation rows `blocks`
    /// (each `activationBytes`), written with row stride `ldy` over `initial` (accumulating when given).
    func gemm(_ variant: Int32, _ type: GGMLType, _ bytes: [UInt8], rows: Int, _ blocks: [UInt8], activationBytes: Int,
              xRows: Int, ldy: Int, initial: [Float]?) -> [Float] {
        let t = Int32(type.rawValue), stride = bytes.count / rows
        var y = initial ?? [Float](repeating: .nan, count: xRows * ldy)
        let panelBytes = ropescope_qgemm_panel_bytes(t, Self.count, rows)
        XCTAssertGreaterThan(panelBytes, 0)
        let panel = UnsafeMutableRawPointer.allocate(byteCount: panelBytes, alignment: 64)
        defer { panel.deallocate() }
        // Garbage in the scratch must not leak into results (padding lanes are cleared by the packer).
        panel.initializeMemory(as: UInt8.self, repeating: 0xA5, count: panelBytes)
        let status = bytes.withUnsafeBytes { w in
            blocks.withUnsafeBytes { a in
                y.withUnsafeMutableBufferPointer { out in
                    ropescope_qgemm(variant, t, Self.count, w.baseAddress, stride, rows, a.baseAddress, activationBytes, xRows,
                                    out.baseAddress, ldy, initial == nil ? 0 : 1, panel)
                }
            }
        }
        XCTAssertEqual(status, 0, "variant \(variant) \(type)")
        return y
    }

    /// Every variant, for weight-row counts around the 32-lane sub-panel and activation-row counts
    /// around the 4-row register tile, with a row stride wider than the output and accumulation.
    func testEveryOutputWithinBoundsOfReferenceAndPortableDot() throws {
        var seed: UInt64 = 2026
        for type in Self.types {
            XCTAssertEqual(ropescope_qgemm_supports(Int32(type.rawValue)), 1, "\(type)")
            for (rows, xRows) in [(1, 1), (33, 5), (70, 4), (32, 11)] {
                let bytes = QuantizedBlocks.bytes(type, count: rows * Self.count, seed: &seed)
                let x = TinyValues.values(xRows * Self.count, seed: &seed, scale: 1)
                let rowBytes = bytes.count / rows
                // bounds[r][o] of the file comment, and the activation blocks of row r.
                var bounds: [[(reference: Double, quantisation: Double, rounding: Double)]] = []
                var blocks: [UInt8] = []
                for r in 0..<xRows {
                    let xr = Array(x[(r * Self.count)..<((r + 1) * Self.count)])
                    var row: [(Double, Double, Double)] = []
                    for o in 0..<rows {
                        let b = try QuantizedDotTests.bounds(type, Array(bytes[(o * rowBytes)..<((o + 1) * rowBytes)]), xr)
                        row.append((b.reference, b.quantisation, b.rounding))
                        if o == 0 { blocks += b.blocks }
                    }
                    bounds.append(row)
                }
                let activationBytes = blocks.count / xRows
                let ldy = rows + 3
                var portable = [Float](repeating: .nan, count: xRows * ldy)
                let status = bytes.withUnsafeBytes { w in
                    blocks.withUnsafeBytes { a in
                        portable.withUnsafeMutableBufferPointer {
                            ropescope_qdot_matrix(QuantizedKernelVariant.portable.code, Int32(type.rawValue), Self.count, w.baseAddress,
                                                  rowBytes, rows, a.baseAddress, activationBytes, xRows, $0.baseAddress, ldy, 0)
                        }
                    }
                }
                XCTAssertEqual(status, 0)
                let initial = TinyValues.values(xRows * ldy, seed: &seed, scale: 2)
                for variant in Self.variants {
                    let y = gemm(variant, type, bytes, rows: rows, blocks, activationBytes: activationBytes, xRows: xRows, ldy: ldy, initial: nil)
                    let added = gemm(variant, type, bytes, rows: rows, blocks, activationBytes: activationBytes, xRows: xRows, ldy: ldy,
                                     initial: initial)
                    for r in 0..<xRows {
                        for o in 0..<ldy {
                            let i = r * ldy + o
                            guard o < rows else {
                                XCTAssertTrue(y[i].isNaN, "\(type) variant \(variant): column \(o) past the matrix was written")
                                XCTAssertEqual(added[i], initial[i], "\(type) variant \(variant): column \(o) past the matrix was written")
                                continue
                            }
                            let b = bounds[r][o], context = "\(type) variant \(variant) rows \(rows)×\(xRows) at (\(r), \(o))"
                            XCTAssertLessThanOrEqual(abs(Double(y[i]) - b.reference), b.quantisation + b.rounding, context)
                            XCTAssertLessThanOrEqual(abs(Double(y[i]) - Double(portable[i])), 2 * b.rounding, context)
                            XCTAssertEqual(added[i], initial[i] + y[i], accuracy: 2 * Float(b.rounding) + abs(initial[i]) * 0x1p-23, context)
                        }
                    }
                }
            }
        }
    }

    /// Rejected requests: an unsupported type, a row length that is not whole super-blocks, an
    /// unknown variant.
    func testRejectsUnsupportedRequests() {
        var y: Float = 0
        XCTAssertEqual(ropescope_qgemm_supports(Int32(GGMLType.q4_1.rawValue)), 0)
        XCTAssertEqual(ropescope_qgemm_panel_bytes(Int32(GGMLType.q4_1.rawValue), 256, 1), 0)
        XCTAssertEqual(ropescope_qgemm_panel_bytes(Int32(GGMLType.q4_K.rawValue), 100, 1), 0)
        XCTAssertEqual(ropescope_qgemm(0, Int32(GGMLType.q4_1.rawValue), 256, nil, 0, 1, nil, 0, 1, &y, 1, 0, nil), -1)
        XCTAssertEqual(ropescope_qgemm(0, Int32(GGMLType.q4_K.rawValue), 100, nil, 0, 1, nil, 0, 1, &y, 1, 0, nil), -1)
        XCTAssertEqual(ropescope_qgemm(7, Int32(GGMLType.q4_K.rawValue), 256, nil, 0, 1, nil, 0, 1, &y, 1, 0, nil), -1)
        XCTAssertEqual(ropescope_qgemm_variant_available(7), 0)
    }

    /// Linear over a K-quant matrix with more rows than the integer dots take: on a CPU with the
    /// GEMM it runs there (and `portable` turns it off), and either way every output is within
    /// quantisation + rounding of the float64 product (the sgemm panel path is exact up to rounding,
    /// so it meets the same bound), accumulating onto y when asked.
    func testLinearManyRowsOverKQuantMatrix() throws {
        var seed: UInt64 = 77
        let xRows = Linear.smallRowLimit + 13, outputs = 45
        for type in Self.types {
            var writer = try GGUFWriter()
            try QuantizedBlocks.add(&writer, "w", type, rows: outputs, columns: Self.count, seed: &seed)
            let file = try GGUFFile(bytes: writer.serialized())
            let matrix = try QuantizedMatrix(file: file, tensor: try file.tensor(named: "w"))
            XCTAssertEqual(Linear.usesIntegerGemm(matrix, rows: xRows), QuantizedKernels.gemmVariant(for: type) != nil)
            XCTAssertFalse(Linear.usesIntegerGemm(matrix, rows: Linear.smallRowLimit))
            QuantizedKernels.withVariant(.portable) { XCTAssertFalse(Linear.usesIntegerGemm(matrix, rows: xRows)) }
            let x = TinyValues.values(xRows * Self.count, seed: &seed, scale: 1)
            let initial = TinyValues.values(xRows * outputs, seed: &seed, scale: 1)
            var y = initial
            x.withUnsafeBufferPointer { input in
                y.withUnsafeMutableBufferPointer { out in
                    Linear.apply(input.baseAddress!, rows: xRows, inFeatures: Self.count, weight: matrix, outFeatures: outputs,
                                 into: out.baseAddress!, accumulate: true)
                }
            }
            let rowBytes = matrix.tensor.rowByteSize
            let bytes = try file.rawBytes(of: matrix.tensor).withUnsafeBytes { Array($0) }
            for r in 0..<xRows {
                let xr = Array(x[(r * Self.count)..<((r + 1) * Self.count)])
                for o in 0..<outputs {
                    let b = try QuantizedDotTests.bounds(type, Array(bytes[(o * rowBytes)..<((o + 1) * rowBytes)]), xr)
                    let value = Double(y[r * outputs + o]) - Double(initial[r * outputs + o])
                    XCTAssertLessThanOrEqual(abs(value - b.reference), b.quantisation + b.rounding + 2 * Double(abs(initial[r * outputs + o])) * 0x1p-24,
                                             "\(type) at (\(r), \(o))")
                }
            }
        }
    }

    /// A model whose matrices are all K-quants: a full forward of 24 tokens (every product on the
    /// integer GEMM, output head included) equals decoding the same tokens one at a time through
    /// the KV cache (every product on the integer dots): the same integers per sub-block, so only
    /// float summation order differs, within QuantizedDecodeTests' 1e-4·(1 + max|logit|).
    func testModelPrefillOnGemmEqualsTokenByTokenDecodeOnIntegerDots() throws {
        let variants = QuantizedKernelVariant.allCases.filter { $0.isAvailable && $0.gemmCode != nil }
        try XCTSkipIf(variants.isEmpty, "this CPU has no integer GEMM (AVX2 or AVX-512 VNNI)")
        for variant in variants { try QuantizedKernels.withVariant(variant) { try checkPrefillEqualsDecode(variant) } }
    }

    func checkPrefillEqualsDecode(_ variant: QuantizedKernelVariant) throws {
        let file = try QuantizedModelTests.file(tied: false, types: Self.types)
        let model = try LlamaGGUFLoader.model(file, storage: .quantized)
        let frequencies = try model.frequencies(.none)
        let length = 24
        let tokens = (0..<length).map { Int32(($0 * 37 + 11) % model.configuration.vocabularySize) }
        let full = try model.forward(tokens: tokens, frequencies: frequencies).logits
        let cache = try KeyValueCache(model: model, capacity: length, frequencies: frequencies)
        var stepped: [Float] = []
        for token in tokens { stepped += try model.extend(cache, tokens: [token]).logits }
        XCTAssertEqual(full.count, stepped.count)
        let spread = full.reduce(Float(0)) { max($0, abs($1)) }
        XCTAssertGreaterThan(spread, 0.1, "logits are not degenerate")
        let worst = zip(full, stepped).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        XCTAssertLessThanOrEqual(worst, 1e-4 * (1 + spread), "\(variant): largest |logit| \(spread)")
        // Against the widened panels (float activations) the same logits move visibly: the check
        // above would catch a GEMM that silently fell back to them.
        let panels = try QuantizedKernels.withVariant(.portable) { try model.forward(tokens: tokens, frequencies: frequencies).logits }
        let moved = zip(full, panels).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        XCTAssertGreaterThan(moved, 10 * 1e-4 * (1 + spread), "\(variant): 8-bit activations change the logits")
    }
}
