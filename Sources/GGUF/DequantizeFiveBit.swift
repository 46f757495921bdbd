/// Dequantisation of the 5-bit legacy types Q5_0 and Q5_1 (32-element blocks).
///
/// Ported from the reference routines of ggml-org/llama.cpp `ggml/src/ggml-quants.c`
/// (`dequantize_row_q5_0`, `dequantize_row_q5_1`) with the layouts of `ggml-common.h`. Each
/// product of an f16 scale and a 5-bit integer is exact in `Float`, so results are bit-identical
/// to ggml and to `gguf.quants.dequantize` (checked against the fixture of
/// scripts/fixtures/gguf_dequant_reference.py).
extension DequantizeKernels {
    /// The 5-bit quants of one block: low 4 bits from the nibbles of `qs[16]` (element j < 16:
    /// low nibble of byte j, element j + 16: its high nibble), bit 4 from bit j of the
    /// little-endian u32 `qh`.
    @inline(__always)
    static func fiveBitQuants(_ qh: UInt32, _ qs: UnsafeRawPointer, _ j: Int) -> (UInt8, UInt8) {
        let byte = qs.load(fromByteOffset: j, as: UInt8.self)
        let high0 = UInt8(truncatingIfNeeded: ((qh >> UInt32(j)) << 4) & 0x10)
        let high1 = UInt8(truncatingIfNeeded: (qh >> UInt32(j + 12)) & 0x10)
        return ((byte & 0x0F) | high0, (byte >> 4) | high1)
    }

    /// Q5_0 (22 B per 32 elements): f16 d, u32 qh, 16 bytes of nibbles: `y = (q − 16) · d`.
    static func q5_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let block = src + b * 22
            let y = dst + b * 32
            let d = float16(block, 0)
            let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
            for j in 0..<16 {
                let (q0, q1) = fiveBitQuants(qh, block + 6, j)
                y[j] = Float(Int(q0) - 16) * d
                y[j + 16] = Float(Int(q1) - 16) * d
            }
        }
    }

    /// Q5_1 (24 B per 32 elements): f16 d, f16 m, u32 qh, 16 bytes of nibbles: `y = q · d + m`.
    static func q5_1(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let block = src + b * 24
            let y = dst + b * 32
            let d = float16(block, 0)
            let m = float16(block, 2)
            let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            for j in 0..<16 {
                let (q0, q1) = fiveBitQuants(qh, block + 8, j)
                y[j] = Float(q0) * d + m
                y[j + 16] = Float(q1) * d + m
            }
        }
    }
}
