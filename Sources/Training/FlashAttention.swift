import BLASRuntime
import CBLAS
import Dispatch
import Foundation
import Inference

/// Head layout of one sequence: Q, Z, dQ, dZ are [L, heads, d_head]; K, V, dK, dV are
/// [L, kvHeads, d_head], row-major. Query head h reads key/value head h / (heads/kvHeads).
struct HeadLayout: Sendable {
    let length: Int
    let heads: Int
    let keyValueHeads: Int
    let headDimension: Int
    var group: Int { heads / keyValueHeads }
}

/// Tiled attention forward and backward for training, with no L×L buffer (FlashAttention-2,
/// Dao 2023, algorithms 1–2). The forward stores, per query row, the log-sum-exp of its scaled
/// scores; the backward recomputes each score tile from Q and K and rebuilds P from it:
/// ```
/// forward:  S = Q·Kᵀ/√d (masked → −∞),  P = softmax_row(S),  Z = P·V,  LSE_i = log Σ_j e^(S_ij)
/// backward: D_i = dZ_i·Z_i,  P = e^(S − LSE),  dV += Pᵀ·dZ,  dP = dZ·Vᵀ,
///           dS = P ⊙ (dP − D),  dQ += dS·K/√d,  dK += dSᵀ·Q/√d
/// ```
/// One work item is one key/value head: it owns dK and dV of that head and dQ of its group's query
/// heads, so items run in parallel without sharing writes, and results do not depend on the
/// number of threads. Scratch per item: two [queryBlock, keyBlock] tiles.
/// `naiveForward`/`naiveBackward` in `AttentionReference` are the full-matrix Double references.
enum FlashAttention {
    /// Query rows and keys per tile.
    static let queryBlock = 64
    static let keyBlock = 64

    /// Forward: writes Z [L, heads, d] and LSE [heads, L] (nats; +∞ for a row that allows no key,
    /// whose Z row is 0).
    static func forward(query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
                        output: UnsafeMutablePointer<Float>, logSumExp: UnsafeMutablePointer<Float>,
                        layout: HeadLayout, mask: TrainingMask) {
        let (q, k, v, z, lse) = (Shared(query), Shared(key), Shared(value), Shared(output), Shared(logSumExp))
        BLASThreading.singleThreaded {
            DispatchQueue.concurrentPerform(iterations: layout.heads) { head in
                forwardHead(head, q.pointer, k.pointer, v.pointer, z.pointer, lse.pointer, layout, mask)
            }
        }
    }

    private static func forwardHead(_ head: Int, _ query: UnsafePointer<Float>, _ key: UnsafePointer<Float>,
                                    _ value: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                                    _ logSumExp: UnsafeMutablePointer<Float>, _ layout: HeadLayout, _ mask: TrainingMask) {
        let d = layout.headDimension, qStride = layout.heads * d, kStride = layout.keyValueHeads * d
        let kvHead = head / layout.group
        let scale = 1 / Float(d).squareRoot()
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: queryBlock * keyBlock)
        let runningMax = UnsafeMutablePointer<Float>.allocate(capacity: queryBlock)
        let runningSum = UnsafeMutablePointer<Float>.allocate(capacity: queryBlock)
        defer { scores.deallocate(); runningMax.deallocate(); runningSum.deallocate() }
        for qStart in stride(from: 0, to: layout.length, by: queryBlock) {
            let queries = qStart..<min(layout.length, qStart + queryBlock), rows = queries.count
            let qBase = query + qStart * qStride + head * d, zBase = output + qStart * qStride + head * d
            for r in 0..<rows { (zBase + r * qStride).update(repeating: 0, count: d) }
            runningMax.update(repeating: -.infinity, count: rows)
            runningSum.update(repeating: 0, count: rows)
            let keyEnd = mask.causal ? queries.upperBound : layout.length
            for kStart in stride(from: 0, to: keyEnd, by: keyBlock) {
                let keys = kStart..<min(keyEnd, kStart + keyBlock), columns = keys.count
                if mask.isEmpty(queries: queries, keys: keys) { continue }
                let kBase = key + kStart * kStride + kvHead * d, vBase = value + kStart * kStride + kvHead * d
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(columns), Int32(d),
                            scale, qBase, Int32(qStride), kBase, Int32(kStride), 0, scores, Int32(keyBlock))
                let full = mask.isFull(queries: queries, keys: keys)
                for r in 0..<rows {
                    let line = scores + r * keyBlock
                    if !full {
                        for c in 0..<columns where !mask.allows(query: qStart + r, key: kStart + c) { line[c] = -.infinity }
                    }
                    let newMax = max(runningMax[r], SharedKernels.maximum(line, count: columns))
                    guard newMax > -.infinity else { line.update(repeating: 0, count: columns); continue }
                    let correction = runningMax[r] == -.infinity ? 0 : expf(runningMax[r] - newMax)
                    let sum = SharedKernels.exponentiate(line, count: columns, subtracting: newMax)
                    runningSum[r] = runningSum[r] * correction + sum
                    runningMax[r] = newMax
                    if correction != 1 {
                        let out = zBase + r * qStride
                        for i in 0..<d { out[i] *= correction }
                    }
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(d), Int32(columns),
                            1, scores, Int32(keyBlock), vBase, Int32(kStride), 1, zBase, Int32(qStride))
            }
            for r in 0..<rows {
                let out = zBase + r * qStride
                if runningSum[r] > 0 {
                    let inverse = 1 / runningSum[r]
                    for i in 0..<d { out[i] *= inverse }
                    logSumExp[head * layout.length + qStart + r] = runningMax[r] + logf(runningSum[r])
                } else {
                    logSumExp[head * layout.length + qStart + r] = .infinity
                }
            }
        }
    }

    /// Backward: accumulates dQ [L, heads, d], dK and dV [L, kvHeads, d] (callers zero them first)
    /// from dZ, given the forward's Q, K, V, Z and LSE.
    static func backward(query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
                         output: UnsafePointer<Float>, logSumExp: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         queryGradient: UnsafeMutablePointer<Float>, keyGradient: UnsafeMutablePointer<Float>,
                         valueGradient: UnsafeMutablePointer<Float>, layout: HeadLayout, mask: TrainingMask) {
        let p = (Shared(query), Shared(key), Shared(value), Shared(output), Shared(logSumExp), Shared(outputGradient),
                 Shared(queryGradient), Shared(keyGradient), Shared(valueGradient))
        BLASThreading.singleThreaded {
            DispatchQueue.concurrentPerform(iterations: layout.keyValueHeads) { kvHead in
                for head in kvHead * layout.group..<(kvHead + 1) * layout.group {
                    backwardHead(head, kvHead, p.0.pointer, p.1.pointer, p.2.pointer, p.3.pointer, p.4.pointer, p.5.pointer,
                                 p.6.pointer, p.7.pointer, p.8.pointer, layout, mask)
                }
            }
        }
    }

    private static func backwardHead(
        _ head: Int, _ kvHead: Int, _ query: UnsafePointer<Float>, _ key: UnsafePointer<Float>, _ value: UnsafePointer<Float>,
        _ output: UnsafePointer<Float>, _ logSumExp: UnsafePointer<Float>, _ outputGradient: UnsafePointer<Float>,
        _ dQ: UnsafeMutablePointer<Float>, _ dK: UnsafeMutablePointer<Float>, _ dV: UnsafeMutablePointer<Float>,
        _ layout: HeadLayout, _ mask: TrainingMask
    ) {
        let d = layout.headDimension, qStride = layout.heads * d, kStride = layout.keyValueHeads * d
        let scale = 1 / Float(d).squareRoot()
        let probabilities = UnsafeMutablePointer<Float>.allocate(capacity: queryBlock * keyBlock)
        let gradients = UnsafeMutablePointer<Float>.allocate(capacity: queryBlock * keyBlock)
        let rowDot = UnsafeMutablePointer<Float>.allocate(capacity: queryBlock)
        defer { probabilities.deallocate(); gradients.deallocate(); rowDot.deallocate() }
        for qStart in stride(from: 0, to: layout.length, by: queryBlock) {
            let queries = qStart..<min(layout.length, qStart + queryBlock), rows = queries.count
            let offset = qStart * qStride + head * d
            let (qBase, zBase, dzBase, dqBase) = (query + offset, output + offset, outputGradient + offset, dQ + offset)
            for r in 0..<rows {
                var dot: Float = 0
                for i in 0..<d { dot += dzBase[r * qStride + i] * zBase[r * qStride + i] }
                rowDot[r] = dot
            }
            let keyEnd = mask.causal ? queries.upperBound : layout.length
            for kStart in stride(from: 0, to: keyEnd, by: keyBlock) {
                let keys = kStart..<min(keyEnd, kStart + keyBlock), columns = keys.count
                if mask.isEmpty(queries: queries, keys: keys) { continue }
                let kvOffset = kStart * kStride + kvHead * d
                let (kBase, vBase) = (key + kvOffset, value + kvOffset)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(columns), Int32(d),
                            scale, qBase, Int32(qStride), kBase, Int32(kStride), 0, probabilities, Int32(keyBlock))
                let full = mask.isFull(queries: queries, keys: keys)
                for r in 0..<rows {
                    let line = probabilities + r * keyBlock, lse = logSumExp[head * layout.length + qStart + r]
                    if !full {
                        for c in 0..<columns where !mask.allows(query: qStart + r, key: kStart + c) { line[c] = -.infinity }
                    }
                    if lse == .infinity { line.update(repeating: 0, count: columns); continue }
                    _ = SharedKernels.exponentiate(line, count: columns, subtracting: lse)
                }
                // dV += Pᵀ·dZ
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(columns), Int32(d), Int32(rows),
                            1, probabilities, Int32(keyBlock), dzBase, Int32(qStride), 1, dV + kvOffset, Int32(kStride))
                // dP = dZ·Vᵀ, then dS = P ⊙ (dP − D)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(columns), Int32(d),
                            1, dzBase, Int32(qStride), vBase, Int32(kStride), 0, gradients, Int32(keyBlock))
                for r in 0..<rows {
                    let pLine = probabilities + r * keyBlock, gLine = gradients + r * keyBlock
                    for c in 0..<columns { gLine[c] = pLine[c] * (gLine[c] - rowDot[r]) }
                }
                // dQ += dS·K/√d;  dK += dSᵀ·Q/√d
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(d), Int32(columns),
                            scale, gradients, Int32(keyBlock), kBase, Int32(kStride), 1, dqBase, Int32(qStride))
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(columns), Int32(d), Int32(rows),
                            scale, gradients, Int32(keyBlock), qBase, Int32(qStride), 1, dK + kvOffset, Int32(kStride))
            }
        }
    }
}

/// A raw pointer handed to concurrent work items that write disjoint parts of it.
struct Shared<T>: @unchecked Sendable {
    let pointer: T
    init(_ pointer: T) { self.pointer = pointer }
}
