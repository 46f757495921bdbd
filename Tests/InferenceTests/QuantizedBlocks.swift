import GGUF

/// Random raw blocks of ggml types for the quantized-weight tests: random bytes with every f16
/// scale field replaced by a finite value of magnitude 2⁻⁸…2⁻⁴, so every dequantised value is
/// finite and of moderate size (quantised weights of a real model look the same to the kernels).
enum QuantizedBlocks {
    /// Byte offsets of the f16 scale fields inside one block (ggml-common.h layouts).
    static func scaleOffsets(_ type: GGMLType) -> [Int] {
        switch type {
        case .q4_0, .q8_0, .q5_0: return [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: return [0, 2]
        case .q2_K: return [80, 82]
        case .q6_K: return [208]
        case .q3_K: return [108]
        default: return []
        }
    }

    /// Types whose values the tests draw as floats (stored with rounding by `GGUFWriter`).
    static let floatTypes: Set<GGMLType> = [.f32, .f16, .bf16]

    /// `count` elements of `type` as raw bytes (count a multiple of the block size).
    static func bytes(_ type: GGMLType, count: Int, seed: inout UInt64) -> [UInt8] {
        let blocks = count / type.blockSize
        var out = [UInt8](repeating: 0, count: blocks * type.typeSize)
        for i in out.indices {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            out[i] = UInt8(truncatingIfNeeded: seed >> 33)
        }
        for block in 0..<blocks {
            for offset in scaleOffsets(type) {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                // exponent 2^-8…2^-4 (biased 7…11), random mantissa and sign
                let exponent = UInt16(7 + (seed >> 40) % 5), mantissa = UInt16((seed >> 20) & 0x3ff)
                let sign: UInt16 = (seed >> 50) & 1 == 0 ? 0 : 0x8000
                let bits = sign | exponent << 10 | mantissa
                out[block * type.typeSize + offset] = UInt8(bits & 0xff)
                out[block * type.typeSize + offset + 1] = UInt8(bits >> 8)
            }
        }
        return out
    }

    /// Adds tensor `name` ([rows, columns] row-major) of `type` with random content to `writer`.
    static func add(_ writer: inout GGUFWriter, _ name: String, _ type: GGMLType, rows: Int, columns: Int,
                    seed: inout UInt64, norm: Bool = false) throws {
        if floatTypes.contains(type) {
            var values = TinyValues.values(rows * columns, seed: &seed, scale: norm ? 0.1 : 0.3)
            if norm { values = values.map { 1 + $0 } }
            try writer.addTensor(name: name, dimensions: norm ? [columns] : [columns, rows], values: values, storedAs: type)
        } else {
            try writer.addTensor(name: name, type: type, dimensions: [columns, rows],
                                 rawBytes: bytes(type, count: rows * columns, seed: &seed))
        }
    }
}

/// Uniform values in [−scale, scale) from a 64-bit LCG.
enum TinyValues {
    static func values(_ count: Int, seed: inout UInt64, scale: Float) -> [Float] {
        (0..<count).map { _ in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return (Float(seed >> 40) / Float(1 << 24) - 0.5) * 2 * scale
        }
    }
}
