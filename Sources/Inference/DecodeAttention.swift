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
/// every step). With AVX2/FMA and d_head a multiple of 8 the two inner loops run in
/// `CVectorKernels`; otherwise, and as the tests' reference, in portable Swift loops.
enum DecodeAttention {
    /// Smallest key chunk worth a work item (below it the merge and dispatch cost dominates).
    static let minimumChunk = 256

    /// `query`: [heads, d_head] (rotated); `keys`, `values`: the layer's cache [≥ keyCount,
    /// kvHeads, d_head]; `output`: Z, [heads, d_head]; `keyCount` = s + 1.
    static func run(query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                    output: UnsafeMutablePointer<Float>, keyCount: Int, shape: AttentionShape,
                    portable: Bool = !VectorMath.usesVectorKernels) {
        let d = shape.headDimension, group = shape.group, kvHeads = shape.keyValueHeads
        let workers = ProcessInfo.processInfo.activeProcessorCount
        // Enough chunks for ~4 items per core, each at least `minimumChunk` keys.
        let wanted = max(1, (4 * workers + kvHeads - 1) / kvHeads)
        let chunks = max(1, min(wanted, keyCount / minimumChunk))
        let items = kvHeads * chunks
        // Per item: group rows of (max, sum, d accumulators).
        let stride = group * (d + 2)
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: items * stride)
        defer { partial.deallocate() }
        let (q, k, v, p) = (SharedPointer(query), SharedPointer(keys), SharedPointer(values), SharedPointer(partial))
        let usePortable = portable || d % 8 != 0
        DispatchQueue.concurrentPerform(iterations: items) { item in
            let head = item / chunks, chunk = item % chunks
            let keyRange = (chunk * keyCount / chunks)..<((chunk + 1) * keyCount / chunks)
            attendChunk(head: head, keyRange: keyRange, shape: shape, query: q.base, keys: k.base, values: v.base,
                        partial: p.base + item * stride, portable: usePortable)
        }
        merge(partial: partial, chunks: chunks, shape: shape, output: output)
    }

    /// One head's rows against keys `keyRange`: writes, per row r, [m, ℓ, A[0..<d]] at
    /// `partial + r·(d + 2)`.
    private static func attendChunk(head: Int, keyRange: Range<Int>, shape: AttentionShape, query: UnsafePointer<Float>,
                                    keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                                    partial: UnsafeMutablePointer<Float>, portable: Bool) {
        let d = shape.headDimension, group = shape.group, count = keyRange.count
        let keyStride = shape.keyValueHeads * d
        let scaled = UnsafeMutablePointer<Float>.allocate(capacity: group * d)
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: group * count)
        let accumulator = UnsafeMutablePointer<Float>.allocate(capacity: group * d)
        defer { scaled.deallocate(); scores.deallocate(); accumulator.deallocate() }
        let scale = 1 / Float(d).squareRoot()
        let source = query + head * group * d
        for i in 0..<(group * d) { scaled[i] = source[i] * scale }
        let keyBase = keys + keyRange.lowerBound * keyStride + head * d
        let valueBase = values + keyRange.lowerBound * keyStride + head * d
        if portable {
            portableScores(query: scaled, rows: group, d: d, keys: keyBase, keyStride: keyStride, count: count, into: scores)
        } else {
            ropescope_avx2_query_key_scores(scaled, group, d, keyBase, keyStride, count, scores)
        }
        for row in 0..<group {
            let line = scores + row * count
            let maximum = portable ? VectorMath.portableMaximum(line, count: count) : VectorMath.maximum(line, count: count)
            partial[row * (d + 2)] = maximum
            partial[row * (d + 2) + 1] = portable
                ? VectorMath.portableExponentiate(line, count: count, subtracting: maximum)
                : VectorMath.exponentiate(line, count: count, subtracting: maximum)
        }
        if portable {
            portableWeightedValues(weights: scores, rows: group, count: count, values: valueBase, valueStride: keyStride,
                                   d: d, into: accumulator)
        } else {
            ropescope_avx2_weighted_values(scores, group, count, valueBase, keyStride, d, accumulator)
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
