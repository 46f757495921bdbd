import BLASRuntime
import Dispatch
import Foundation
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
        if rows == 1 {
            // One row (a decode step): y = W·x as a matrix-vector product, which streams W once;
            // OpenBLAS's sgemm would first copy all of W into packed panels.
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(outFeatures), Int32(inFeatures),
                        1, weight, Int32(inFeatures), x, 1, accumulate ? 1 : 0, y, 1)
            return
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                    Int32(rows), Int32(outFeatures), Int32(inFeatures),
                    1, x, Int32(inFeatures), weight, Int32(inFeatures),
                    accumulate ? 1 : 0, y, Int32(outFeatures))
    }

    /// Bytes of one dequantised weight panel: small enough to stay in a core's L2 cache while
    /// sgemm streams the activations past it, large enough (≥ 64 rows at d = 2048) that the
    /// per-call overhead of sgemm is amortised.
    static let panelBytes = 512 * 1024

    /// The same product with `weight` kept in its GGUF encoding:
    /// ```
    /// for each tile T of at most ⌈panelBytes / (4·inFeatures)⌉ output rows (tile count a
    /// multiple of the cores, tiles in parallel, single-threaded sgemm each):
    ///     P = dequantise(W[T, :])            (float32 panel, [|T|, inFeatures])
    ///     y[:, T] = x·Pᵀ  (+ y[:, T])        (one sgemm, ldc = outFeatures)
    /// ```
    /// Products of at most `smallRowLimit` rows (decode) over a type with an integer kernel run as
    /// `applyIntegerDot` instead (8-bit activations, see there); larger ones over K-quant weights run
    /// as the packed integer GEMM where the CPU has it (`applyIntegerGemm`).
    /// Widening runs on every core alongside the products instead of between them. Every output
    /// element is one sgemm dot product over the same float32 values as the float32 path, so
    /// results equal `dequantise-then-apply` up to sgemm's summation order.
    static func apply(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
                      weight: QuantizedMatrix, outFeatures: Int,
                      into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        guard rows > 0, outFeatures > 0 else { return }
        precondition(weight.columns == inFeatures && weight.rows == outFeatures,
                     "'\(weight.tensor.name)' is [\(weight.rows), \(weight.columns)]: [\(outFeatures), \(inFeatures)] expected")
        if usesIntegerDot(weight, rows: rows) {
            applyIntegerDot(x, rows: rows, inFeatures: inFeatures, weight: weight, into: y, accumulate: accumulate)
            return
        }
        if usesIntegerGemm(weight, rows: rows) {
            applyIntegerGemm(x, rows: rows, inFeatures: inFeatures, weight: weight, into: y, accumulate: accumulate)
            return
        }
        // sgemm packs the whole [rows, inFeatures] activation block once per call, so a long
        // window needs wide panels (≥ 256 output rows) for that copy to stay small next to the
        // product (an 8B model at L = 2048: 512 KiB panels are 32 rows and packing took 37 %).
        let minimumTile = rows >= 256 ? 256 : 16
        let maximumTile = max(minimumTile, panelBytes / (4 * max(1, inFeatures)))
        let workers = Cores.available
        let needed = (outFeatures + maximumTile - 1) / maximumTile
        let tiles = min(outFeatures, (needed + workers - 1) / workers * workers)
        let input = SharedPointer(x), output = SharedPointer(y)
        withSingleThreadedBLAS {
            DispatchQueue.concurrentPerform(iterations: tiles) { tile in
                let start = tile * outFeatures / tiles, end = (tile + 1) * outFeatures / tiles
                guard end > start else { return }
                let panel = UnsafeMutablePointer<Float>.allocate(capacity: (end - start) * inFeatures)
                defer { panel.deallocate() }
                weight.dequantize(rows: start..<end, into: panel)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                            Int32(rows), Int32(end - start), Int32(inFeatures),
                            1, input.base, Int32(inFeatures), panel, Int32(inFeatures),
                            accumulate ? 1 : 0, output.base + start, Int32(outFeatures))
            }
        }
    }

    /// `y = x·Wᵀ` for the weight `tensor` of block `layer`: from the GGUF encoding when the
    /// weights keep that tensor quantized, else from its float32 array.
    static func apply(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
                      weights: LlamaWeights, layer: Int, tensor: LlamaLayerTensor, outFeatures: Int,
                      into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        if let matrix = weights.quantized.matrix(layer, tensor) {
            apply(x, rows: rows, inFeatures: inFeatures, weight: matrix, outFeatures: outFeatures, into: y,
                  accumulate: accumulate)
        } else {
            apply(x, rows: rows, inFeatures: inFeatures, weight: weights.layers[layer][tensor], outFeatures: outFeatures,
                  into: y, accumulate: accumulate)
        }
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
