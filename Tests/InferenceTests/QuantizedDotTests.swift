import CQuantizedKernels
import GGUF
@testable import Inference
import XCTest

/// The integer dot kernels of `CQuantizedKernels` on random, valid weight blocks
/// (`QuantizedBlocks`: random quant bytes, finite f16 scales of 2⁻⁸…2⁻⁴) and random activations.
///
/// Bounds (x̂_i = d_x·p_i the quantised activation, w_i the dequantised weight (GGMLDequantizer),
/// w'_i the weight with its scale field(s) d set to 0, i.e. its minimum part, n_b the block count):
/// * quantisation: |x_i − x̂_i| ≤ d_x/2 (round to nearest; ·(1 + 2⁻¹⁴) for the rounding of 1/d_x and x/d_x),
///   so |Σ w_i·x_i − Σ w_i·x̂_i| ≤ Σ_blocks (d_x/2)·Σ_{i∈block} |w_i|;
/// * float rounding: every variant sums exact integers per block (or per lane) and folds them
///   with one rounding per product and addition, so its error against the exact Σ w_i·x̂_i is at
///   most 4(n_b + 16)·2⁻²⁴·S with S = Σ_i (|w_i| + 2|w'_i|)·|x̂_i| (the scale part of w is at
///   most |w| + |w'|, the min part |w'|). Two variants differ by at most twice that.
final class QuantizedDotTests: XCTestCase {
    static let types: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K]
    static let count = 512

    struct Case {
        let type: GGMLType
        var bytes: [UInt8]
        var x: [Float]
    }

    /// Dequantised weights of `bytes`.
    static func dequantise(_ type: GGMLType, _ bytes: [UInt8]) throws -> [Float] {
        var out = [Float](repeating: 0, count: Self.count)
        try bytes.withUnsafeBytes { raw in
            try out.withUnsafeMutableBufferPointer {
                try GGMLDequantizer.dequantize(type, from: raw, elementCount: Self.count, into: $0, context: "test")
            }
        }
        return out
    }

    /// `bytes` with every f16 field listed in `offsets` (per block) set to +0.
    static func zeroing(_ type: GGMLType, _ bytes: [UInt8], offsets: [Int]) -> [UInt8] {
        var out = bytes
        for block in 0..<(Self.count / type.blockSize) {
            for offset in offsets { out[block * type.typeSize + offset] = 0; out[block * type.typeSize + offset + 1] = 0 }
        }
        return out
    }

    /// The quantised activations of `x` and their dequantised values x̂ and per-block scales d_x.
    static func quantise(_ type: GGMLType, _ x: [Float]) -> (blocks: [UInt8], values: [Float], scales: [Float]) {
        let t = Int32(type.rawValue), length = Int(ropescope_qdot_block_length(t))
        let bytes = ropescope_qdot_activation_bytes(t, x.count)
        var blocks = [UInt8](repeating: 0, count: bytes)
        let status = blocks.withUnsafeMutableBytes { ropescope_qdot_quantize(t, x, x.count, $0.baseAddress) }
        XCTAssertEqual(status, 0)
        let blockBytes = length == 32 ? 40 : 292, quantOffset = length == 32 ? 8 : 36
        var values: [Float] = [], scales: [Float] = []
        blocks.withUnsafeBytes { raw in
            for b in 0..<(x.count / length) {
                let d = raw.loadUnaligned(fromByteOffset: b * blockBytes, as: Float.self)
                scales.append(d)
                for i in 0..<length {
                    values.append(d * Float(raw.load(fromByteOffset: b * blockBytes + quantOffset + i, as: Int8.self)))
                }
            }
        }
        return (blocks, values, scales)
    }

    func dot(_ variant: QuantizedKernelVariant, _ type: GGMLType, _ bytes: [UInt8], _ blocks: [UInt8]) -> Float {
        var y: Float = .nan
        let status = bytes.withUnsafeBytes { w in
            blocks.withUnsafeBytes { a in
                ropescope_qdot_matrix(variant.code, Int32(type.rawValue), Self.count, w.baseAddress, w.count, 1,
                                      a.baseAddress, a.count, 1, &y, 1, 0)
            }
        }
        XCTAssertEqual(status, 0, "\(variant) \(type)")
        return y
    }

    /// Bounds of the file comment for weights `bytes` against activations `x`.
    static func bounds(_ type: GGMLType, _ bytes: [UInt8], _ x: [Float]) throws
        -> (reference: Double, quantisation: Double, rounding: Double, blocks: [UInt8]) {
        let w = try Self.dequantise(type, bytes)
        let minimum = try Self.dequantise(type, Self.zeroing(type, bytes, offsets: [QuantizedBlocks.scaleOffsets(type)[0]]))
        let (blocks, values, scales) = Self.quantise(type, x)
        let length = Int(ropescope_qdot_block_length(Int32(type.rawValue)))
        var reference = 0.0, quantisation = 0.0, s = 0.0
        for i in 0..<Self.count {
            reference += Double(w[i]) * Double(x[i])
            quantisation += Double(scales[i / length]) / 2 * (1 + 0x1p-14) * Double(abs(w[i]))
            s += (Double(abs(w[i])) + 2 * Double(abs(minimum[i]))) * Double(abs(values[i]))
        }
        let rounding = 4 * Double(Self.count / type.blockSize + 16) * 0x1p-24 * s
        return (reference, quantisation, rounding, blocks)
    }

    func randomCase(_ type: GGMLType, seed: inout UInt64) -> Case {
        Case(type: type, bytes: QuantizedBlocks.bytes(type, count: Self.count, seed: &seed),
             x: TinyValues.values(Self.count, seed: &seed, scale: 1))
    }

    /// (a) every SIMD variant of this CPU equals the portable one within 2× the rounding bound,
    /// (b) the portable dot equals the float64 reference Σ w_i·x_i within quantisation + rounding.
    func testVariantsAndPortableAgainstDequantisedReference() throws {
        XCTAssertTrue(QuantizedKernelVariant.portable.isAvailable)
        var seed: UInt64 = 7
        for type in Self.types {
            XCTAssertTrue(QuantizedKernels.supports(type), "\(type)")
            for trial in 0..<20 {
                let c = randomCase(type, seed: &seed)
                let (reference, quantisation, rounding, blocks) = try Self.bounds(type, c.bytes, c.x)
                let portable = dot(.portable, type, c.bytes, blocks)
                XCTAssertLessThanOrEqual(abs(Double(portable) - reference), quantisation + rounding,
                                         "\(type) trial \(trial): portable \(portable) vs reference \(reference)")
                for variant in QuantizedKernelVariant.allCases where variant != .portable && variant.isAvailable {
                    let simd = dot(variant, type, c.bytes, blocks)
                    XCTAssertLessThanOrEqual(abs(Double(simd) - Double(portable)), 2 * rounding,
                                             "\(type) trial \(trial): \(variant) \(simd) vs portable \(portable)")
                }
            }
        }
    }

    /// (c) The bound is tight enough to catch a kernel that ignores a block's scale d or its
    /// minimum: with activations x_i = ±u_i (u_i in [0.5, 1]) signed like the change of w_i when
    /// that field is zeroed (a minimum of the scale's magnitude), the reference moves by > 4× the
    /// bound of (b) — a kernel that ignored the field lands within the bound of the wrong reference,
    /// so more than 3× the bound from the true one — and every variant stays within (b) of the
    /// true reference.
    func testIgnoredScaleOrMinimumWouldBeCaught() throws {
        var seed: UInt64 = 99
        for type in Self.types {
            let fields = QuantizedBlocks.scaleOffsets(type).map { [$0] }
            for field in fields {
                var bytes = QuantizedBlocks.bytes(type, count: Self.count, seed: &seed)
                if field[0] != QuantizedBlocks.scaleOffsets(type)[0] {
                    // A minimum of the scale's magnitude (random magnitudes may differ 16×).
                    for block in 0..<(Self.count / type.blockSize) {
                        let base = block * type.typeSize
                        bytes[base + field[0]] = bytes[base]
                        bytes[base + field[0] + 1] = bytes[base + 1]
                    }
                }
                let w = try Self.dequantise(type, bytes), wrong = try Self.dequantise(type, Self.zeroing(type, bytes, offsets: field))
                let u = TinyValues.values(Self.count, seed: &seed, scale: 0.25)
                let x = (0..<Self.count).map { i in (w[i] - wrong[i] >= 0 ? 1 : -1) * (0.75 + u[i]) }
                let (reference, quantisation, rounding, blocks) = try Self.bounds(type, bytes, x)
                let wrongReference = zip(wrong, x).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                let bound = quantisation + rounding
                XCTAssertGreaterThan(abs(reference - wrongReference), 4 * bound, "\(type) field \(field)")
                for variant in QuantizedKernelVariant.allCases where variant.isAvailable {
                    let value = dot(variant, type, bytes, blocks)
                    XCTAssertLessThanOrEqual(abs(Double(value) - reference), bound, "\(type) \(variant) field \(field)")
                }
            }
        }
    }

    /// Quantised activations: scale max|x|/127, |x − x̂| ≤ d/2, zero rows give zero, NaN propagates.
    func testActivationQuantisation() {
        var seed: UInt64 = 5
        let x = TinyValues.values(512, seed: &seed, scale: 3)
        for type in [GGMLType.q4_1, .q6_K] {
            let (_, values, scales) = Self.quantise(type, x)
            let length = 512 / scales.count
            for (b, d) in scales.enumerated() {
                let block = x[(b * length)..<((b + 1) * length)]
                XCTAssertEqual(d, block.map(abs).max()! / 127, accuracy: d * 1e-6)
                for i in block.indices { XCTAssertLessThanOrEqual(abs(x[i] - values[i]), d / 2 * (1 + 1e-4)) }
            }
            XCTAssertEqual(Self.quantise(type, [Float](repeating: 0, count: 512)).values, [Float](repeating: 0, count: 512))
            var bad = x
            bad[3] = .nan
            XCTAssertTrue(Self.quantise(type, bad).scales[0].isNaN)
        }
        XCTAssertEqual(ropescope_qdot_quantize(Int32(GGMLType.q4_K.rawValue), x, 100, nil), -1, "not a whole super-block")
        XCTAssertEqual(ropescope_qdot_block_length(Int32(GGMLType.q2_K.rawValue)), 0)
    }

    /// `ROPESCOPE_QUANT_KERNEL` values: auto/absent -> best, names -> that variant, else an error
    /// naming the variable and the allowed values.
    func testSettingsAreValidated() throws {
        XCTAssertEqual(try QuantizedKernels.resolve(nil), QuantizedKernelVariant.best)
        XCTAssertEqual(try QuantizedKernels.resolve("auto"), QuantizedKernelVariant.best)
        XCTAssertEqual(try QuantizedKernels.resolve("portable"), .portable)
        XCTAssertThrowsError(try QuantizedKernels.resolve("sse9")) { error in
            XCTAssertTrue("\(error)".contains("ROPESCOPE_QUANT_KERNEL"), "\(error)")
            XCTAssertTrue("\(error)".contains("portable"), "\(error)")
        }
    }

    /// Linear's integer path over several activation rows, a sub-range of output rows, a row
    /// stride and accumulation: every element equals its single dot (+ the old value).
    func testLinearIntegerPathMatchesSingleDots() throws {
        var seed: UInt64 = 31
        let rows = 3, outputs = 70, type = GGMLType.q4_1
        var writer = try GGUFWriter()
        try QuantizedBlocks.add(&writer, "w", type, rows: outputs, columns: Self.count, seed: &seed)
        let file = try GGUFFile(bytes: writer.serialized())
        let matrix = try QuantizedMatrix(file: file, tensor: try file.tensor(named: "w"))
        let x = TinyValues.values(rows * Self.count, seed: &seed, scale: 1)
        let range = 5..<65, ldy = 64
        var y = [Float](repeating: 0.5, count: rows * ldy)
        x.withUnsafeBufferPointer { input in
            y.withUnsafeMutableBufferPointer { out in
                Linear.applyIntegerDot(input.baseAddress!, rows: rows, inFeatures: Self.count, weight: matrix,
                                       outputRows: range, into: out.baseAddress!, ldy: ldy, accumulate: true)
            }
        }
        let all = try file.withRawBytes(of: try file.tensor(named: "w")) { Array($0) }
        let stride = matrix.tensor.rowByteSize
        for r in 0..<rows {
            let blocks = Self.quantise(type, Array(x[(r * Self.count)..<((r + 1) * Self.count)])).blocks
            for o in range {
                let single = dot(QuantizedKernels.active, type, Array(all[(o * stride)..<((o + 1) * stride)]), blocks)
                XCTAssertEqual(y[r * ldy + o - range.lowerBound], 0.5 + single, "row \(r) output \(o)")
            }
            XCTAssertEqual(y[r * ldy + range.count], 0.5, "beyond the range untouched")
        }
    }
}
