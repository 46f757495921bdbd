import CQuantizedKernels
import Dispatch
import Foundation

extension Linear {
    /// Products with at most this many activation rows over a quantized weight run as integer
    /// dots (`applyIntegerDot`); larger ones (prefill) widen panels for sgemm. One weight row read
    /// serves every activation row, so the integer path costs ~rows× the dots while sgemm's cost
    /// is dominated by widening until rows reaches a few. Measured on SmolLM2-135M Q4_1 (release,
    /// Zen 4, 2 cores, loaded machine, best of 5): a forward of 8 tokens (integer) took 111 ms,
    /// one of 9 tokens (sgemm) 109 ms, so the paths cost the same near 8 rows.
    static let smallRowLimit = 8

    /// Whether `y = x·Wᵀ` with `rows` activation rows over `weight` takes the integer dot path.
    static func usesIntegerDot(_ weight: QuantizedMatrix, rows: Int) -> Bool {
        rows <= smallRowLimit && QuantizedKernels.supports(weight.type)
    }

    /// ```
    /// x̂_r = quantise(x[r, :])           (8-bit blocks of 32 or 256, scale d = max|x|/127)
    /// y[r, o − o₀] = Σ_blocks d_w·d_x·Σ_i q_w,i·q_x,i (+ min terms)  (+ y when accumulating)
    /// ```
    /// for o in `outputRows` of `weight` (default: all), r < rows, with `y` row stride `ldy`
    /// (default: outputRows.count). Output rows are split into chunks across the cores
    /// (`DispatchQueue.concurrentPerform`); the active `QuantizedKernels` variant computes each
    /// dot. The activation quantisation adds an error of at most Σ_blocks (d_x/2)·Σ_i |w_i| to each
    /// output (llama.cpp's decode products do the same).
    /// - Precondition: `QuantizedKernels.supports(weight.type)`, `weight.columns == inFeatures`.
    static func applyIntegerDot(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
                                weight: QuantizedMatrix, outputRows: Range<Int>? = nil,
                                into y: UnsafeMutablePointer<Float>, ldy: Int? = nil, accumulate: Bool = false) {
        let range = outputRows ?? 0..<weight.rows
        guard rows > 0, !range.isEmpty else { return }
        precondition(weight.columns == inFeatures && range.upperBound <= weight.rows,
                     "'\(weight.tensor.name)' is [\(weight.rows), \(weight.columns)]: rows \(range) of [_, \(inFeatures)] expected")
        let type = Int32(weight.type.rawValue)
        let activationBytes = ropescope_qdot_activation_bytes(type, inFeatures)
        precondition(activationBytes > 0, "no integer dot kernel for \(weight.type)")
        let activations = UnsafeMutableRawPointer.allocate(byteCount: rows * activationBytes, alignment: 64)
        defer { activations.deallocate() }
        for r in 0..<rows {
            let status = ropescope_qdot_quantize(type, x + r * inFeatures, inFeatures, activations + r * activationBytes)
            precondition(status == 0, "row length \(inFeatures) of '\(weight.tensor.name)' is not a whole number of blocks")
        }
        let variant = QuantizedKernels.active.code
        let stride = weight.tensor.rowByteSize, outputs = range.count, leading = ldy ?? range.count
        // Chunks of ~32 rows, a multiple of the worker count so that the cores finish together.
        let workers = Cores.available
        let chunks = min(outputs, max(workers, (outputs / 32 + workers - 1) / workers * workers))
        let input = SharedRawPointer(UnsafeRawPointer(activations)), output = SharedPointer(y)
        weight.withRowBytes { base in
            let matrix = SharedRawPointer(base + range.lowerBound * stride)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = chunk * outputs / chunks, end = (chunk + 1) * outputs / chunks
                guard end > start else { return }
                let status = ropescope_qdot_matrix(variant, type, inFeatures, matrix.base + start * stride, stride, end - start,
                                                   input.base, activationBytes, rows,
                                                   output.base + start, leading, accumulate ? 1 : 0)
                precondition(status == 0, "integer dot variant \(variant) for \(weight.type) unavailable")
            }
        }
    }
}

/// A read-only raw pointer shared by `concurrentPerform` workers that read disjoint or shared data.
struct SharedRawPointer: @unchecked Sendable {
    let base: UnsafeRawPointer
    init(_ base: UnsafeRawPointer) { self.base = base }
}
