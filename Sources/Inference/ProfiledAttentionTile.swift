import CBLAS
import Foundation

/// Running sums of one attention tile's rows for `AttentionProfile`, kept beside the online
/// softmax so that no L×L matrix exists.
///
/// Method: **unnormalised sums with running-max rescaling** (one pass; the scores are never
/// recomputed). For row i with running maximum m and P_j = e^(s_j − m) (the very values the
/// kernel multiplies with V), each key tile adds
/// ```
/// U += Σ P_j,   bins[side, b] += Σ_{j in bin} P_j,   D += Σ P_j·|i − j|,
/// T += Σ P_j·(s_j − m),   S += Σ_{j<k} P_j,   Λ += Σ_{|i−j|<w} P_j
/// ```
/// and when the maximum rises to m', c = e^(m − m') rescales them: T ← c·(T + (m − m')·U), every
/// other sum ← c·sum. At the row's end p_j = P_j/U, so mass = bins/U, distance = D/U,
/// sink = S/U, local = Λ/U and entropy −Σ p ln p = ln U − T/U (both terms ≥ 0: no cancellation).
/// Within a key tile the sums are float32 (≤ `keyBlock` terms, column offsets from the tile start
/// so |i − j| never multiplies a float sum of a long window), the running sums Double.
struct TileProfileState {
    let bins: Int
    /// Doubles per row: 2·bins (left, right), then D, T, S, Λ, U.
    var stride: Int { 2 * bins + 5 }
    let sums: UnsafeMutablePointer<Double>
    /// s − m' of the current row (clamped at −128: e^−128 is 0 in float32), [keyBlock].
    let shifted: UnsafeMutablePointer<Float>

    init(rows: Int, keyBlock: Int, bins: Int) {
        self.bins = bins
        sums = .allocate(capacity: rows * (2 * bins + 5))
        sums.initialize(repeating: 0, count: rows * (2 * bins + 5))
        shifted = .allocate(capacity: keyBlock)
    }

    func release() {
        sums.deallocate()
        shifted.deallocate()
    }

    /// Σ P, Σ P·(c − from), Σ P·x over columns from..<to (8 float32 lanes).
    static func moments(_ p: UnsafePointer<Float>, _ x: UnsafePointer<Float>, from: Int, to: Int) -> (Double, Double, Double) {
        var sumP = SIMD8<Float>(repeating: 0), sumPC = sumP, sumPX = sumP
        var column = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
        let (rawP, rawX) = (UnsafeRawPointer(p), UnsafeRawPointer(x))
        var c = from
        while c + 8 <= to {
            let pv = rawP.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Float>.self)
            let xv = rawX.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Float>.self)
            sumP += pv
            sumPC += pv * column
            sumPX += pv * xv
            column += 8
            c += 8
        }
        var (a, b, d) = (Double(sumP.sum()), Double(sumPC.sum()), Double(sumPX.sum()))
        while c < to {
            a += Double(p[c]); b += Double(p[c]) * Double(c - from); d += Double(p[c]) * Double(x[c])
            c += 1
        }
        return (a, b, d)
    }

    /// Folds one row's key tile: `p` holds P_j = e^(s_j − newMax), `shifted` s_j − newMax;
    /// `previous` is the maximum before this tile (−∞ on the row's first allowed tile).
    func fold(row: Int, query i: Int, keys: Range<Int>, p: UnsafePointer<Float>, previous: Float, newMax: Float,
              layout: AttentionProfileLayout) {
        let base = sums + row * stride
        let (d, t, s, l, u) = (2 * bins, 2 * bins + 1, 2 * bins + 2, 2 * bins + 3, 2 * bins + 4)
        if previous != -.infinity, previous != newMax {
            let delta = Double(previous) - Double(newMax)
            let c = Foundation.exp(delta)
            base[t] = c * (base[t] + delta * base[u])
            for f in 0..<stride where f != t { base[f] *= c }
        }
        let k0 = keys.lowerBound, columns = keys.count, edges = layout.distanceEdges
        let split = min(columns, max(0, i + 1 - k0))  // columns before `split` are left of (or at) the query
        let left = Self.moments(p, shifted, from: 0, to: split)
        let right = Self.moments(p, shifted, from: split, to: columns)
        base[t] += left.2 + right.2
        // Σ P·(i − j) on the left, Σ P·(j − i) on the right, with j = k0 + c (c from the run's start).
        base[d] += Double(i - k0) * left.0 - left.1 + right.1 + Double(k0 + split - i) * right.0
        // U is the sum of the bin runs, so that the masses of a row sum to 1 up to Double rounding.
        var total = 0.0
        // A side whose keys all fall in one bin (most key tiles far from the query) reuses Σ P from
        // `moments` instead of summing the run again.
        if split > 0, AttentionProfileLayout.bin(i - k0 - (split - 1), edges) == AttentionProfileLayout.bin(i - k0, edges) {
            base[AttentionProfileLayout.bin(i - k0, edges)] += left.0
            total += left.0
        } else if split > 0 {
            var high = split, bin = AttentionProfileLayout.bin(i - k0 - (split - 1), edges)
            while high > 0 {
                let low = bin + 1 < bins ? max(0, i - k0 - edges[bin + 1] + 1) : 0
                let run = VectorMath.sum(p + low, count: high - low)
                base[bin] += Double(run)
                total += Double(run)
                high = low
                bin += 1
            }
        }
        if split < columns, AttentionProfileLayout.bin(k0 + split - i, edges) == AttentionProfileLayout.bin(k0 + columns - 1 - i, edges) {
            base[bins + AttentionProfileLayout.bin(k0 + split - i, edges)] += right.0
            total += right.0
        } else if split < columns {
            var low = split, bin = AttentionProfileLayout.bin(k0 + split - i, edges)
            while low < columns {
                let high = bin + 1 < bins ? min(columns, edges[bin + 1] + i - k0) : columns
                let run = VectorMath.sum(p + low, count: high - low)
                base[bins + bin] += Double(run)
                total += Double(run)
                low = high
                bin += 1
            }
        }
        base[u] += total
        let sinkEnd = min(columns, layout.sinkTokens - k0)
        if sinkEnd > 0 { base[s] += Double(VectorMath.sum(p, count: sinkEnd)) }
        let localStart = max(0, i - layout.localWindow + 1 - k0), localEnd = min(columns, i + layout.localWindow - k0)
        if localEnd > localStart { base[l] += Double(VectorMath.sum(p + localStart, count: localEnd - localStart)) }
    }
}

extension AttentionTile {
    /// `run` plus the profile sums: identical Z (the same float operations on the same P), and
    /// each row's normalised statistics added to `result` [group, queryBins, 2·bins + 4] with the
    /// rows per query bin counted in `rows` [queryBins].
    func runProfiled(query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
                     output: UnsafeMutablePointer<Float>, plan: MaskPlan, layout: AttentionProfileLayout,
                     result: UnsafeMutablePointer<Double>, rowCounts: UnsafeMutablePointer<Int>) {
        let d = shape.headDimension, width = shape.group * d
        let scale = 1 / Float(d).squareRoot()
        for (index, position) in queries.enumerated() {
            let source = query + groupOffset(position), target = scaledQuery + index * width
            for i in 0..<width { target[i] = source[i] * scale }
        }
        let state = TileProfileState(rows: rows, keyBlock: keyBlock, bins: layout.distanceBins)
        defer { state.release() }
        let queryIDs = plan.idBounds(queries)
        let keyEnd = plan.causal ? queries.upperBound : shape.length
        var keyStart = 0
        while keyStart < keyEnd {
            let keys = keyStart..<min(keyEnd, keyStart + keyBlock)
            keyStart = keys.upperBound
            let coverage = plan.coverage(queries: queries, keys: keys, queryIDs: queryIDs, keyIDs: plan.idBounds(keys))
            if coverage == .empty { continue }
            attendProfiled(keys: keys, masked: coverage == .partial, key: key, value: value, plan: plan, state: state, layout: layout)
        }
        let bins = layout.distanceBins, outStride = 2 * bins + 4
        for (index, position) in queries.enumerated() {
            let target = output + groupOffset(position)
            let queryBin = AttentionProfileLayout.bin(position, layout.queryEdges)
            for head in 0..<shape.group {
                let row = index * shape.group + head
                let inverse = runningSum[row] > 0 ? 1 / runningSum[row] : 0
                let source = accumulator + row * d, line = target + head * d
                for i in 0..<d { line[i] = source[i] * inverse }
                let sums = state.sums + row * state.stride, total = sums[2 * bins + 4]
                guard total > 0 else { continue }
                let out = result + (head * layout.queryBins + queryBin) * outStride
                for b in 0..<(2 * bins) { out[b] += sums[b] / total }
                out[2 * bins] += sums[2 * bins] / total
                out[2 * bins + 1] += Foundation.log(total) - sums[2 * bins + 1] / total
                out[2 * bins + 2] += sums[2 * bins + 2] / total
                out[2 * bins + 3] += sums[2 * bins + 3] / total
            }
            rowCounts[queryBin] += 1
        }
    }

    /// `attend` with the profile sums folded in after each row's exponentiation.
    private func attendProfiled(keys: Range<Int>, masked: Bool, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
                                plan: MaskPlan, state: TileProfileState, layout: AttentionProfileLayout) {
        let d = shape.headDimension, columns = keys.count
        let keyStride = shape.keyValueHeads * d
        let offset = (keys.lowerBound * shape.keyValueHeads + keyHead) * d
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(columns), Int32(d),
                    1, scaledQuery, Int32(d), key + offset, Int32(keyStride), 0, scores, Int32(keyBlock))
        if masked {
            plan.apply(to: scores, stride: keyBlock, rows: rows, keys: keys) { position(ofRow: $0) }
        }
        let shifted = state.shifted
        for row in 0..<rows {
            let line = scores + row * keyBlock
            let previous = runningMax[row]
            let newMax = max(previous, VectorMath.maximum(line, count: columns))
            if newMax == -.infinity {
                line.update(repeating: 0, count: columns)
                continue
            }
            for c in 0..<columns {
                let x = line[c] - newMax
                shifted[c] = x < -128 ? -128 : x
            }
            let correction = previous == -.infinity ? 0 : VectorMath.exp(previous - newMax)
            let rowSum = VectorMath.exponentiate(line, count: columns, subtracting: newMax)
            runningSum[row] = runningSum[row] * correction + rowSum
            runningMax[row] = newMax
            if correction != 1 {
                let out = accumulator + row * d
                for i in 0..<d { out[i] *= correction }
            }
            state.fold(row: row, query: position(ofRow: row), keys: keys, p: line, previous: previous, newMax: newMax,
                       layout: layout)
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(d), Int32(columns),
                    1, scores, Int32(keyBlock), value + offset, Int32(keyStride), 1, accumulator, Int32(d))
    }
}
