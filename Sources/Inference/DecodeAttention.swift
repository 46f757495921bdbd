import CVectorKernels
import Dispatch
import Foundation

/// Attention of one new position (a decode step) to the s + 1 cached keys, split along the keys
/// so that every core streams its share of the cache (split-K / "flash decoding"):
/// ```
/// for each key/value head h and key chunk c = [j₀, j₁) (in parallel):
///     S[r, j] = (q_r/√d_head)·k_j           (r over the group's query heads, j in c)
///     m_c[r] = max_j S[r, j],  ℓ_c[r] = Σ_j e^(S[r, j] − m_c[r]),  A_c[r] = Σ_j e^(S[r, j] − m_c[r])·v_j
/// then per row:  m = max_c m_c,  z = Σ_c e^(m_c − m)·A_c / Σ_c e^(m_c − m)·ℓ_c
/// ```
/// which is softmax(S)·V exactly (up to float summation order). The dot products stream each
/// key and value row once from the cache, with no packed copy (sgemm would pack the whole K and V
/// every step). A binary16 cache is widened as it is read. With AVX2/FMA/F16C and d_head a
/// multiple of 8 the two inner loops run in `CVectorKernels`; otherwise, and as the tests'
/// reference, in portable Swift loops (a binary16 chunk widened first).
enum DecodeAttention {
    /// Smallest key chunk worth a work item (below it the merge and dispatch cost dominates).
    static let minimumChunk = 256

    /// `query`: [heads, d_head] (rotated); `layer`: the layer's cache [≥ keyCount, kvHeads,
    /// d_head]; `output`: Z, [heads, d_head]; `keyCount` = s + 1.
    static func run(query: UnsafePointer<Float>, layer: CachedLayer,
                    output: UnsafeMutablePointer<Float>, keyCount: Int, shape: AttentionShape,
                    portable: Bool = !VectorMath.usesVectorKernels) {
        let d = shape.headDimension, group = shape.group, kvHeads = shape.keyValueHeads
        let workers = Cores.available
        // Enough chunks for ~4 items per core, each at least `minimumChunk` keys, and an item count
        // that is a multiple of the cores where the chunks allow it (3 heads × 4 chunks on 2 cores).
        let wanted = max(1, (4 * workers + kvHeads - 1) / kvHeads)
        let balanced = (wanted..<(wanted + workers)).first { kvHeads * $0 % workers == 0 } ?? wanted
        let chunks = max(1, min(balanced, keyCount / minimumChunk))
        let items = kvHeads * chunks
        // Per item: group rows of (max, sum, d accumulators).
        let stride = group * (d + 2)
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: items * stride)
        defer { partial.deallocate() }
        let (q, p) = (SharedPointer(query), SharedPointer(partial))
        let usePortable = portable || d % 8 != 0
        SpinningWorkers.shared.run(iterations: items) { item in
            let head = item / chunks, chunk = item % chunks
            let keyRange = (chunk * keyCount / chunks)..<((chunk + 1) * keyCount / chunks)
            attendChunk(head: head, keyRange: keyRange, shape: shape, query: q.base, layer: layer,
                        partial: p.base + item * stride, portable: usePortable)
        }
        merge(partial: partial, chunks: chunks, shape: shape, output: output)
    }

    /// One head's rows against keys `keyRange`: writes, per row r, [m, ℓ, A[0..<d]] at
    /// `partial + r·(d + 2)`.
    private static func attendChunk(head: Int, keyRange: Range<Int>, shape: AttentionShape, query: UnsafePointer<Float>,
                                    layer: CachedLayer, partial: UnsafeMutablePointer<Float>, portable: Bool) {
        let d = shape.headDimension, group = shape.group, count = keyRange.count
        let keyStride = shape.keyValueHeads * d
        let scaled = UnsafeMutablePointer<Float>.allocate(capacity: group * d)
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: group * count)
        let accumulator = UnsafeMutablePointer<Float>.allocate(capacity: group * d)
        defer { scaled.deallocate(); scores.deallocate(); accumulator.deallocate() }
        let scale = 1 / Float(d).squareRoot()
        let source = query + head * group * d
        for i in 0..<(group * d) { scaled[i] = source[i] * scale }
        let offset = keyRange.lowerBound * keyStride + head * d
        switch (layer, portable) {
        case let (.float32(keys, _), false):
            ropescope_avx2_query_key_scores(scaled, group, d, keys + offset, keyStride, count, scores)
        case let (.float16(keys, _), false):
            ropescope_f16c_query_key_scores(scaled, group, d, keys + offset, keyStride, count, scores)
        case let (.float32(keys, _), true):
            portableScores(query: scaled, rows: group, d: d, keys: keys + offset, keyStride: keyStride, count: count, into: scores)
        case let (.float16(keys, _), true):
            withWidened(keys + offset, rows: count, d: d, stride: keyStride) {
                portableScores(query: scaled, rows: group, d: d, keys: $0, keyStride: d, count: count, into: scores)
            }
        }
        for row in 0..<group {
            let line = scores + row * count
            let maximum = portable ? VectorMath.portableMaximum(line, count: count) : VectorMath.maximum(line, count: count)
            partial[row * (d + 2)] = maximum
            partial[row * (d + 2) + 1] = portable
                ? VectorMath.portableExponentiate(line, count: count, subtracting: maximum)
                : VectorMath.exponentiate(line, count: count, subtracting: maximum)
        }
        switch (layer, portable) {
        case let (.float32(_, values), false):
            ropescope_avx2_weighted_values(scores, group, count, values + offset, keyStride, d, accumulator)
        case let (.float16(_, values), false):
            ropescope_f16c_weighted_values(scores, group, count, values + offset, keyStride, d, accumulator)
        case let (.float32(_, values), true):
            portableWeightedValues(weights: scores, rows: group, count: count, values: values + offset, valueStride: keyStride,
                                   d: d, into: accumulator)
        case let (.float16(_, values), true):
            withWidened(values + offset, rows: count, d: d, stride: keyStride) {
                portableWeightedValues(weights: scores, rows: group, count: count, values: $0, valueStride: d, d: d,
                                       into: accumulator)
            }
        }
        for row in 0..<group {
            (partial + row * (d + 2) + 2).update(from: accumulator + row * d, count: d)
        }
    }

    /// Combines the chunks of every head's rows: z = Σ_c e^(m_c − m)·A_c / Σ_c e^(m_c − m)·ℓ_c.
    private static func merge(partial: UnsafePointer<Float>, chunks: Int, shape: AttentionShape,
                              output: UnsafeMutablePointer<Float>) {
        let d = shape.headDimension, group = shape.group, stride = group * (d + 2)
        for head in 0..<shape.keyValueHeads {
            for row in 0..<group {
                let target = output + (head * group + row) * d
                var maximum = -Float.infinity
                for chunk in 0..<chunks { maximum = max(maximum, partial[(head * chunks + chunk) * stride + row * (d + 2)]) }
                target.update(repeating: 0, count: d)
                var total: Float = 0
                for chunk in 0..<chunks {
                    let line = partial + (head * chunks + chunk) * stride + row * (d + 2)
                    let weight = VectorMath.exp(line[0] - maximum)
                    total += weight * line[1]
                    for i in 0..<d { target[i] += weight * line[2 + i] }
                }
                let inverse = 1 / total
                for i in 0..<d { target[i] *= inverse }
            }
        }
    }

    /// Runs `body` on `rows` rows of d binary16 values (row stride `stride`) widened to float32
    /// ([rows, d], contiguous).
    private static func withWidened(_ source: UnsafePointer<UInt16>, rows: Int, d: Int, stride: Int,
                                    _ body: (UnsafePointer<Float>) -> Void) {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, rows * d))
        defer { buffer.deallocate() }
        for row in 0..<rows { Half.widen(source + row * stride, count: d, into: buffer + row * d, portable: true) }
        body(buffer)
    }

    /// scores[r·count + j] = query_r · key_j, in Swift.
    static func portableScores(query: UnsafePointer<Float>, rows: Int, d: Int, keys: UnsafePointer<Float>, keyStride: Int,
                               count: Int, into scores: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let q = query + r * d
            for j in 0..<count {
                let key = keys + j * keyStride
                var total: Float = 0
                for i in 0..<d { total += q[i] * key[i] }
                scores[r * count + j] = total
            }
        }
    }

    /// output[r·d + i] = Σ_j weights[r·count + j]·value_j[i], in Swift.
    static func portableWeightedValues(weights: UnsafePointer<Float>, rows: Int, count: Int, values: UnsafePointer<Float>,
                                       valueStride: Int, d: Int, into output: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let target = output + r * d
            target.update(repeating: 0, count: d)
            for j in 0..<count {
                let weight = weights[r * count + j], value = values + j * valueStride
                for i in 0..<d { target[i] += weight * value[i] }
            }
        }
    }
}
