import CBLAS
import Foundation

/// Backward passes of the block's dense pieces; the forward passes are Inference's
/// `SharedKernels` (one forward implementation for inference and training).
enum LayerKernels {
    /// Backward of `y = x·Wᵀ` (x [rows, in], W [out, in], y [rows, out]):
    /// ```
    /// dW += dyᵀ·x   [out, in];      dx (+)= dy·W   [rows, in]
    /// ```
    /// `inputGradient` nil skips dx (e.g. for the embedding's input); `accumulateInput` adds onto it.
    static func linearBackward(input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, rows: Int,
                               inFeatures: Int, outFeatures: Int, weight: UnsafePointer<Float>,
                               weightGradient dW: UnsafeMutablePointer<Float>,
                               inputGradient dx: UnsafeMutablePointer<Float>?, accumulateInput: Bool = false) {
        guard rows > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(outFeatures), Int32(inFeatures), Int32(rows),
                    1, dy, Int32(outFeatures), x, Int32(inFeatures), 1, dW, Int32(inFeatures))
        if let dx {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(inFeatures), Int32(outFeatures),
                        1, dy, Int32(outFeatures), weight, Int32(inFeatures), accumulateInput ? 1 : 0, dx, Int32(inFeatures))
        }
    }

    /// Backward of RMSNorm `y_i = x_i·r·g_i`, r = (mean_j x_j² + ε)^(−1/2), per row of width n:
    /// ```
    /// dg_i += Σ_rows dy_i·x_i·r
    /// dx_i += r·g_i·dy_i − (r³/n)·x_i·Σ_j g_j·dy_j·x_j
    /// ```
    /// r is recomputed from x (mean of squares in Double, as the forward). dx is accumulated.
    static func rmsNormBackward(input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, rows: Int, width: Int,
                                gain: UnsafePointer<Float>, epsilon: Float, gainGradient dg: UnsafeMutablePointer<Float>,
                                inputGradient dx: UnsafeMutablePointer<Float>) {
        for row in 0..<rows {
            let xr = x + row * width, dyr = dy + row * width, dxr = dx + row * width
            var sumOfSquares = 0.0, dot = 0.0
            for i in 0..<width {
                sumOfSquares += Double(xr[i]) * Double(xr[i])
                dot += Double(gain[i]) * Double(dyr[i]) * Double(xr[i])
            }
            let r = 1 / (sumOfSquares / Double(width) + Double(epsilon)).squareRoot()
            let correction = Float(r * r * r / Double(width) * dot), rf = Float(r)
            for i in 0..<width {
                dg[i] += dyr[i] * xr[i] * rf
                dxr[i] += rf * gain[i] * dyr[i] - correction * xr[i]
            }
        }
    }

    /// Backward of SwiGLU `h = silu(a)·u`, silu(a) = a·σ(a):
    /// ```
    /// da = dh·u·σ(a)·(1 + a·(1 − σ(a))),   du = dh·silu(a)
    /// ```
    /// Overwrites `gate` with da and `up` with du.
    static func swiGLUBackward(gate a: UnsafeMutablePointer<Float>, up u: UnsafeMutablePointer<Float>,
                               outputGradient dh: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = a[i], sigma = 1 / (1 + expf(-g))
            let da = dh[i] * u[i] * sigma * (1 + g * (1 - sigma))
            u[i] = dh[i] * g * sigma
            a[i] = da
        }
    }
}
