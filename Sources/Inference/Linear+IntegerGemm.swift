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
        guard let variant = QuantizedKernels.gemmVariant(for: weight.type) else {
            preconditionFailure("no integer GEMM for \(weight.type) on this CPU")
        }
        precondition(weight.columns == inFeatures && range.upperBound <= weight.rows,
                     "'\(weight.tensor.name)' is [\(weight.rows), \(weight.columns)]: rows \(range) of [_, \(inFeatures)] expected")
        let type = Int32(weight.type.rawValue), outputs = range.count, leading = ldy ?? range.count
        let (activations, activationBytes) = quantizedActivations(x, rows: rows, inFeatures: inFeatures, for: weight)
        defer { activations.deallocate() }
        let bytesPerSubPanel = ropescope_qgemm_panel_bytes(type, inFeatures, 32)
        // Panels of at most gemmPanelBytes (at least one 32-row sub-panel), their count rounded up
        // to a multiple of the cores so that the cores finish together.
        let workers = Cores.available
        let widest = max(32, gemmPanelBytes / max(1, bytesPerSubPanel) * 32)
        let wanted = ((outputs + widest - 1) / widest + workers - 1) / workers * workers
        let panelRows = ((outputs + wanted - 1) / wanted + 31) / 32 * 32
        let panels = (outputs + panelRows - 1) / panelRows
        let scratch = ScratchPool(bytes: ropescope_qgemm_panel_bytes(type, inFeatures, panelRows))
        defer { scratch.release() }
        let stride = weight.tensor.rowByteSize
        let input = SharedRawPointer(UnsafeRawPointer(activations)), output = SharedPointer(y)
        weight.withRowBytes { base in
            let matrix = SharedRawPointer(base + range.lowerBound * stride)
            SpinningWorkers.shared.run(iterations: panels) { panel in
                let start = panel * panelRows, end = min(outputs, start + panelRows)
                scratch.with { buffer in
                    let status = ropescope_qgemm(variant, type, inFeatures, matrix.base + start * stride, stride, end - start,
                                                 input.base, activationBytes, rows, output.base + start, leading,
                                                 accumulate ? 1 : 0, buffer)
                    precondition(status == 0, "integer GEMM variant \(variant) for \(weight.type) unavailable")
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
