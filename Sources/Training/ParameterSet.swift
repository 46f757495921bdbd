import Foundation
import Inference
import Probes

/// One trainable tensor: its GGUF name, row-major shape and whether AdamW decays it.
public struct ParameterTensor: Equatable, Sendable {
    /// GGUF tensor name (`blk.0.attn_q.weight`), from Inference's one mapping table.
    public let name: String
    /// Row-major shape ([out, in] for matrices, [d_model] for norm gains).
    public let shape: [Int]
    /// True for matrices (weight decay applies), false for RMSNorm gains (as nanoGPT/llm.c).
    public let decays: Bool

    /// Number of elements, the product of `shape`.
    public var count: Int { shape.reduce(1, *) }
}

/// All trainable float32 tensors of a llama/llada model in one fixed order:
/// `token_embd`, then for each block the nine `LlamaLayerTensor`s in declaration order,
/// `output_norm`, and `output` when the head is untied. Gradients and optimiser moments use the
/// same layout.
public struct ParameterSet: Sendable {
    /// The configuration the shapes follow.
    public let configuration: LlamaConfiguration
    /// Name, shape and decay flag of each tensor, in layout order.
    public let tensors: [ParameterTensor]
    /// Values of each tensor, row-major, aligned with `tensors`.
    public var values: [[Float]]

    /// The tensor layout of `c` (names, shapes, decay flags).
    public static func layout(_ c: LlamaConfiguration) -> [ParameterTensor] {
        var list = [ParameterTensor(name: LlamaGlobalTensor.tokenEmbedding.ggufName,
                                    shape: LlamaGlobalTensor.tokenEmbedding.shape(c), decays: true)]
        for layer in 0..<c.layerCount {
            for t in LlamaLayerTensor.allCases {
                list.append(ParameterTensor(name: t.ggufName(layer: layer), shape: t.shape(c),
                                            decays: t != .attentionNorm && t != .feedForwardNorm))
            }
        }
        list.append(ParameterTensor(name: LlamaGlobalTensor.outputNorm.ggufName, shape: LlamaGlobalTensor.outputNorm.shape(c), decays: false))
        if !c.tiedOutput {
            list.append(ParameterTensor(name: LlamaGlobalTensor.output.ggufName, shape: LlamaGlobalTensor.output.shape(c), decays: true))
        }
        return list
    }

    /// All tensors set to `fill` (zeros: a gradient or moment buffer).
    public init(zerosLike c: LlamaConfiguration, fill: Float = 0) {
        configuration = c
        tensors = Self.layout(c)
        values = tensors.map { [Float](repeating: fill, count: $0.count) }
    }

    /// Random initialisation from `seed`: matrices ~ N(0, σ²) with σ = `standardDeviation`
    /// (0.02 as GPT-2/nanoGPT), RMSNorm gains 1. Normals by Box–Muller on SplitMix64 doubles, drawn
    /// tensor by tensor in layout order, so the same seed gives the same weights everywhere.
    public init(randomFor c: LlamaConfiguration, seed: UInt64, standardDeviation: Double = 0.02) {
        self.init(zerosLike: c)
        var generator = SplitMix64(seed: seed)
        for (index, tensor) in tensors.enumerated() {
            if !tensor.decays {
                values[index] = [Float](repeating: 1, count: tensor.count)
                continue
            }
            for i in 0..<tensor.count {
                let u1 = 1 - generator.nextUnitInterval()   // (0, 1]
                let u2 = generator.nextUnitInterval()
                let normal = (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
                values[index][i] = Float(normal * standardDeviation)
            }
        }
    }

    /// The parameters of checked inference weights (e.g. a loaded GGUF checkpoint).
    public init(weights: LlamaWeights) {
        let c = weights.configuration
        configuration = c
        tensors = Self.layout(c)
        var list = [weights.tokenEmbedding]
        for layer in weights.layers { for t in LlamaLayerTensor.allCases { list.append(layer[t]) } }
        list.append(weights.outputNorm)
        if let output = weights.output { list.append(output) }
        values = list
    }

    /// The given values for `c`; throws `TrainingError.shapeMismatch` naming the first tensor
    /// whose size differs from the layout of `c`.
    public init(configuration c: LlamaConfiguration, values: [[Float]]) throws {
        let tensors = Self.layout(c)
        guard values.count == tensors.count else {
            throw TrainingError.shapeMismatch(name: "parameter tensors", count: values.count, expected: tensors.count)
        }
        for (tensor, value) in zip(tensors, values) where value.count != tensor.count {
            throw TrainingError.shapeMismatch(name: tensor.name, count: value.count, expected: tensor.count)
        }
        configuration = c
        self.tensors = tensors
        self.values = values
    }

    /// Index of `token_embd.weight`.
    public var embeddingIndex: Int { 0 }
    /// Index of a block tensor.
    public func index(layer: Int, _ tensor: LlamaLayerTensor) -> Int {
        1 + layer * LlamaLayerTensor.allCases.count + LlamaLayerTensor.allCases.firstIndex(of: tensor)!
    }
    /// Index of `output_norm.weight`.
    public var outputNormIndex: Int { 1 + configuration.layerCount * LlamaLayerTensor.allCases.count }
    /// Index of the [V, d_model] output projection (`output.weight`, or `token_embd.weight` when tied).
    public var outputProjectionIndex: Int { configuration.tiedOutput ? embeddingIndex : outputNormIndex + 1 }

    /// The same values as shape-checked inference weights.
    public func weights() throws -> LlamaWeights {
        let c = configuration
        let layers = (0..<c.layerCount).map { layer in
            let v = { (t: LlamaLayerTensor) in values[index(layer: layer, t)] }
            return LlamaLayerWeights(attentionNorm: v(.attentionNorm), query: v(.query), key: v(.key), value: v(.value),
                                     attentionOutput: v(.attentionOutput), feedForwardNorm: v(.feedForwardNorm),
                                     gate: v(.gate), up: v(.up), down: v(.down))
        }
        return try LlamaWeights(configuration: c, tokenEmbedding: values[embeddingIndex], layers: layers,
                                outputNorm: values[outputNormIndex], output: c.tiedOutput ? nil : values[outputNormIndex + 1])
    }

    /// Total number of scalars.
    public var scalarCount: Int { tensors.reduce(0) { $0 + $1.count } }
}
