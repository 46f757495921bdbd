/// Vectorised elementwise kernels for the hot loops (softmax tiles, SwiGLU).
enum VectorMath {
    /// e^x for 8 lanes: Cephes `expf` range reduction and degree-6 polynomial (S. L. Moshier,
    /// Cephes Math Library, `expf.c`), relative error about 2 float ulps on [−87.3, 88.3].
    /// ```
    /// n = round(x·log₂e),  r = x − n·ln2 (two-part ln2),  e^x = 2ⁿ·(1 + r + r²·P(r))
    /// ```
    /// x < −87.3 (including −∞) gives exactly 0; x > 88.37 is clamped to e^88.37 (≈ 2.4e38, so that
    /// 2ⁿ stays a finite float); NaN stays NaN.
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let underflow = x .< -87.33654
        var v = x.replacing(with: 88.37, where: x .> 88.37)
        v = v.replacing(with: -87.33654, where: underflow)
        let n = (v * 1.442695041).rounded(.toNearestOrEven)
        let r = (v - n * 0.693359375) + n * 2.12194440e-4
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * (r * r) + r + 1
        // 2ⁿ from the exponent bits: n + 1.5·2²³ puts n in the low mantissa bits (|n| ≤ 128).
        let shifted = unsafeBitCast(n + 12582912, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let power = unsafeBitCast((shifted &+ 127) &<< 23, to: SIMD8<Float>.self)
        return (y * power).replacing(with: 0, where: underflow)
    }

    /// Replaces `x[i]` by e^(x[i] − shift) and returns Σ_i e^(x[i] − shift) (Float, 8 partial sums).
    static func exponentiate(_ x: UnsafeMutablePointer<Float>, count: Int, subtracting shift: Float) -> Float {
        var sums = SIMD8<Float>(repeating: 0)
        let raw = UnsafeMutableRawPointer(x)
        var i = 0
        while i + 8 <= count {
            let value = exp(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - shift)
            raw.storeBytes(of: value, toByteOffset: i * 4, as: SIMD8<Float>.self)
            sums += value
            i += 8
        }
        if i < count {
            var tail = SIMD8<Float>(repeating: -.infinity)
            for lane in 0..<(count - i) { tail[lane] = x[i + lane] - shift }
            let value = exp(tail)
            for lane in 0..<(count - i) { x[i + lane] = value[lane] }
            sums += value
        }
        return sums.sum()
    }

    /// SwiGLU in place on `gate`: `gate[i] ← silu(gate[i])·up[i]`, silu(g) = g/(1 + e^(−g)).
    static func swiGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        let gateRaw = UnsafeMutableRawPointer(gate)
        let upRaw = UnsafeRawPointer(up)
        var i = 0
        while i + 8 <= count {
            let g = gateRaw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let u = upRaw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            gateRaw.storeBytes(of: g / (1 + exp(-g)) * u, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            var lanes = SIMD8<Float>(repeating: 0)
            lanes[0] = -gate[i]
            gate[i] = gate[i] / (1 + exp(lanes)[0]) * up[i]
            i += 1
        }
    }

    /// Largest of `count ≥ 1` values (−∞ when all are −∞).
    static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var best = SIMD8<Float>(repeating: -.infinity)
        let raw = UnsafeRawPointer(x)
        var i = 0
        while i + 8 <= count {
            best = pointwiseMax(best, raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            i += 8
        }
        var result = best.max()
        while i < count {
            result = Swift.max(result, x[i])
            i += 1
        }
        return result
    }
}
