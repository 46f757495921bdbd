import CBLAS
import Foundation

/// Materialises `hook_attn_scores` and `hook_pattern` for the selected heads × query rows × key
/// columns only, from the rotated queries and keys (the tiled attention never forms them).
///
/// ```
/// score[h, i, j]   = q_h[i]·k_{h/g}[j]/√d_head,  −∞ where the mask forbids j
/// pattern[h, i, j] = e^(score − max_j score)/Σ_j e^(score − max_j score)   (Double, over all L keys)
/// ```
/// Temporaries are [128, L] per step; outputs are [heads, queries, keys] as selected.
enum AttentionHooks {
    static let rowsPerStep = 128

    static func emit(layer: Int, query: UnsafePointer<Float>, key: UnsafePointer<Float>,
                     shape: AttentionShape, plan: MaskPlan, emitter: HookEmitter) {
        let wantsScores = emitter.wants(.attentionScores, layer: layer)
        let wantsPattern = emitter.wants(.pattern, layer: layer)
        guard wantsScores || wantsPattern else { return }
        let hooks = emitter.hooks
        let (heads, queries, keys) = (hooks.heads, hooks.queryPositions, hooks.keyPositions)
        let length = shape.length, d = shape.headDimension
        let outputCount = heads.count * queries.count * keys.count
        var scores = [Float](repeating: 0, count: wantsScores ? outputCount : 0)
        var pattern = [Float](repeating: 0, count: wantsPattern ? outputCount : 0)
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerStep * length)
        defer { buffer.deallocate() }
        let scale = 1 / Float(d).squareRoot()

        for (headIndex, head) in heads.enumerated() {
            let keyHead = head / shape.group
            for start in stride(from: queries.lowerBound, to: queries.upperBound, by: rowsPerStep) {
                let rows = start..<min(queries.upperBound, start + rowsPerStep)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows.count), Int32(length), Int32(d),
                            scale, query + (rows.lowerBound * shape.heads + head) * d, Int32(shape.heads * d),
                            key + keyHead * d, Int32(shape.keyValueHeads * d), 0, buffer, Int32(length))
                plan.apply(to: buffer, stride: length, rows: rows.count, keys: 0..<length) { rows.lowerBound + $0 }
                for (offset, queryPosition) in rows.enumerated() {
                    let line = buffer + offset * length
                    let target = (headIndex * queries.count + queryPosition - queries.lowerBound) * keys.count
                    if wantsScores {
                        for (column, keyPosition) in keys.enumerated() { scores[target + column] = line[keyPosition] }
                    }
                    if wantsPattern {
                        let maximum = Double(VectorMath.maximum(line, count: length))
                        var sum: Double = 0
                        for j in 0..<length { sum += Foundation.exp(Double(line[j]) - maximum) }
                        for (column, keyPosition) in keys.enumerated() {
                            pattern[target + column] = Float(Foundation.exp(Double(line[keyPosition]) - maximum) / sum)
                        }
                    }
                }
            }
        }
        let shapeOut = [heads.count, queries.count, keys.count]
        let names = hooks.attentionDimensionNames(headCount: shape.heads, length: length)
        let coordinates = [names[0]: heads, names[1]: Array(queries), names[2]: Array(keys)]
        if wantsScores {
            scores.withUnsafeBufferPointer { values in
                guard let base = values.baseAddress else { return }
                emitter.emit(.attentionScores, layer: layer, shape: shapeOut, base, dimensionNames: names, coordinates: coordinates)
            }
        }
        if wantsPattern {
            pattern.withUnsafeBufferPointer { values in
                guard let base = values.baseAddress else { return }
                emitter.emit(.pattern, layer: layer, shape: shapeOut, base, dimensionNames: names, coordinates: coordinates)
            }
        }
    }
}
