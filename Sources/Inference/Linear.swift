import BLASRuntime
import CBLAS

/// Dense layers on OpenBLAS: `y = x·Wᵀ` with W stored row-major [out, in] (PyTorch `Linear`).
enum Linear {
    /// ```
    /// y[r, o] = Σ_i x[r, i]·W[o, i]  (+ y[r, o] when accumulating)
    /// ```
    /// `x` is [rows, inFeatures] with row stride `inFeatures`; `weight` is [outFeatures, inFeatures];
    /// `y` is [rows, outFeatures].
    /// Accumulating adds onto `y` (residual connections without a temporary).
    static func apply(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
                      weight: [Float], outFeatures: Int,
                      into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        guard rows > 0, outFeatures > 0 else { return }
        weight.withUnsafeBufferPointer { w in
            guard let base = w.baseAddress else { return }
            apply(x, rows: rows, inFeatures: inFeatures, weight: base, outFeatures: outFeatures, into: y,
                  accumulate: accumulate)
        }
    }

    /// The same product with `weight` given as a pointer to `outFeatures` rows of `inFeatures`
    /// floats, e.g. a slice of rows of a larger matrix.
    static func apply(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
                      weight: UnsafePointer<Float>, outFeatures: Int,
                      into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        guard rows > 0, outFeatures > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                    Int32(rows), Int32(outFeatures), Int32(inFeatures),
                    1, x, Int32(inFeatures), weight, Int32(inFeatures),
                    accumulate ? 1 : 0, y, Int32(outFeatures))
    }
}

/// Runs `body` with OpenBLAS limited to one thread, restoring the previous thread count after.
/// Used around regions that parallelise over heads themselves (`DispatchQueue.concurrentPerform`),
/// so that the two thread pools do not oversubscribe the cores. The count is process-wide and
/// owned by `BLASThreading`, which counts overlapping regions, so concurrent forward passes
/// restore it correctly.
func withSingleThreadedBLAS<T>(_ body: () throws -> T) rethrows -> T {
    try BLASThreading.singleThreaded(body)
}
