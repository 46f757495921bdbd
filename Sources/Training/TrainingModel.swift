import Foundation
import Inference
import RoPE

/// What the forward pass keeps of one block for the backward pass.
final class BlockActivations {
    let input, normalizedAttention, query, key, value, attention, logSumExp: FloatBuffer
    let middle, normalizedMLP, gate, up, hidden: FloatBuffer

    init(length L: Int, _ c: LlamaConfiguration) {
        let (d, q, kv, f) = (c.embeddingSize, c.queryWidth, c.keyValueWidth, c.feedForwardSize)
        input = FloatBuffer(L * d); normalizedAttention = FloatBuffer(L * d)
        query = FloatBuffer(L * q); key = FloatBuffer(L * kv); value = FloatBuffer(L * kv)
        attention = FloatBuffer(L * q); logSumExp = FloatBuffer(L * c.headCount)
        middle = FloatBuffer(L * d); normalizedMLP = FloatBuffer(L * d)
        gate = FloatBuffer(L * f); up = FloatBuffer(L * f); hidden = FloatBuffer(L * f)
    }
}

/// The llama/llada block stack as `LlamaModel` runs it, with stored activations and a full
/// backward pass in float32 on OpenBLAS (sgemm for every matrix product, `FlashAttention` for
/// attention). The forward uses Inference's `SharedKernels` (RMSNorm, RoPE, SwiGLU, linear).
///
/// ```
/// x = E[tokens];  per block: h = x + W_O·Attn(RoPE(W_Q·n₁), RoPE(W_K·n₁), W_V·n₁), n₁ = RMSNorm(x)·g₁
///                            x = h + W_down·(silu(W_gate·n₂) ⊙ W_up·n₂),          n₂ = RMSNorm(h)·g₂
/// logits = RMSNorm(x)·g·W_outᵀ;  loss = Σ_targets w·CE(logits[row], token)
/// ```
public struct TrainingModel: Sendable {
    /// Model shape.
    public let configuration: LlamaConfiguration
    /// θ'_i and attention factor of the RoPE being trained (any `RoPEScaling`).
    public let frequencies: RoPEFrequencies

    /// Throws `TrainingError.invalidConfiguration` when the frequencies do not fit the rotary dimension.
    public init(configuration: LlamaConfiguration, frequencies: RoPEFrequencies) throws {
        guard frequencies.inverseFrequency.count == configuration.rotaryDimension / 2,
              frequencies.inverseFrequency.allSatisfy(\.isFinite), frequencies.attentionFactor.isFinite else {
            throw TrainingError.invalidConfiguration(
                name: "RoPE frequencies", value: "\(frequencies.inverseFrequency.count) values",
                allowed: "\(configuration.rotaryDimension / 2) finite inverse frequencies")
        }
        self.configuration = configuration
        self.frequencies = frequencies
    }

    /// Loss of one example (nats, Σ w·CE) without gradients.
    public func loss(_ parameters: ParameterSet, _ example: TrainingExample) throws -> Double {
        try run(parameters, [example], weights: [1], gradient: nil, scale: 0)
    }

    /// Loss of one example; adds `scale`·∂loss/∂θ into `gradient` (same layout as `parameters`).
    public func lossAndGradient(_ parameters: ParameterSet, _ example: TrainingExample,
                                into gradient: inout ParameterSet, scale: Float = 1) throws -> Double {
        try run(parameters, [example], weights: [1], gradient: &gradient, scale: scale)
    }

    /// Mean loss of a batch, (1/B)·Σ_b loss_b, in one stacked pass; adds its gradient into `gradient`.
    public func lossAndGradient(_ parameters: ParameterSet, batch: [TrainingExample], into gradient: inout ParameterSet) throws -> Double {
        guard !batch.isEmpty else {
            throw TrainingError.invalidConfiguration(name: "batch size", value: "0", allowed: "at least 1 sequence")
        }
        return try run(parameters, batch, weights: Array(repeating: 1 / Double(batch.count), count: batch.count),
                       gradient: &gradient, scale: 1)
    }

    private func run(_ parameters: ParameterSet, _ examples: [TrainingExample], weights exampleWeights: [Double],
                     gradient: UnsafeMutablePointer<ParameterSet>?, scale: Float) throws -> Double {
        let c = configuration
        var masks: [TrainingMask] = []
        for (index, example) in examples.enumerated() {
            try example.validate(vocabularySize: c.vocabularySize, index: index)
            masks.append(try TrainingMask(example.mask, length: example.tokens.count))
        }
        let weights = parameters.values.map { FloatBuffer(copying: $0) }
        let pass = Pass(model: self, parameters: parameters, weights: weights, examples: examples,
                        exampleWeights: exampleWeights, masks: masks)
        let loss = pass.forward()
        if let gradient {
            let grads = parameters.values.map { FloatBuffer($0.count) }
            pass.backward(into: grads, scale: scale)
            for (index, buffer) in grads.enumerated() {
                gradient.pointee.values[index].withUnsafeMutableBufferPointer { target in
                    for i in 0..<buffer.count { target[i] += buffer.pointer[i] }
                }
            }
        }
        return loss
    }
}
