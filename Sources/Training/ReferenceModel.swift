import Foundation
import Inference
import RoPE

/// The whole model's loss in Double with plain loops and the full-matrix `AttentionReference`:
/// the independent reference for the float32 BLAS path (`TrainingModel`), used by the
/// finite-difference gradient check. Same formulas as `TrainingModel`'s doc comment; RoPE
/// rotates the pair `RotaryPairing.coordinates(pairIndex:rotaryDimension:)` by m·R(position·θ_i).
public enum ReferenceModel {
    /// Σ w·CE of `example` with `parameters` (layout of `ParameterSet.layout`) in Double.
    public static func loss(configuration c: LlamaConfiguration, frequencies: RoPEFrequencies, parameters: [[Double]],
                            example: TrainingExample) -> Double {
        let layout = ParameterSet.layout(c)
        func tensor(_ name: String) -> [Double] { parameters[layout.firstIndex { $0.name == name }!] }
        let (L, D) = (example.tokens.count, c.embeddingSize)
        let embedding = tensor(LlamaGlobalTensor.tokenEmbedding.ggufName)
        var x = [Double](repeating: 0, count: L * D)
        for (t, token) in example.tokens.enumerated() { for i in 0..<D { x[t * D + i] = embedding[Int(token) * D + i] } }
        for layer in 0..<c.layerCount {
            let p = { (t: LlamaLayerTensor) in tensor(t.ggufName(layer: layer)) }
            let n1 = rmsNorm(x, rows: L, width: D, gain: p(.attentionNorm), epsilon: Double(c.rmsNormEpsilon))
            var q = linear(n1, rows: L, inFeatures: D, weight: p(.query), outFeatures: c.queryWidth)
            var k = linear(n1, rows: L, inFeatures: D, weight: p(.key), outFeatures: c.keyValueWidth)
            let v = linear(n1, rows: L, inFeatures: D, weight: p(.value), outFeatures: c.keyValueWidth)
            rotate(&q, heads: c.headCount, c, frequencies, example.positions)
            rotate(&k, heads: c.keyValueHeadCount, c, frequencies, example.positions)
            let z = AttentionReference.forward(query: q, key: k, value: v, length: L, heads: c.headCount,
                                               keyValueHeads: c.keyValueHeadCount, headDimension: c.headDimension, mask: example.mask).output
            let o = linear(z, rows: L, inFeatures: c.queryWidth, weight: p(.attentionOutput), outFeatures: D)
            for i in 0..<(L * D) { x[i] += o[i] }
            let n2 = rmsNorm(x, rows: L, width: D, gain: p(.feedForwardNorm), epsilon: Double(c.rmsNormEpsilon))
            let gate = linear(n2, rows: L, inFeatures: D, weight: p(.gate), outFeatures: c.feedForwardSize)
            let up = linear(n2, rows: L, inFeatures: D, weight: p(.up), outFeatures: c.feedForwardSize)
            let hidden = zip(gate, up).map { g, u in g / (1 + Foundation.exp(-g)) * u }
            let m = linear(hidden, rows: L, inFeatures: c.feedForwardSize, weight: p(.down), outFeatures: D)
            for i in 0..<(L * D) { x[i] += m[i] }
        }
        let normalized = rmsNorm(x, rows: L, width: D, gain: tensor(LlamaGlobalTensor.outputNorm.ggufName),
                                 epsilon: Double(c.rmsNormEpsilon))
        let head = c.tiedOutput ? embedding : tensor(LlamaGlobalTensor.output.ggufName)
        let logits = linear(normalized, rows: L, inFeatures: D, weight: head, outFeatures: c.vocabularySize)
        var loss = 0.0
        for target in example.targets {
            let row = Array(logits[target.row * c.vocabularySize..<(target.row + 1) * c.vocabularySize])
            let top = row.max() ?? 0
            let normalizer = top + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - top) })
            loss += target.weight * (normalizer - row[Int(target.token)])
        }
        return loss
    }

    /// y = x·Wᵀ, W [out, in].
    static func linear(_ x: [Double], rows: Int, inFeatures: Int, weight: [Double], outFeatures: Int) -> [Double] {
        var y = [Double](repeating: 0, count: rows * outFeatures)
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var s = 0.0
                for i in 0..<inFeatures { s += x[r * inFeatures + i] * weight[o * inFeatures + i] }
                y[r * outFeatures + o] = s
            }
        }
        return y
    }

    static func rmsNorm(_ x: [Double], rows: Int, width: Int, gain: [Double], epsilon: Double) -> [Double] {
        var y = x
        for r in 0..<rows {
            var s = 0.0
            for i in 0..<width { s += x[r * width + i] * x[r * width + i] }
            let scale = 1 / (s / Double(width) + epsilon).squareRoot()
            for i in 0..<width { y[r * width + i] = x[r * width + i] * scale * gain[i] }
        }
        return y
    }

    static func rotate(_ x: inout [Double], heads: Int, _ c: LlamaConfiguration, _ f: RoPEFrequencies, _ positions: [Int]) {
        let d = c.headDimension, m = f.attentionFactor
        for (t, position) in positions.enumerated() {
            for h in 0..<heads {
                let base = (t * heads + h) * d
                for (i, theta) in f.inverseFrequency.enumerated() {
                    let (first, second) = c.pairing.coordinates(pairIndex: i, rotaryDimension: c.rotaryDimension)
                    let angle = Double(position) * theta
                    let (a, b) = (x[base + first], x[base + second])
                    x[base + first] = m * (a * Foundation.cos(angle) - b * Foundation.sin(angle))
                    x[base + second] = m * (a * Foundation.sin(angle) + b * Foundation.cos(angle))
                }
            }
        }
    }
}
