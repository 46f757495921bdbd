/// Dequantisation of the k-quants Q2_K, Q3_K and Q5_K (256-element super-blocks).
///
/// Ported from ggml-org/llama.cpp `ggml/src/ggml-quants.c` (`dequantize_row_q2_K`, `_q3_K`,
/// `_q5_K`) with the layouts of `ggml-common.h` (`block_q2_K`, `block_q3_K`, `block_q5_K`).
/// Same float operations in the same order as there and in the `gguf` Python package; every
/// intermediate product is exact in `Float`, so results are bit-identical (checked against the
/// fixture of scripts/fixtures/gguf_dequant_reference.py).
extension DequantizeKernels {
    /// Q2_K (84 B per 256 elements): scales[16] (low nibble: scale, high nibble: min, one pair per
    /// 16 elements), qs[64] (2-bit quants), f16 d, f16 dmin. Per 128-element half, the four bit
    /// pairs (shift 0, 2, 4, 6) of qs[0..<32] give four 32-element groups, each two 16-element
    /// sub-blocks: `y = (d · scale) · q − dmin · min`.
    static func q2_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let block = src + b * 84
            let d = float16(block, 80)
            let dmin = float16(block, 82)
            var y = dst + b * 256
            var scaleIndex = 0
            for half in 0..<2 {
                let q = block + 16 + 32 * half
                for shift in stride(from: 0, to: 8, by: 2) {
                    for part in 0..<2 {
                        let sc = block.load(fromByteOffset: scaleIndex, as: UInt8.self)
                        scaleIndex += 1
                        let dl = d * Float(sc & 0x0F), ml = dmin * Float(sc >> 4)
                        for l in 0..<16 {
                            let quant = (q.load(fromByteOffset: l + 16 * part, as: UInt8.self) >> UInt8(shift)) & 3
                            y[l] = dl * Float(quant) - ml
                        }
                        y += 16
                    }
                }
            }
        }
    }

    /// Signed 6-bit scale j (0..<16) of a Q3_K block from its 12 packed bytes: low 4 bits from
    /// byte j (j < 8, low nibble) or byte j − 8 (high nibble), top 2 bits from bit pair j / 4 of
    /// byte 8 + j mod 4; stored with an offset of 32.
    @inline(__always)
    static func q3KScale(_ j: Int, _ packed: UnsafeRawPointer) -> Int {
        let low = j < 8 ? packed.load(fromByteOffset: j, as: UInt8.self) & 0x0F
            : packed.load(fromByteOffset: j - 8, as: UInt8.self) >> 4
        let high = (packed.load(fromByteOffset: 8 + j % 4, as: UInt8.self) >> UInt8(2 * (j / 4))) & 3
        return Int(low | high << 4) - 32
    }

    /// Q3_K (110 B per 256 elements): hmask[32] (bit 2 of each quant), qs[64] (bits 0–1),
    /// 12 B packed 6-bit scales (one per 16 elements), f16 d. Layout of the 2-bit parts as Q2_K;
    /// the high bit of element l of group g (g = 0..<8 over the two halves) is bit g of
    /// hmask[l mod 32]: `y = (d · scale) · (q − (high ? 0 : 4))`.
    static func q3_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let block = src + b * 110
            let hmask = block, d = float16(block, 108)
            var y = dst + b * 256
            var scaleIndex = 0, bit: UInt8 = 1
            for half in 0..<2 {
                let q = block + 32 + 32 * half
                for shift in stride(from: 0, to: 8, by: 2) {
                    for part in 0..<2 {
                        let dl = d * Float(q3KScale(scaleIndex, block + 96))
                        scaleIndex += 1
                        for l in 0..<16 {
                            let index = l + 16 * part
                            let low = Int((q.load(fromByteOffset: index, as: UInt8.self) >> UInt8(shift)) & 3)
                            let high = hmask.load(fromByteOffset: index, as: UInt8.self) & bit != 0
                            y[l] = dl * Float(low - (high ? 0 : 4))
                        }
                        y += 16
                    }
                    bit <<= 1
                }
            }
        }
    }

    /// Q5_K (176 B per 256 elements): f16 d, f16 dmin, 12 B packed 6-bit scales/mins (as Q4_K),
    /// qh[32] (bit 4 of each quant), qs[128] (nibbles, as Q4_K). Sub-block s (0..<8) takes its
    /// high bit from bit s of qh[l]: `y = (d · scale) · q − dmin · min`.
    static func q5_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let block = src + b * 176
            let out = dst + b * 256
            let d = float16(block, 0), dmin = float16(block, 2)
            let scales = block + 4, qh = block + 16, qs = block + 48
            for chunk in 0..<4 {
                let (scale1, min1) = q4KScaleMin(2 * chunk, scales)
                let (scale2, min2) = q4KScaleMin(2 * chunk + 1, scales)
                let d1 = d * Float(scale1), m1 = dmin * Float(min1)
                let d2 = d * Float(scale2), m2 = dmin * Float(min2)
                let bit1 = UInt8(1) << UInt8(2 * chunk), bit2 = UInt8(2) << UInt8(2 * chunk)
                let y = out + 64 * chunk
                for l in 0..<32 {
                    let byte = qs.load(fromByteOffset: 32 * chunk + l, as: UInt8.self)
                    let high = qh.load(fromByteOffset: l, as: UInt8.self)
                    y[l] = d1 * Float((byte & 0x0F) + (high & bit1 != 0 ? 16 : 0)) - m1
                    y[l + 32] = d2 * Float((byte >> 4) + (high & bit2 != 0 ? 16 : 0)) - m2
                }
            }
        }
    }
}
