/// Block dequantisation kernels for the plain and legacy ggml types: straight loops over raw
/// pointers, one output `Float` per element, no allocation.
///
/// Ported from the reference (non-SIMD) routines of ggml-org/llama.cpp
/// `ggml/src/ggml-quants.c` (`dequantize_row_q4_0`, `_q4_1`, `_q8_0`) with the block layouts of
/// `ggml/src/ggml-common.h`. The float operations are the same as there and as in the `gguf`
/// Python package (`gguf/quants.py`), in the same order; every product of an f16 scale and a
/// small integer is exact in `Float`, so results are bit-identical to both.
enum DequantizeKernels {
    /// Reads a little-endian f16 at `offset` bytes past `pointer`.
    @inline(__always)
    static func float16(_ pointer: UnsafeRawPointer, _ offset: Int) -> Float {
        HalfPrecision.float(fromFloat16Bits: UInt16(littleEndian: pointer.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    /// F32: a copy (little-endian host).
    static func f32(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        #if _endian(little)
        UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 4)
        #else
        for i in 0..<count {
            dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        }
        #endif
    }

    /// F16: each element widened exactly.
    static func f16(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dst[i] = float16(src, 2 * i) }
    }

    /// BF16: each element widened exactly (bits << 16).
    static func bf16(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let bits = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            dst[i] = HalfPrecision.float(fromBFloat16Bits: bits)
        }
    }

    /// Q4_0 (18 B per 32 elements): f16 d, 16 bytes of nibbles. Element j < 16 is the low nibble
    /// of byte j, element j + 16 its high nibble: `y = (q − 8) · d`.
    static func q4_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let block = src + b * 18
            let y = dst + b * 32
            let d = float16(block, 0)
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 2 + j, as: UInt8.self)
                y[j] = Float(Int(byte & 0x0F) - 8) * d
                y[j + 16] = Float(Int(byte >> 4) - 8) * d
            }
        }
    }

    /// Q4_1 (20 B per 32 elements): f16 d, f16 m, 16 bytes of nibbles (order as Q4_0):
    /// `y = q · d + m`.
    static func q4_1(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let block = src + b * 20
            let y = dst + b * 32
            let d = float16(block, 0)
            let m = float16(block, 2)
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 4 + j, as: UInt8.self)
                y[j] = Float(byte & 0x0F) * d + m
                y[j + 16] = Float(byte >> 4) * d + m
            }
        }
    }

    /// Q8_0 (34 B per 32 elements): f16 d, 32 int8 quants: `y = q · d`.
    static func q8_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let block = src + b * 34
            let y = dst + b * 32
            let d = float16(block, 0)
            for j in 0..<32 {
                y[j] = Float(block.load(fromByteOffset: 2 + j, as: Int8.self)) * d
            }
        }
    }
}
