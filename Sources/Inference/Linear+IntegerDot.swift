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
        let (activations, activationBytes) = quantizedActivations(x, rows: rows, inFeatures: inFeatures, for: weight)
        defer { activations.deallocate() }
        let variant = QuantizedKernels.active.code
        let stride = weight.tensor.rowByteSize, outputs = range.count, leading = ldy ?? range.count
        // Chunks of ~64 rows (fewer chunk starts, where the weight prefetch has not yet run ahead; 64
        // measured no slower than 32 or 128 at 2048-token decode), a multiple of the worker count so
        // that the cores finish together.
        let workers = Cores.available
        let chunks = min(outputs, max(workers, (outputs / 64 + workers - 1) / workers * workers))
        let input = SharedRawPointer(UnsafeRawPointer(activations)), output = SharedPointer(y)
        weight.withRowBytes { base in
            let matrix = SharedRawPointer(base + range.lowerBound * stride)
            SpinningWorkers.shared.run(iterations: chunks) { chunk in
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

extension Linear {
    /// One output of a fused product: `y = x·Wᵀ` into `output` ([rows, weight.rows], no accumulation).
    struct IntegerDotProduct {
        let weight: QuantizedMatrix
        let output: UnsafeMutablePointer<Float>
    }

    /// Several integer-dot products of the same input (Q, K and V; gate and up) in one parallel
    /// region: x is quantised once and the output-row chunks of every weight share the workers, so
    /// a decode step wakes the cores once instead of once per matrix. Each output equals
    /// `applyIntegerDot` of its weight (the same dots in the same order).
    /// - Precondition: every weight has `inFeatures` columns and one type with an integer kernel.
    static func applyIntegerDot(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, products: [IntegerDotProduct]) {
        guard rows > 0, let first = products.first?.weight else { return }
        let type = Int32(first.type.rawValue)
        precondition(products.allSatisfy { $0.weight.type == first.type && $0.weight.columns == inFeatures },
                     "fused integer dots need one weight type and \(inFeatures) columns")
        let (activations, activationBytes) = quantizedActivations(x, rows: rows, inFeatures: inFeatures, for: first)
        defer { activations.deallocate() }
        // Work items: (product, first row, end row) chunks of ~64 rows; their count a multiple of the cores.
        let workers = Cores.available
        let totalRows = products.reduce(0) { $0 + $1.weight.rows }
        let chunkCount = min(totalRows, max(workers, (totalRows / 64 + workers - 1) / workers * workers))
        var chunks: [(product: Int, start: Int, end: Int)] = []
        for (index, product) in products.enumerated() {
            let rowsHere = product.weight.rows
            let share = max(1, (chunkCount * rowsHere + totalRows - 1) / totalRows)
            for chunk in 0..<share {
                let start = chunk * rowsHere / share, end = (chunk + 1) * rowsHere / share
                if end > start { chunks.append((index, start, end)) }
            }
        }
        let items = chunks
        let variant = QuantizedKernels.active.code
        let input = SharedRawPointer(UnsafeRawPointer(activations))
        withRowBytes(products.map(\.weight)) { bases in
            let matrices = bases.map(SharedRawPointer.init)
            let outputs = products.map { SharedPointer($0.output) }
            let strides = products.map { $0.weight.tensor.rowByteSize }, widths = products.map { $0.weight.rows }
            SpinningWorkers.shared.run(iterations: items.count) { k in
                let item = items[k], stride = strides[item.product]
                let status = ropescope_qdot_matrix(variant, type, inFeatures, matrices[item.product].base + item.start * stride,
                                                   stride, item.end - item.start, input.base, activationBytes, rows,
                                                   outputs[item.product].base + item.start, widths[item.product], 0)
                precondition(status == 0, "integer dot variant \(variant) for \(first.type) unavailable")
            }
        }
    }

    /// The `rows` rows of x quantised once for `weight`'s kernel (8-bit blocks of 32 or 256), and
    /// the bytes per row; the caller deallocates the buffer. Many rows (prompt processing) are
    /// quantised on every core.
    static func quantizedActivations(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
                                     for weight: QuantizedMatrix) -> (UnsafeMutableRawPointer, Int) {
        let type = Int32(weight.type.rawValue)
        let bytes = ropescope_qdot_activation_bytes(type, inFeatures)
        precondition(bytes > 0 && ropescope_qdot_block_length(type) > 0 && inFeatures % Int(ropescope_qdot_block_length(type)) == 0,
                     "row length \(inFeatures) of '\(weight.tensor.name)' is not a whole number of blocks")
        let activations = UnsafeMutableRawPointer.allocate(byteCount: rows * bytes, alignment: 64)
        let input = SharedPointer(x), output = SharedPointer(activations.assumingMemoryBound(to: UInt8.self))
        let chunks = rows >= 64 ? Cores.available * 4 : 1
        let quantize: @Sendable (Int) -> Void = { chunk in
            for r in (chunk * rows / chunks)..<((chunk + 1) * rows / chunks) {
                _ = ropescope_qdot_quantize(type, input.base + r * inFeatures, inFeatures, output.base + r * bytes)
            }
        }
        if chunks == 1 { quantize(0) } else { SpinningWorkers.shared.run(iterations: chunks, quantize) }
        return (activations, bytes)
    }

    /// Runs `body` with the encoded bytes of every matrix (each valid for the call).
    static func withRowBytes(_ matrices: [QuantizedMatrix], _ bases: [UnsafeRawPointer] = [],
                                     _ body: ([UnsafeRawPointer]) -> Void) {
        guard bases.count < matrices.count else { return body(bases) }
        matrices[bases.count].withRowBytes { withRowBytes(matrices, bases + [$0], body) }
    }

    /// `y_k = x·W_kᵀ` for each (tensor, outFeatures, output) of block `layer`: one fused
    /// integer-dot region when every tensor is quantized with one integer-dot type and `rows` is
    /// small (a decode step), one fused GEMM region when every tensor is a K-quant with a GEMM
    /// (prompt processing), else one `apply` per tensor.
    static func apply(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, weights: LlamaWeights, layer: Int,
                      products: [(tensor: LlamaLayerTensor, outFeatures: Int, output: UnsafeMutablePointer<Float>)]) {
        let matrices = products.compactMap { weights.quantized.matrix(layer, $0.tensor) }
        // Fusable: every tensor quantized, with the input's width and the expected output width.
        let fusable = matrices.count == products.count && zip(matrices, products).allSatisfy {
            $0.columns == inFeatures && $0.rows == $1.outFeatures
        }
        if fusable, let type = matrices.first?.type, matrices.allSatisfy({ $0.type == type && usesIntegerDot($0, rows: rows) }) {
            applyIntegerDot(x, rows: rows, inFeatures: inFeatures,
                            products: zip(matrices, products).map { IntegerDotProduct(weight: $0, output: $1.output) })
        } else if fusable, matrices.allSatisfy({ usesIntegerGemm($0, rows: rows) }) {
            applyIntegerGemm(x, rows: rows, inFeatures: inFeatures, products: zip(matrices, products).map {
                GemmProduct(weight: $0, outputRows: 0..<$0.rows, output: $1.output, ldy: $0.rows, accumulate: false)
            })
        } else {
            for product in products {
                apply(x, rows: rows, inFeatures: inFeatures, weights: weights, layer: layer, tensor: product.tensor,
                      outFeatures: product.outFeatures, into: product.output)
            }
        }
    }
}

/// A read-only raw pointer shared by `concurrentPerform` workers that read disjoint or shared data.
struct SharedRawPointer: @unchecked Sendable {
    let base: UnsafeRawPointer
    init(_ base: UnsafeRawPointer) { self.base = base }
}
