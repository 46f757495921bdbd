import Foundation
import Inference

/// One forward + backward pass over a batch of sequences (see `TrainingModel`). The sequences are
/// stacked into one [N = Σ L_b, ·] matrix for every dense layer (one large sgemm per weight);
/// attention runs per sequence on its rows with its own mask.
final class Pass {
    let c: LlamaConfiguration
    let model: TrainingModel
    let parameters: ParameterSet
    let w: [FloatBuffer]
    let examples: [TrainingExample]
    /// Loss weight of each sequence (1/B for a batch mean).
    let exampleWeights: [Double]
    let masks: [TrainingMask]
    /// Stacked tokens and RoPE positions, and the first row of each sequence.
    let tokens: [Int32], positions: [Int], offsets: [Int]
    /// N, the stacked row count.
    let length: Int
    var blocks: [BlockActivations] = []
    var finalInput = FloatBuffer(0), finalNormalized = FloatBuffer(0)
    /// softmax − one-hot, weighted (the logits gradient before scaling), [L, V].
    var logitGradient = FloatBuffer(0)

    init(model: TrainingModel, parameters: ParameterSet, weights: [FloatBuffer], examples: [TrainingExample],
         exampleWeights: [Double], masks: [TrainingMask]) {
        self.c = model.configuration
        self.model = model
        self.parameters = parameters
        self.w = weights
        self.examples = examples
        self.exampleWeights = exampleWeights
        self.masks = masks
        tokens = examples.flatMap(\.tokens)
        positions = examples.flatMap(\.positions)
        var offsets: [Int] = [], total = 0
        for example in examples { offsets.append(total); total += example.tokens.count }
        self.offsets = offsets
        length = total
    }

    /// Head layout of sequence `b`.
    func layout(_ b: Int) -> HeadLayout {
        HeadLayout(length: examples[b].tokens.count, heads: c.headCount, keyValueHeads: c.keyValueHeadCount, headDimension: c.headDimension)
    }

    private func weight(_ layer: Int, _ t: LlamaLayerTensor) -> FloatBuffer { w[parameters.index(layer: layer, t)] }
    private func values(_ layer: Int, _ t: LlamaLayerTensor) -> [Float] { parameters.values[parameters.index(layer: layer, t)] }

    /// Runs the forward pass, keeps the activations, returns Σ w·CE (nats, Double).
    func forward() -> Double {
        let (L, D) = (length, c.embeddingSize)
        let x = FloatBuffer(L * D)
        let embedding = w[parameters.embeddingIndex].pointer
        for (t, token) in tokens.enumerated() { (x.pointer + t * D).update(from: embedding + Int(token) * D, count: D) }
        for layer in 0..<c.layerCount {
            let a = BlockActivations(length: L, c)
            blocks.append(a)
            a.input.pointer.update(from: x.pointer, count: L * D)
            SharedKernels.rmsNorm(x.pointer, rows: L, width: D, weight: values(layer, .attentionNorm), epsilon: c.rmsNormEpsilon,
                                  into: a.normalizedAttention.pointer)
            for (t, out, width) in [(LlamaLayerTensor.query, a.query, c.queryWidth), (.key, a.key, c.keyValueWidth),
                                    (.value, a.value, c.keyValueWidth)] {
                SharedKernels.linear(a.normalizedAttention.pointer, rows: L, inFeatures: D, weight: weight(layer, t).pointer,
                                     outFeatures: width, into: out.pointer)
            }
            SharedKernels.rotate(a.query.pointer, positions: positions, heads: c.headCount, headDimension: c.headDimension,
                                 frequencies: model.frequencies, pairing: c.pairing)
            SharedKernels.rotate(a.key.pointer, positions: positions, heads: c.keyValueHeadCount,
                                 headDimension: c.headDimension, frequencies: model.frequencies, pairing: c.pairing)
            for (b, start) in offsets.enumerated() {
                let (q, kv) = (start * c.queryWidth, start * c.keyValueWidth)
                FlashAttention.forward(query: a.query.pointer + q, key: a.key.pointer + kv, value: a.value.pointer + kv,
                                       output: a.attention.pointer + q, logSumExp: a.logSumExp.pointer + start * c.headCount,
                                       layout: layout(b), mask: masks[b])
            }
            SharedKernels.linear(a.attention.pointer, rows: L, inFeatures: c.queryWidth, weight: weight(layer, .attentionOutput).pointer,
                                 outFeatures: D, into: x.pointer, accumulate: true)
            a.middle.pointer.update(from: x.pointer, count: L * D)
            SharedKernels.rmsNorm(x.pointer, rows: L, width: D, weight: values(layer, .feedForwardNorm), epsilon: c.rmsNormEpsilon,
                                  into: a.normalizedMLP.pointer)
            let F = c.feedForwardSize
            SharedKernels.linear(a.normalizedMLP.pointer, rows: L, inFeatures: D, weight: weight(layer, .gate).pointer,
                                 outFeatures: F, into: a.gate.pointer)
            SharedKernels.linear(a.normalizedMLP.pointer, rows: L, inFeatures: D, weight: weight(layer, .up).pointer,
                                 outFeatures: F, into: a.up.pointer)
            a.hidden.pointer.update(from: a.gate.pointer, count: L * F)
            SharedKernels.swiGLU(gate: a.hidden.pointer, up: a.up.pointer, count: L * F)
            SharedKernels.linear(a.hidden.pointer, rows: L, inFeatures: F, weight: weight(layer, .down).pointer,
                                 outFeatures: D, into: x.pointer, accumulate: true)
        }
        finalInput = x
        finalNormalized = FloatBuffer(L * D)
        SharedKernels.rmsNorm(x.pointer, rows: L, width: D, weight: parameters.values[parameters.outputNormIndex],
                              epsilon: c.rmsNormEpsilon, into: finalNormalized.pointer)
        return crossEntropy()
    }

    /// Logits of the scored rows, Σ w·CE in Double, and the logits gradient w·(softmax − onehot).
    private func crossEntropy() -> Double {
        let (D, V) = (c.embeddingSize, c.vocabularySize)
        logitGradient = FloatBuffer(length * V)
        let targets = examples.indices.flatMap { b in
            examples[b].targets.map { WeightedTarget(row: offsets[b] + $0.row, token: $0.token, weight: exampleWeights[b] * $0.weight) }
        }
        let rows = Array(Set(targets.map(\.row))).sorted()
        guard !rows.isEmpty else { return 0 }
        let packed = FloatBuffer(rows.count * D)
        for (i, row) in rows.enumerated() { (packed.pointer + i * D).update(from: finalNormalized.pointer + row * D, count: D) }
        let logits = FloatBuffer(rows.count * V)
        SharedKernels.linear(packed.pointer, rows: rows.count, inFeatures: D, weight: w[parameters.outputProjectionIndex].pointer,
                             outFeatures: V, into: logits.pointer)
        var slot: [Int: Int] = [:]
        var logNormalizer: [Double] = []
        for (i, row) in rows.enumerated() {
            slot[row] = i
            let line = logits.pointer + i * V
            var top = -Double.infinity
            for v in 0..<V { top = max(top, Double(line[v])) }
            var sum = 0.0
            for v in 0..<V { sum += Foundation.exp(Double(line[v]) - top) }
            logNormalizer.append(top + Foundation.log(sum))
        }
        var loss = 0.0
        for target in targets {
            guard let i = slot[target.row] else { continue }
            let line = logits.pointer + i * V, gradient = logitGradient.pointer + target.row * V
            loss += target.weight * (logNormalizer[i] - Double(line[Int(target.token)]))
            for v in 0..<V { gradient[v] += Float(target.weight * Foundation.exp(Double(line[v]) - logNormalizer[i])) }
            gradient[Int(target.token)] -= Float(target.weight)
        }
        return loss
    }
}
