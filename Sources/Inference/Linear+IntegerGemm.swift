import CQuantizedKernels
import Foundation
import Synchronization

extension Linear {
    /// Bytes of one packed GEMM panel (`ropescope_qgemm`): it stays in a core's L2 cache (1 MiB on
    /// Zen 4, 2 MiB on recent Xeons) while every activation row streams past it. Measured on Zen 4
    /// (Q4_K, 4096 columns, 512 rows, one core): 32- and 64-row panels (164 and 328 KiB) ran at the
    /// same 255–259 GOP/s.
    static let gemmPanelBytes = 512 * 1024

    /// Whether `y = x·Wᵀ` with `rows` activation rows over `weight` runs as the packed integer
    /// GEMM: more rows than the integer dots take, a K-quant type (Q4_K, Q5_K, Q6_K), and a CPU
    /// with the GEMM's kernel (`QuantizedKernels.gemmVariant`).
    static func usesIntegerGemm(_ weight: QuantizedMatrix, rows: Int) -> Bool {
        rows > smallRowLimit && QuantizedKernels.gemmVariant(for: weight.type) != nil
    }

    /// ```
    /// x̂_r = quantise(x[r, :])                       (8-bit super-blocks of 256, as applyIntegerDot)
    /// for each panel P of ≤ gemmPanelBytes packed weight rows (panels in parallel):
    ///     y[:, P − o₀] = x̂·W[P, :]ᵀ  (+ y)          (ropescope_qgemm: pack P, then 4 × 32 register tiles)
    /// ```
    /// over the rows `outputRows` of `weight` (default: all, o₀ its first), with `y` row stride
    /// `ldy` (default: outputRows.count).
    /// Every output is the sum applyIntegerDot computes (the same integers per sub-block, float
    /// rounding aside), so prompt processing carries the activation-quantisation error of the
    /// decode products, at most Σ_blocks (d_x/2)·Σ_i |w_i| per output, as llama.cpp's prompt
    /// processing over K-quant weights does.
    /// - Precondition: `usesIntegerGemm(weight, rows: rows)`, `weight.columns == inFeatures`.
    static func applyIntegerGemm(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, weight: QuantizedMatrix,
                                 outputRows: Range<Int>? = nil, into y: UnsafeMutablePointer<Float>, ldy: Int? = nil,
                                 accumulate: Bool = false) {
        let range = outputRows ?? 0..<weight.rows
        guard rows > 0, !range.isEmpty else { return }
        precondition(range.upperBound <= weight.rows, "'\(weight.tensor.name)' has \(weight.rows) rows: \(range) asked")
        applyIntegerGemm(x, rows: rows, inFeatures: inFeatures,
                         products: [GemmProduct(weight: weight, outputRows: range, output: y, ldy: ldy ?? range.count,
                                                accumulate: accumulate)])
    }

    /// One output of a fused GEMM region: `y[:, o − o₀] = x·W[o, :]ᵀ` for o in `outputRows` (o₀ its
    /// first), row stride `ldy`, added onto y when `accumulate`.
    struct GemmProduct: @unchecked Sendable {   // output: disjoint rows per panel
        let weight: QuantizedMatrix
        let outputRows: Range<Int>
        let output: UnsafeMutablePointer<Float>
        let ldy: Int
        let accumulate: Bool
    }

    /// Several GEMM products of the same input (Q, K and V; gate and up) in one parallel region: x
    /// is quantised once (every K-quant reads the same 8-bit super-blocks, whatever its type) and
    /// the panels of every product share the cores. Each output equals `applyIntegerGemm` of its
    /// weight alone.
    /// - Precondition: every weight has `inFeatures` columns and a GEMM (`QuantizedKernels.gemmVariant`).
    static func applyIntegerGemm(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, products: [GemmProduct]) {
        guard rows > 0, let first = products.first?.weight else { return }
        guard let variant = QuantizedKernels.gemmVariant(for: first.type) else {
            preconditionFailure("no integer GEMM for \(first.type) with the active kernels")
        }
        for product in products {
            precondition(QuantizedKernels.gemmVariant(for: product.weight.type) == variant && product.weight.columns == inFeatures,
                         "'\(product.weight.tensor.name)' (\(product.weight.type), \(product.weight.columns) columns) has no integer GEMM over \(inFeatures) columns")
        }
        let (activations, activationBytes) = quantizedActivations(x, rows: rows, inFeatures: inFeatures, for: first)
        defer { activations.deallocate() }
        // Panels of at most gemmPanelBytes (at least one 32-row sub-panel); each product's panel
        // count a multiple of the cores, so that the cores finish together.
        let workers = Cores.available
        var panels: [(product: Int, start: Int, end: Int)] = []
        var scratchBytes = 0
        for (index, product) in products.enumerated() {
            let type = Int32(product.weight.type.rawValue), outputs = product.outputRows.count
            let widest = max(32, gemmPanelBytes / max(1, ropescope_qgemm_panel_bytes(type, inFeatures, 32)) * 32)
            let wanted = ((outputs + widest - 1) / widest + workers - 1) / workers * workers
            let panelRows = ((outputs + wanted - 1) / wanted + 31) / 32 * 32
            scratchBytes = max(scratchBytes, ropescope_qgemm_panel_bytes(type, inFeatures, panelRows))
            for start in stride(from: 0, to: outputs, by: panelRows) {
                panels.append((index, start, min(outputs, start + panelRows)))
            }
        }
        let items = panels
        let scratch = ScratchPool(bytes: scratchBytes)
        defer { scratch.release() }
        let input = SharedRawPointer(UnsafeRawPointer(activations))
        withRowBytes(products.map(\.weight)) { bases in
            let matrices = zip(bases, products).map { SharedRawPointer($0 + $1.outputRows.lowerBound * $1.weight.tensor.rowByteSize) }
            let outputs = products.map { SharedPointer($0.output) }
            SpinningWorkers.shared.run(iterations: items.count) { k in
                let item = items[k], product = products[item.product], stride = product.weight.tensor.rowByteSize
                scratch.with { buffer in
                    let status = ropescope_qgemm(variant, Int32(product.weight.type.rawValue), inFeatures,
                                                 matrices[item.product].base + item.start * stride, stride, item.end - item.start,
                                                 input.base, activationBytes, rows, outputs[item.product].base + item.start,
                                                 product.ldy, product.accumulate ? 1 : 0, buffer)
                    precondition(status == 0, "integer GEMM variant \(variant) for \(product.weight.type) unavailable")
                }
            }
        }
    }
}

/// Scratch buffers of one size for the items of a parallel region: an item takes a buffer (a new
/// one only when every existing buffer is in use, so at most one per running thread) and gives it
/// back when done; `release` frees them all once the region has ended.
final class ScratchPool: Sendable {
    private let bytes: Int
    /// Addresses (`Int(bitPattern:)`) of the buffers not in use, and of all buffers.
    private let free = Mutex<[Int]>([])
    private let all = Mutex<[Int]>([])

    init(bytes: Int) { self.bytes = max(64, bytes) }

    /// Runs `body` with a 64-byte aligned buffer of `bytes` bytes that no other item uses meanwhile.
    func with(_ body: (UnsafeMutableRawPointer) -> Void) {
        let address = free.withLock { $0.popLast() } ?? {
            let fresh = Int(bitPattern: UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64))
            all.withLock { $0.append(fresh) }
            return fresh
        }()
        guard let buffer = UnsafeMutableRawPointer(bitPattern: address) else { preconditionFailure("null scratch buffer") }
        body(buffer)
        free.withLock { $0.append(address) }
    }

    /// Frees every buffer; call after the region, not during it.
    func release() {
        all.withLock { addresses in
            for address in addresses { UnsafeMutableRawPointer(bitPattern: address)?.deallocate() }
            addresses.removeAll()
        }
        free.withLock { $0.removeAll() }
    }
}
