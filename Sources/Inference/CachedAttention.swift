import CBLAS
import Dispatch

/// Causal attention of n new queries to the keys and values of a KV cache (incremental decoding).
/// Query i (0…n−1) sits at absolute position s + i (s = `start`, the cached length before the
/// new tokens, whose K/V are already stored at s…s+n−1) and attends keys 0…s+i:
/// ```
/// S = (Q_blk/√d_head)·K[0…e)ᵀ     (e = s + last query of the block + 1)
/// P[r, j] = softmax over j ≤ s + i(r) of S[r, ·], 0 for j > s + i(r);  Z_blk = P·V[0…e)
/// ```
/// One work item is one key/value head and a block of ≤ `queryBlock` new positions with the rows
/// of all heads of its GQA group stacked (row = position·group + head in group), as in
/// `TiledAttention`; the softmax is exact per row (no key tiling), so the scratch is
/// `group·queryBlock·e` floats per work item (3·32·8192 floats = 3 MiB for SmolLM2 at 8K).
/// A single decode step (n = 1) runs `DecodeAttention` (split along the keys) instead.
enum CachedAttention {
    /// New positions per work item.
    static let queryBlock = 32

    /// `query`: [n, heads, d_head] (rotated); `layer`: the layer's cache [≥ s+n, kvHeads, d_head];
    /// `output`: Z, [n, heads, d_head]. `shape.length` is n. A binary16 cache is widened to
    /// float32 (positions 0…s+n−1) for n > 1.
    static func run(query: UnsafePointer<Float>, layer: CachedLayer, output: UnsafeMutablePointer<Float>, start: Int,
                    shape: AttentionShape) {
        if shape.length == 1 {
            DecodeAttention.run(query: query, layer: layer, output: output, keyCount: start + 1, shape: shape)
            return
        }
        switch layer {
        case let .float32(keys, values):
            run(query: query, keys: keys, values: values, output: output, start: start, shape: shape)
        case let .float16(keys, values):
            let count = (start + shape.length) * shape.keyValueHeads * shape.headDimension
            let (wideKeys, wideValues) = (UnsafeMutablePointer<Float>.allocate(capacity: count),
                                          UnsafeMutablePointer<Float>.allocate(capacity: count))
            defer { wideKeys.deallocate(); wideValues.deallocate() }
            Half.widen(keys, count: count, into: wideKeys)
            Half.widen(values, count: count, into: wideValues)
            run(query: query, keys: wideKeys, values: wideValues, output: output, start: start, shape: shape)
        }
    }

    /// `run` on a float32 cache.
    private static func run(query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                            output: UnsafeMutablePointer<Float>, start: Int, shape: AttentionShape) {
        let blocks = (shape.length + queryBlock - 1) / queryBlock
        let (q, k, v, z) = (SharedPointer(query), SharedPointer(keys), SharedPointer(values), SharedPointer(output))
        withSingleThreadedBLAS {
            DispatchQueue.concurrentPerform(iterations: shape.keyValueHeads * blocks) { item in
                let block = item / shape.keyValueHeads
                let queries = (block * queryBlock)..<min(shape.length, (block + 1) * queryBlock)
                attend(keyHead: item % shape.keyValueHeads, queries: queries, start: start, shape: shape,
                       query: q.base, keys: k.base, values: v.base, output: z.base)
            }
        }
    }

    private static func attend(keyHead: Int, queries: Range<Int>, start: Int, shape: AttentionShape,
                               query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                               output: UnsafeMutablePointer<Float>) {
        let d = shape.headDimension, group = shape.group
        let rows = group * queries.count, keyCount = start + queries.upperBound
        let keyStride = shape.keyValueHeads * d
        let scaled = UnsafeMutablePointer<Float>.allocate(capacity: rows * d)
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: rows * keyCount)
        let accumulator = UnsafeMutablePointer<Float>.allocate(capacity: rows * d)
        defer { scaled.deallocate(); scores.deallocate(); accumulator.deallocate() }

        let scale = 1 / Float(d).squareRoot()
        for (index, position) in queries.enumerated() {
            let source = query + (position * shape.heads + keyHead * group) * d
            let target = scaled + index * group * d
            for i in 0..<(group * d) { target[i] = source[i] * scale }
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(keyCount), Int32(d),
                    1, scaled, Int32(d), keys + keyHead * d, Int32(keyStride), 0, scores, Int32(keyCount))
        var sums = [Float](repeating: 0, count: rows)
        for row in 0..<rows {
            let line = scores + row * keyCount
            let allowed = start + queries.lowerBound + row / group + 1
            let maximum = VectorMath.maximum(line, count: allowed)
            sums[row] = VectorMath.exponentiate(line, count: allowed, subtracting: maximum)
            (line + allowed).update(repeating: 0, count: keyCount - allowed)   // masked: probability 0
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(d), Int32(keyCount),
                    1, scores, Int32(keyCount), values + keyHead * d, Int32(keyStride), 0, accumulator, Int32(d))
        for (index, position) in queries.enumerated() {
            let target = output + (position * shape.heads + keyHead * group) * d
            for head in 0..<group {
                let row = index * group + head
                let inverse = 1 / sums[row]
                for i in 0..<d { target[head * d + i] = accumulator[row * d + i] * inverse }
            }
        }
    }
}
