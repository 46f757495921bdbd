/// Dequantisation of the k-quants Q4_K and Q6_K (256-element super-blocks).
///
/// Ported from ggml-org/llama.cpp `ggml/src/ggml-quants.c` (`dequantize_row_q4_K`,
/// `dequantize_row_q6_K`, `get_scale_min_k4`) with the layouts of `ggml/src/ggml-common.h`
/// (`block_q4_K`, `block_q6_K`). Same float operations in the same order as there and in the
/// `gguf` Python package; each intermediate product is exact in `Float`, so the only rounding
/// is the final one and results are bit-identical.
extension DequantizeKernels {
    /// Scale and min of sub-block `j` (0..<8) from the 12 packed bytes `q` of a Q4_K block:
    /// 6-bit values; sub-blocks 4...7 keep their low 4 bits in bytes 8...11 and their top 2
    /// bits in the top bits of bytes 0...7 (`get_scale_min_k4`).
    @inline(__always)
    static func q4KScaleMin(_ j: Int, _ q: UnsafeRawPointer) -> (scale: UInt8, min: UInt8) {
        @inline(__always) func byte(_ i: Int) -> UInt8 { q.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 {
            return (byte(j) & 63, byte(j + 4) & 63)
        }
        let scale = (byte(j + 4) & 0x0F) | ((byte(j - 4) >> 6) << 4)
        let min = (byte(j + 4) >> 4) | ((byte(j) >> 6) << 4)
        return (scale, min)
    }

    /// Q4_K (144 B per 256 elements): f16 d, f16 dmin, 12 B packed 6-bit scales/mins for 8
    /// sub-blocks of 32, 128 B of nibbles. Each 32-byte chunk of nibbles holds two sub-blocks:
    /// low nibbles are sub-block 2c, high nibbles sub-block 2c + 1:
    /// `y = (d · scale) · q − dmin · min`.
    static func q4_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let block = src + b * 144
            let out = dst + b * 256
            let d = float16(block, 0)
            let dmin = float16(block, 2)
            let scales = block + 4
            let qs = block + 16
            for chunk in 0..<4 {
                let (scale1, min1) = q4KScaleMin(2 * chunk, scales)
                let (scale2, min2) = q4KScaleMin(2 * chunk + 1, scales)
                let d1 = d * Float(scale1), m1 = dmin * Float(min1)
                let d2 = d * Float(scale2), m2 = dmin * Float(min2)
                let q = qs + 32 * chunk
                let y = out + 64 * chunk
                for l in 0..<32 {
                    let byte = q.load(fromByteOffset: l, as: UInt8.self)
                    y[l] = d1 * Float(byte & 0x0F) - m1
                    y[l + 32] = d2 * Float(byte >> 4) - m2
                }
            }
        }
    }

    /// Q6_K (210 B per 256 elements): ql[128] (low 4 bits), qh[64] (high 2 bits), 16 int8
    /// scales (one per 16 elements), f16 d. Per 128-element half n, for l in 0..<32 the four
    /// 6-bit quants at l, l+32, l+64, l+96 come from the low/high nibbles of ql[l], ql[l+32]
    /// and bit pairs 0-1, 2-3, 4-5, 6-7 of qh[l]: `y = (d · scale) · (q − 32)`.
    static func q6_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let block = src + b * 210
            let d = float16(block, 208)
            for half in 0..<2 {
                let ql = block + 64 * half
                let qh = block + 128 + 32 * half
                let sc = block + 192 + 8 * half
                let y = dst + b * 256 + 128 * half
                for l in 0..<32 {
                    let s = l / 16
                    let lowA = ql.load(fromByteOffset: l, as: UInt8.self)
                    let lowB = ql.load(fromByteOffset: l + 32, as: UInt8.self)
                    let high = qh.load(fromByteOffset: l, as: UInt8.self)
                    let q1 = Int((lowA & 0x0F) | ((high & 3) << 4)) - 32
                    let q2 = Int((lowB & 0x0F) | (((high >> 2) & 3) << 4)) - 32
                    let q3 = Int((lowA >> 4) | (((high >> 4) & 3) << 4)) - 32
                    let q4 = Int((lowB >> 4) | (((high >> 6) & 3) << 4)) - 32
                    y[l] = d * Float(sc.load(fromByteOffset: s, as: Int8.self)) * Float(q1)
                    y[l + 32] = d * Float(sc.load(fromByteOffset: s + 2, as: Int8.self)) * Float(q2)
                    y[l + 64] = d * Float(sc.load(fromByteOffset: s + 4, as: Int8.self)) * Float(q3)
                    y[l + 96] = d * Float(sc.load(fromByteOffset: s + 6, as: Int8.self)) * Float(q4)
                }
            }
        }
    }
}
