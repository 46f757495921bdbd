import Foundation
import GGUF
import Inference
import RoPE

/// Saves trained parameters as a GGUF checkpoint that `LlamaGGUFLoader` (and so `ropescope score`
/// and every probe) and llama.cpp load: f32 tensors, `{arch}.*` hyper-parameters, the byte
/// vocabulary, and the trained RoPE baked into the metadata:
/// ```
/// none                         {arch}.rope.freq_base = b
/// linear(s)                    + rope.scaling.type = linear, rope.scaling.factor = s
/// a base change (ntk, base, critical-ntk, diffusion-ntk; magnitude 1)   freq_base = b' (effective base)
/// anything else (yarn, llama3, longrope, ...)  rope_freqs.weight f_i = θ_i/θ'_i (so θ'_i = θ_i/f_i)
///                              and rope.scaling.attn_factor = m when m ≠ 1
/// ```
public enum Checkpoint {
    /// The GGUF bytes of `parameters` trained with `scaling` for `objective` (`llama` for `ar`,
    /// `llada` for `masked-diffusion`, which also gets `llada.attention.causal = false`).
    /// `vocabularyMetadata` adds the tokenizer keys (default: `ByteVocabulary`; its size must be V).
    /// `step` (optimiser steps done) is written as `training.step` to pair the file with its
    /// optimiser state (`TrainingState`).
    public static func gguf(_ parameters: ParameterSet, objective: TrainingObjective, scaling: RoPEScaling,
                            name: String = "ropescope-twin", step: Int? = nil) throws -> [UInt8] {
        let c = parameters.configuration
        guard c.vocabularySize == ByteVocabulary.size else {
            throw TrainingError.incompatibleCheckpoint(reason: "vocabulary size \(c.vocabularySize): allowed \(ByteVocabulary.size) (the byte vocabulary)")
        }
        guard c.pairing == .adjacent else {
            throw TrainingError.incompatibleCheckpoint(reason: "rotary pairing \(c.pairing.rawValue): GGUF llama/llada use adjacent pairs")
        }
        let arch = objective.architecture.rawValue
        var writer = try GGUFWriter()
        try writer.addMetadata("general.architecture", .string(arch))
        try writer.addMetadata("general.name", .string(name))
        if let step { try writer.addMetadata(TrainingState.stepKey, .uint32(UInt32(clamping: step))) }
        for (key, value) in [("context_length", c.trainedContextLength), ("embedding_length", c.embeddingSize),
                             ("block_count", c.layerCount), ("feed_forward_length", c.feedForwardSize),
                             ("attention.head_count", c.headCount), ("attention.head_count_kv", c.keyValueHeadCount),
                             ("attention.key_length", c.headDimension), ("attention.value_length", c.headDimension),
                             ("rope.dimension_count", c.rotaryDimension), ("vocab_size", c.vocabularySize)] {
            try writer.addMetadata("\(arch).\(key)", .uint32(UInt32(value)))
        }
        try writer.addMetadata("\(arch).attention.layer_norm_rms_epsilon", .float32(c.rmsNormEpsilon))
        if objective == .maskedDiffusion { try writer.addMetadata("\(arch).attention.causal", .bool(false)) }
        let geometry = try c.rotaryGeometry()
        let frequencies = try scaling.frequencies(for: geometry)
        let plain = try RoPEScaling.none.frequencies(for: geometry)
        var divisors: [Float]?
        switch scaling {
        case .none:
            try writer.addMetadata("\(arch).rope.freq_base", .float32(Float(c.ropeBase)))
        case let .linear(factor):
            try writer.addMetadata("\(arch).rope.freq_base", .float32(Float(c.ropeBase)))
            try writer.addMetadata("\(arch).rope.scaling.type", .string("linear"))
            try writer.addMetadata("\(arch).rope.scaling.factor", .float32(Float(factor)))
        default:
            if let base = frequencies.effectiveBase, frequencies.attentionFactor == 1 {
                try writer.addMetadata("\(arch).rope.freq_base", .float32(Float(base)))
            } else {
                try writer.addMetadata("\(arch).rope.freq_base", .float32(Float(c.ropeBase)))
                divisors = zip(plain.inverseFrequency, frequencies.inverseFrequency).map { Float($0 / $1) }
                if frequencies.attentionFactor != 1 {
                    try writer.addMetadata("\(arch).rope.scaling.attn_factor", .float32(Float(frequencies.attentionFactor)))
                }
            }
        }
        try ByteVocabulary.addMetadata(to: &writer)
        for (index, tensor) in parameters.tensors.enumerated() {
            try writer.addTensor(name: tensor.name, dimensions: tensor.shape.reversed(), values: parameters.values[index])
        }
        if let divisors { try writer.addTensor(name: "rope_freqs.weight", dimensions: [divisors.count], values: divisors) }
        return writer.serialized()
    }

    /// Writes the checkpoint to `url` atomically (a temporary file renamed into place: nothing
    /// half-written on error).
    /// With `state`, its optimiser state is written first to `<url>.state` (so a weights file never
    /// exists without the state of its step).
    public static func write(_ parameters: ParameterSet, objective: TrainingObjective, scaling: RoPEScaling, to url: URL,
                             state: TrainingState? = nil) throws {
        let bytes = try gguf(parameters, objective: objective, scaling: scaling, step: state?.step)
        do {
            if let state { try Data(state.gguf()).write(to: URL(fileURLWithPath: url.path + ".state"), options: .atomic) }
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw TrainingError.checkpoint(reason: "cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// Parameters and declared RoPE scaling of a checkpoint to continue training from (`--init`):
    /// its architecture must be `objective`'s (`llama` for ar, `llada` for masked-diffusion) and its
    /// vocabulary the byte vocabulary. The configuration is re-made for `contextLength` (the new
    /// trained context) with the objective's attention. Throws `TrainingError.checkpoint` naming
    /// the mismatch, or restating the loader's error.
    public static func load(_ file: GGUFFile, objective: TrainingObjective, contextLength: Int) throws -> LoadedCheckpoint {
        let architecture = file.metadata["general.architecture"]?.string ?? "(none)"
        guard architecture == objective.architecture.rawValue else {
            throw TrainingError.incompatibleCheckpoint(
                reason: "architecture \(architecture): allowed \(objective.architecture.rawValue) for objective \(objective.rawValue)")
        }
        do {
            let declared = try LlamaGGUFLoader.configuration(file)
            guard declared.vocabularySize == ByteVocabulary.size else {
                throw TrainingError.incompatibleCheckpoint(reason: "vocabulary of \(declared.vocabularySize) tokens: allowed \(ByteVocabulary.size) (the byte vocabulary)")
            }
            let weights = try LlamaGGUFLoader.weights(file, configuration: declared)
            try weights.checkFinite()
            let c = try LlamaConfiguration(
                architecture: objective.architecture, vocabularySize: declared.vocabularySize, embeddingSize: declared.embeddingSize,
                layerCount: declared.layerCount, headCount: declared.headCount, keyValueHeadCount: declared.keyValueHeadCount,
                headDimension: declared.headDimension, feedForwardSize: declared.feedForwardSize,
                rmsNormEpsilon: declared.rmsNormEpsilon, ropeBase: declared.ropeBase, rotaryDimension: declared.rotaryDimension,
                trainedContextLength: contextLength, tiedOutput: declared.tiedOutput)
            return LoadedCheckpoint(parameters: try ParameterSet(configuration: c, values: ParameterSet(weights: weights).values),
                                    declaredScaling: try LlamaGGUFLoader.declaredScaling(file),
                                    trainedContextLength: declared.trainedContextLength)
        } catch let error as InferenceError {
            throw TrainingError.incompatibleCheckpoint(reason: "\(error)")
        }
    }
}

/// A checkpoint loaded to continue training.
public struct LoadedCheckpoint: Sendable {
    /// Its weights, under a configuration re-made for the new context length.
    public let parameters: ParameterSet
    /// The RoPE scaling its metadata declares.
    public let declaredScaling: RoPEScaling
    /// The context length it was trained at (`{arch}.context_length`).
    public let trainedContextLength: Int
}
