/// Bit-exact conversions between `Float` and the two 16-bit float formats GGUF stores
/// (IEEE 754 binary16 "f16" and bfloat16), without relying on `Float16` (unavailable on
/// x86_64 macOS).
public enum HalfPrecision {
    /// binary16 bits → `Float`, exactly (every binary16 value is a `Float`). NaN payloads are
    /// kept (shifted left by 13), as numpy's and ggml's conversions do.
    @inline(__always)
    public static func float(fromFloat16Bits h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F {                       // inf / NaN
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent != 0 {                          // normal: rebias 15 → 127
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
        let magnitude = Float(mantissa) * 0x1p-24   // zero or subnormal: mantissa × 2⁻²⁴, exact
        return sign != 0 ? -magnitude : magnitude
    }

    /// `Float` → binary16 bits, rounding to nearest, ties to even (IEEE default, as numpy's
    /// `astype(np.float16)`); overflow gives ±inf, NaN stays NaN (quiet bit set if the payload
    /// would vanish).
    public static func float16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF {
            if mantissa == 0 { return sign | 0x7C00 }
            let payload = UInt16(truncatingIfNeeded: mantissa >> 13)
            return sign | 0x7C00 | (payload == 0 ? 0x200 : payload)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        if halfExponent <= 0 {
            if halfExponent < -10 { return sign }   // below 2⁻²⁵: rounds to ±0
            let full = mantissa | 0x80_0000         // with the implicit bit
            let shift = UInt32(14 - halfExponent)   // to units of 2⁻²⁴
            return sign | UInt16(truncatingIfNeeded: roundShift(full, by: shift))
        }
        let truncated = UInt32(halfExponent) << 10 | (mantissa >> 13)
        return sign | UInt16(truncatingIfNeeded: truncated + roundingIncrement(mantissa & 0x1FFF, half: 0x1000, odd: truncated & 1))
    }

    /// bfloat16 bits → `Float`: the upper 16 bits of the binary32 pattern, exact.
    @inline(__always)
    public static func float(fromBFloat16Bits b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// `Float` → bfloat16 bits, round to nearest even; NaN forced quiet (ggml's
    /// `ggml_compute_fp32_to_bf16`).
    public static func bfloat16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if bits & 0x7FFF_FFFF > 0x7F80_0000 {
            return UInt16(truncatingIfNeeded: (bits >> 16) | 64)
        }
        let rounded = (UInt64(bits) + 0x7FFF + UInt64((bits >> 16) & 1)) >> 16
        return UInt16(truncatingIfNeeded: rounded)
    }

    private static func roundShift(_ value: UInt32, by shift: UInt32) -> UInt32 {
        let truncated = value >> shift
        let remainder = value & ((1 << shift) - 1)
        return truncated + roundingIncrement(remainder, half: 1 << (shift - 1), odd: truncated & 1)
    }

    @inline(__always)
    private static func roundingIncrement(_ remainder: UInt32, half: UInt32, odd: UInt32) -> UInt32 {
        (remainder > half || (remainder == half && odd == 1)) ? 1 : 0
    }
}
