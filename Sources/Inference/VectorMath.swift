import CVectorKernels

/// Elementwise kernels for the hot loops (softmax tiles, SwiGLU). On x86-64 CPUs with AVX2 and
/// FMA, `maximum`, `exponentiate` and `swiGLU` run the C kernels of `CVectorKernels` (same
/// formulas, 8 lanes, fused multiply-add); elsewhere, and as the tests' reference, the portable
/// versions: branch-free scalar loops over raw pointers that LLVM vectorises for the baseline
/// x86-64 target (SSE2); Swift's generic SIMD helpers (`pointwiseMax`, `.rounded`) compile to
/// per-lane scalar code there.
enum VectorMath {
    /// True when the AVX2/FMA kernels are used (decided once per process from CPUID).
    static let usesVectorKernels = ropescope_vector_kernels_available() != 0

    /// e^x: Cephes `expf` range reduction and degree-6 polynomial (S. L. Moshier, Cephes Math
    /// Library, `expf.c`), relative error about 2 float ulps on [−87.3, 88.3].
    /// ```
    /// n = round(x·log₂e),  r = x − n·ln2 (two-part ln2),  e^x = 2ⁿ·(1 + r + r²·P(r))
    /// ```
    /// x < −87.34 (including −∞) gives exactly 0; x > 88.37 is clamped to e^88.37 (≈ 2.4e38, so
    /// that 2ⁿ stays a finite float); NaN stays NaN.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        var v = x > 88.37 ? 88.37 : x
        v = v < -87.33654 ? -87.33654 : v
        // Round to nearest with the 1.5·2²³ trick: t's low mantissa bits hold n (|n| ≤ 128).
        let t = v * 1.442695041 + 12582912
        let n = t - 12582912
        let r = (v - n * 0.693359375) + n * 2.12194440e-4
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * (r * r) + r + 1
        let power = Float(bitPattern: (t.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
        return x < -87.33654 ? 0 : y * power
    }

    /// Replaces `x[i]` by e^(x[i] − shift) and returns Σ_i e^(x[i] − shift) (Float, 8 partial sums).
    static func exponentiate(_ x: UnsafeMutablePointer<Float>, count: Int, subtracting shift: Float) -> Float {
        usesVectorKernels
            ? ropescope_avx2_exponentiate(x, count, shift)
            : portableExponentiate(x, count: count, subtracting: shift)
    }

    /// `exponentiate` without the AVX2 kernel.
    static func portableExponentiate(_ x: UnsafeMutablePointer<Float>, count: Int, subtracting shift: Float) -> Float {
        for i in 0..<count {
            x[i] = exp(x[i] - shift)
        }
        return sum(x, count: count)
    }

    /// Σ x[i] with 8 interleaved partial sums (vectorised; order differs from a serial sum).
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var partial = SIMD8<Float>(repeating: 0)
        let raw = UnsafeRawPointer(x)
        var i = 0
        while i + 8 <= count {
            partial += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var total = partial.sum()
        while i < count {
            total += x[i]
            i += 1
        }
        return total
    }

    /// SwiGLU in place on `gate`: `gate[i] ← silu(gate[i])·up[i]`, silu(g) = g/(1 + e^(−g)).
    static func swiGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        if usesVectorKernels {
            ropescope_avx2_swiglu(gate, up, count)
        } else {
            portableSwiGLU(gate: gate, up: up, count: count)
        }
    }

    /// `swiGLU` without the AVX2 kernel.
    static func portableSwiGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = gate[i]
            gate[i] = g / (1 + exp(-g)) * up[i]
        }
    }

    /// Largest of `count ≥ 1` values (−∞ when all are −∞; NaN entries are ignored).
    static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        usesVectorKernels ? ropescope_avx2_maximum(x, count) : portableMaximum(x, count: count)
    }

    /// `maximum` without the AVX2 kernel.
    static func portableMaximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var best = SIMD8<Float>(repeating: -.infinity)
        let raw = UnsafeRawPointer(x)
        var i = 0
        while i + 8 <= count {
            let value = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            best.replace(with: value, where: value .> best)
            i += 8
        }
        var result: Float = -.infinity
        for lane in 0..<8 where best[lane] > result { result = best[lane] }
        while i < count {
            if x[i] > result { result = x[i] }
            i += 1
        }
        return result
    }
}
