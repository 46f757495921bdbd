/// Public entry to the tiled attention kernel on its own, for probes and benchmarks.
public enum Attention {
    /// softmax((Q/√d_head)·Kᵀ + mask)·V per query head with grouped key/value heads (see
    /// `TiledAttention`). `query` is [L, heads, d_head], `key` and `value` are [L, kvHeads, d_head]
    /// (row-major float32); returns Z, [L, heads, d_head]. Rows whose mask allows no key are 0.
    /// Throws `lengthMismatch` for arrays of the wrong size, `invalidConfiguration` for a mask
    /// whose document ids do not cover the window.
    public static func scaledDotProduct(query: [Float], key: [Float], value: [Float], shape: AttentionShape,
                                        mask: AttentionMask, tiling: AttentionTiling = .standard) throws -> [Float] {
        let d = shape.headDimension
        for (name, array, width) in [("query", query, shape.heads * d), ("key", key, shape.keyValueHeads * d),
                                     ("value", value, shape.keyValueHeads * d)] where array.count != shape.length * width {
            throw InferenceError.lengthMismatch(name: "attention \(name) (rows of \(width))", count: array.count,
                                                expected: shape.length * width)
        }
        try mask.validate(length: shape.length)
        var output = [Float](repeating: 0, count: shape.length * shape.heads * d)
        query.withUnsafeBufferPointer { q in
            key.withUnsafeBufferPointer { k in
                value.withUnsafeBufferPointer { v in
                    output.withUnsafeMutableBufferPointer { z in
                        guard let q = q.baseAddress, let k = k.baseAddress, let v = v.baseAddress, let z = z.baseAddress else { return }
                        TiledAttention.run(query: q, key: k, value: v, output: z, shape: shape, plan: MaskPlan(mask), tiling: tiling)
                    }
                }
            }
        }
        return output
    }
}
