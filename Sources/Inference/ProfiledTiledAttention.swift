import Dispatch

/// `TiledAttention` with the `AttentionProfile` statistics accumulated inside the tiles (see
/// `TileProfileState` for the one-pass method). Used only when a forward pass is given an
/// `AttentionProfileRecorder`; the plain path does not run any of this.
///
/// Extra cost per score: one clamped copy of s − m', two float32 multiply-adds (Σ P·c, Σ P·x) and
/// the run sums of the distance bins (about one more read of the row); per row and key tile a
/// Double rescale of 2·bins + 5 sums when the maximum rises. Extra memory per work item:
/// rows·(2·bins + 5) doubles + keyBlock floats. Work items write disjoint result slots that are
/// summed in item order afterwards, so the result does not depend on thread scheduling.
enum ProfiledTiledAttention {
    /// Runs attention into `output` (as `TiledAttention.run`) and returns the statistics summed
    /// over query rows, [heads, queryBins, 2·bins + 4], and the rows per query bin [queryBins].
    static func run(query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
                    output: UnsafeMutablePointer<Float>, shape: AttentionShape, plan: MaskPlan,
                    tiling: AttentionTiling, layout: AttentionProfileLayout) -> (values: [Double], rows: [Int]) {
        let queryBlocks = (shape.length + tiling.queryBlock - 1) / tiling.queryBlock
        let items = shape.keyValueHeads * queryBlocks
        let outStride = 2 * layout.distanceBins + 4
        let slot = shape.group * layout.queryBins * outStride
        let slots = UnsafeMutablePointer<Double>.allocate(capacity: items * slot)
        slots.initialize(repeating: 0, count: items * slot)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: items * layout.queryBins)
        counts.initialize(repeating: 0, count: items * layout.queryBins)
        defer {
            slots.deallocate()
            counts.deallocate()
        }
        let (q, k, v, z) = (SharedPointer(query), SharedPointer(key), SharedPointer(value), SharedPointer(output))
        let (sharedSlots, sharedCounts) = (SharedPointer(slots), SharedPointer(counts))
        withSingleThreadedBLAS {
            DispatchQueue.concurrentPerform(iterations: items) { item in
                let block = queryBlocks - 1 - item / shape.keyValueHeads
                let start = block * tiling.queryBlock
                let tile = AttentionTile(
                    keyHead: item % shape.keyValueHeads, queries: start..<min(shape.length, start + tiling.queryBlock),
                    shape: shape, keyBlock: tiling.keyBlock)
                defer { tile.release() }
                tile.runProfiled(query: q.base, key: k.base, value: v.base, output: z.base, plan: plan, layout: layout,
                                 result: sharedSlots.base + item * slot, rowCounts: sharedCounts.base + item * layout.queryBins)
            }
        }
        var values = [Double](repeating: 0, count: shape.heads * layout.queryBins * outStride)
        var rows = [Int](repeating: 0, count: layout.queryBins)
        for item in 0..<items {
            let keyHead = item % shape.keyValueHeads
            // The item's slot is [group, queryBins, outStride]: head keyHead·group + g.
            let target = keyHead * slot
            for index in 0..<slot { values[target + index] += slots[item * slot + index] }
            if keyHead == 0 {
                for bin in 0..<layout.queryBins { rows[bin] += counts[item * layout.queryBins + bin] }
            }
        }
        return (values, rows)
    }

    /// Runs one layer's attention and adds its statistics to `recorder`.
    static func run(query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
                    output: UnsafeMutablePointer<Float>, shape: AttentionShape, plan: MaskPlan, tiling: AttentionTiling,
                    layer: Int, layers: Int, into recorder: AttentionProfileRecorder) {
        let (values, rows) = run(query: query, key: key, value: value, output: output, shape: shape, plan: plan,
                                 tiling: tiling, layout: recorder.layout)
        recorder.add(layer: layer, layers: layers, heads: shape.heads, values: values, rows: rows)
    }
}

extension Attention {
    /// `scaledDotProduct` plus the attention profile of its one layer (see `AttentionProfile`):
    /// returns Z [L, heads, d_head] (equal to `scaledDotProduct`'s) and the profile (layers = 1).
    /// Throws as `scaledDotProduct`.
    public static func profiled(query: [Float], key: [Float], value: [Float], shape: AttentionShape, mask: AttentionMask,
                                layout: AttentionProfileLayout, tiling: AttentionTiling = .standard) throws
        -> (output: [Float], profile: AttentionProfile) {
        let d = shape.headDimension
        for (name, array, width) in [("query", query, shape.heads * d), ("key", key, shape.keyValueHeads * d),
                                     ("value", value, shape.keyValueHeads * d)] where array.count != shape.length * width {
            throw InferenceError.lengthMismatch(name: "attention \(name) (rows of \(width))", count: array.count,
                                                expected: shape.length * width)
        }
        try mask.validate(length: shape.length)
        let recorder = AttentionProfileRecorder(layout: layout)
        var output = [Float](repeating: 0, count: shape.length * shape.heads * shape.headDimension)
        query.withUnsafeBufferPointer { q in
            key.withUnsafeBufferPointer { k in
                value.withUnsafeBufferPointer { v in
                    output.withUnsafeMutableBufferPointer { z in
                        guard let q = q.baseAddress, let k = k.baseAddress, let v = v.baseAddress, let z = z.baseAddress else { return }
                        ProfiledTiledAttention.run(query: q, key: k, value: v, output: z, shape: shape, plan: MaskPlan(mask), tiling: tiling,
                            layer: 0, layers: 1, into: recorder)
                    }
                }
            }
        }
        return (output, recorder.profile ?? AttentionProfile(layout: layout, layers: 1, heads: shape.heads))
    }
}
