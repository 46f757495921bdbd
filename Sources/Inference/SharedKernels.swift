import RoPE

/// The inference core's forward kernels, exposed so that other targets (the `Training` engine)
/// compute exactly the same forward math instead of forking it. Each entry forwards to the
/// internal kernel the forward pass runs (`Linear`, `RMSNorm`, `RotaryCache`, `VectorMath`).
public enum SharedKernels {
    /// `y = x·Wᵀ (+ y)` on OpenBLAS sgemm; `x` [rows, inFeatures], `weight` [outFeatures, inFeatures]
    /// row-major, `y` [rows, outFeatures] (see `Linear.apply`).
    public static func linear(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, weight: UnsafePointer<Float>,
                              outFeatures: Int, into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        Linear.apply(x, rows: rows, inFeatures: inFeatures, weight: weight, outFeatures: outFeatures, into: y,
                     accumulate: accumulate)
    }

    /// `y[r, i] = x[r, i]/sqrt(mean_i x[r, i]² + ε)·w[i]` (see `RMSNorm.apply`); `x`, `y` [rows, width].
    public static func rmsNorm(_ x: UnsafePointer<Float>, rows: Int, width: Int, weight: [Float], epsilon: Float,
                               into y: UnsafeMutablePointer<Float>) {
        RMSNorm.apply(x, rows: rows, width: width, weight: weight, epsilon: epsilon, into: y)
    }

    /// Rotates the leading rotary coordinates of every head vector of `x` [L, heads, d_head] in place by
    /// the angles `position[t]·θ_i`, scaled by the attention factor m (see `RotaryCache`):
    /// ```
    /// (a, b) ← m·(a·cos φ − b·sin φ, a·sin φ + b·cos φ),   φ = position[t]·θ_i
    /// ```
    /// With negated positions this is the transpose m·R(φ)ᵀ, i.e. the backward pass of the rotation.
    public static func rotate(_ x: UnsafeMutablePointer<Float>, positions: [Int], heads: Int, headDimension: Int,
                              frequencies: RoPEFrequencies, pairing: RotaryPairing) {
        RotaryCache(positions: positions, frequencies: frequencies)
            .rotate(x, length: positions.count, heads: heads, headDimension: headDimension, pairing: pairing)
    }

    /// `gate[i] ← silu(gate[i])·up[i]`, silu(g) = g/(1 + e^(−g)) (see `VectorMath.swiGLU`).
    public static func swiGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        VectorMath.swiGLU(gate: gate, up: up, count: count)
    }

    /// Replaces `x[i]` by e^(x[i] − shift) and returns their Float sum (`VectorMath.exponentiate`:
    /// Cephes-style exp, about 2 ulp, AVX2/FMA when available; −∞ gives exactly 0).
    public static func exponentiate(_ x: UnsafeMutablePointer<Float>, count: Int, subtracting shift: Float) -> Float {
        VectorMath.exponentiate(x, count: count, subtracting: shift)
    }

    /// Largest of `count ≥ 1` values (`VectorMath.maximum`; −∞ when all are −∞).
    public static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        VectorMath.maximum(x, count: count)
    }
}
