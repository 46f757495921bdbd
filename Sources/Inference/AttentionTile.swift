import CBLAS

/// The work of one key/value head over one block of query positions (see `TiledAttention`):
/// the group's query rows stacked into one tile, its scratch, and the online-softmax state.
///
/// Row r of every [rows, ·] buffer is query position `queries.lowerBound + r / group` of head
/// `keyHead·group + r % group`, so the rows of one position are contiguous in Q and Z.
struct AttentionTile {
    let keyHead: Int
    let queries: Range<Int>
    let shape: AttentionShape
    let keyBlock: Int
    /// group · queries.count
    let rows: Int
    /// Scaled queries Q/√d_head, [rows, d_head].
    let scaledQuery: UnsafeMutablePointer<Float>
    /// Scores, then probabilities, of one key tile, [rows, keyBlock].
    let scores: UnsafeMutablePointer<Float>
    /// Unnormalised output O, [rows, d_head].
    let accumulator: UnsafeMutablePointer<Float>
    /// Running row maximum m and row sum ℓ, [rows] each.
    let runningMax: UnsafeMutablePointer<Float>
    let runningSum: UnsafeMutablePointer<Float>

    init(keyHead: Int, queries: Range<Int>, shape: AttentionShape, keyBlock: Int) {
        self.keyHead = keyHead
        self.queries = queries
        self.shape = shape
        self.keyBlock = keyBlock
        rows = shape.group * queries.count
        let d = shape.headDimension
        scaledQuery = .allocate(capacity: rows * d)
        scores = .allocate(capacity: rows * keyBlock)
        accumulator = .allocate(capacity: rows * d)
        runningMax = .allocate(capacity: rows)
        runningSum = .allocate(capacity: rows)
        accumulator.initialize(repeating: 0, count: rows * d)
        runningMax.initialize(repeating: -.infinity, count: rows)
        runningSum.initialize(repeating: 0, count: rows)
    }

    func release() {
        for buffer in [scaledQuery, scores, accumulator, runningMax, runningSum] { buffer.deallocate() }
    }

    /// Query position of tile row `row`.
    @inline(__always)
    func position(ofRow row: Int) -> Int { queries.lowerBound + row / shape.group }

    /// Offset of the `shape.group·d_head` contiguous floats of this group at `position` in Q or Z.
    @inline(__always)
    func groupOffset(_ position: Int) -> Int { (position * shape.heads + keyHead * shape.group) * shape.headDimension }

    /// Attends the block's queries to every allowed key and writes Z for the group's heads.
    func run(query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
             output: UnsafeMutablePointer<Float>, plan: MaskPlan) {
        let d = shape.headDimension, width = shape.group * d
        let scale = 1 / Float(d).squareRoot()
        for (index, position) in queries.enumerated() {
            let source = query + groupOffset(position), target = scaledQuery + index * width
            for i in 0..<width { target[i] = source[i] * scale }
        }
        let queryIDs = plan.idBounds(queries)
        // Under a causal mask no key after the block's last query is needed.
        let keyEnd = plan.causal ? queries.upperBound : shape.length
        var keyStart = 0
        while keyStart < keyEnd {
            let keys = keyStart..<min(keyEnd, keyStart + keyBlock)
            keyStart = keys.upperBound
            let coverage = plan.coverage(queries: queries, keys: keys, queryIDs: queryIDs, keyIDs: plan.idBounds(keys))
            if coverage == .empty { continue }
            attend(keys: keys, masked: coverage == .partial, key: key, value: value, plan: plan)
        }
        for (index, position) in queries.enumerated() {
            let target = output + groupOffset(position)
            for head in 0..<shape.group {
                let row = index * shape.group + head
                let inverse = runningSum[row] > 0 ? 1 / runningSum[row] : 0
                let source = accumulator + row * d, line = target + head * d
                for i in 0..<d { line[i] = source[i] * inverse }
            }
        }
    }

    /// One key tile: S = Q̃·Kᵀ, mask, online-softmax update, O += P·V.
    private func attend(keys: Range<Int>, masked: Bool, key: UnsafePointer<Float>, value: UnsafePointer<Float>, plan: MaskPlan) {
        let d = shape.headDimension, columns = keys.count
        let keyStride = shape.keyValueHeads * d
        let offset = (keys.lowerBound * shape.keyValueHeads + keyHead) * d
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(columns), Int32(d),
                    1, scaledQuery, Int32(d), key + offset, Int32(keyStride), 0, scores, Int32(keyBlock))
        if masked {
            plan.apply(to: scores, stride: keyBlock, rows: rows, keys: keys) { position(ofRow: $0) }
        }
        for row in 0..<rows {
            let line = scores + row * keyBlock
            let previous = runningMax[row]
            let newMax = max(previous, VectorMath.maximum(line, count: columns))
            if newMax == -.infinity {
                // Nothing allowed yet in this row: contribute zeros, keep the state.
                line.update(repeating: 0, count: columns)
                continue
            }
            let correction = previous == -.infinity ? 0 : VectorMath.exp(previous - newMax)
            let rowSum = VectorMath.exponentiate(line, count: columns, subtracting: newMax)
            runningSum[row] = runningSum[row] * correction + rowSum
            runningMax[row] = newMax
            if correction != 1 {
                let out = accumulator + row * d
                for i in 0..<d { out[i] *= correction }
            }
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(d), Int32(columns),
                    1, scores, Int32(keyBlock), value + offset, Int32(keyStride), 1, accumulator, Int32(d))
    }
}
