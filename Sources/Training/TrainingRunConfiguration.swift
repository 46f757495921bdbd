import Foundation
import Inference

/// The JSON configuration of a run (`ropescope train --config tiny.json`): model shape, batch,
/// optimiser and seed. Keys (snake_case; unknown keys are refused, so a typo is not ignored):
/// ```
/// embedding_size, layer_count, head_count, feed_forward_size     required integers ≥ 1
/// key_value_head_count  default head_count; must divide head_count
/// head_dimension        default embedding_size / head_count (which must then divide exactly)
/// rope_base 10000, rms_norm_epsilon 1e-5, tied_output true, init_standard_deviation 0.02
/// batch_size 8, seed 1, learning_rate 3e-3, minimum_learning_rate 3e-4, warmup_steps 10,
/// beta1 0.9, beta2 0.95, adam_epsilon 1e-8, weight_decay 0.1, max_gradient_norm 1
/// ```
public struct TrainingRunConfiguration: Equatable, Sendable {
    /// Model shape (see the keys above).
    public var embeddingSize = 0, layerCount = 0, headCount = 0, keyValueHeadCount = 0, headDimension = 0, feedForwardSize = 0
    /// RoPE base b, RMSNorm ε, σ of the random initialisation.
    public var ropeBase = 10000.0, rmsNormEpsilon = 1e-5, initStandardDeviation = 0.02
    /// Output projection tied to the embedding.
    public var tiedOutput = true
    /// Sequences per step.
    public var batchSize = 8
    /// Seed of every random stream of the run.
    public var seed: UInt64 = 1
    /// AdamW, schedule and clipping settings.
    public var optimizer = OptimizerSettings()

    /// Every key `parse` accepts.
    public static let keys: Set<String> = [
        "embedding_size", "layer_count", "head_count", "key_value_head_count", "head_dimension", "feed_forward_size",
        "rope_base", "rms_norm_epsilon", "tied_output", "init_standard_deviation", "batch_size", "seed", "learning_rate",
        "minimum_learning_rate", "warmup_steps", "beta1", "beta2", "adam_epsilon", "weight_decay", "max_gradient_norm",
    ]

    /// Defaults; the model shape is zero until parsed.
    public init() {}

    /// Parses the JSON object; throws `TrainingError.invalidConfiguration` naming the key for a
    /// missing, unknown, mistyped or out-of-range entry, or a head count that does not divide the width.
    /// With `modelKeysRequired` false (continuing from a checkpoint, whose shape is fixed) the
    /// model keys may be absent, and are ignored when present.
    public static func parse(_ data: Data, modelKeysRequired: Bool = true) throws -> TrainingRunConfiguration {
        guard let object = try? JSONDecoder().decode([String: ConfigurationValue].self, from: data) else {
            throw TrainingError.invalidConfiguration(name: "configuration", value: "not a JSON object", allowed: "a JSON object of the documented keys")
        }
        if let unknown = object.keys.sorted().first(where: { !keys.contains($0) }) {
            throw TrainingError.invalidConfiguration(name: "configuration key", value: "'\(unknown)'", allowed: keys.sorted().joined(separator: ", "))
        }
        func number(_ key: String) throws -> Double? {
            guard let value = object[key] else { return nil }
            guard case let .number(n) = value, n.isFinite else {
                throw TrainingError.invalidConfiguration(name: key, value: "\(value)", allowed: "a finite number")
            }
            return n
        }
        func integer(_ key: String, minimum: Int = 1, required: Bool = false) throws -> Int? {
            guard let value = try number(key) else {
                if required { throw TrainingError.invalidConfiguration(name: key, value: "missing", allowed: "an integer >= \(minimum)") }
                return nil
            }
            guard value == value.rounded(), value >= Double(minimum), value <= Double(1 << 30) else {
                throw TrainingError.invalidConfiguration(name: key, value: "\(value)", allowed: "an integer in \(minimum)...\(1 << 30)")
            }
            return Int(value)
        }
        var c = TrainingRunConfiguration()
        if modelKeysRequired {
            try c.readModelKeys(integer)
        }
        c.ropeBase = try number("rope_base") ?? c.ropeBase
        c.rmsNormEpsilon = try number("rms_norm_epsilon") ?? c.rmsNormEpsilon
        c.initStandardDeviation = try number("init_standard_deviation") ?? c.initStandardDeviation
        if let tied = object["tied_output"] {
            guard case let .flag(flag) = tied else {
                throw TrainingError.invalidConfiguration(name: "tied_output", value: "\(tied)", allowed: "true or false")
            }
            c.tiedOutput = flag
        }
        c.batchSize = try integer("batch_size") ?? c.batchSize
        c.seed = UInt64(try integer("seed", minimum: 0) ?? 1)
        var o = c.optimizer
        o.learningRate = try number("learning_rate") ?? o.learningRate
        o.minimumLearningRate = try number("minimum_learning_rate") ?? min(o.minimumLearningRate, o.learningRate)
        o.warmupSteps = try integer("warmup_steps", minimum: 0) ?? o.warmupSteps
        o.beta1 = try number("beta1") ?? o.beta1
        o.beta2 = try number("beta2") ?? o.beta2
        o.epsilon = try number("adam_epsilon") ?? o.epsilon
        o.weightDecay = try number("weight_decay") ?? o.weightDecay
        o.maxGradientNorm = try number("max_gradient_norm") ?? o.maxGradientNorm
        c.optimizer = o
        for (key, value) in [("rope_base", c.ropeBase), ("rms_norm_epsilon", c.rmsNormEpsilon),
                             ("init_standard_deviation", c.initStandardDeviation)] where !(value > 0) {
            throw TrainingError.invalidConfiguration(name: key, value: "\(value)", allowed: "a value > 0")
        }
        return c
    }

    /// Reads and checks the model-shape keys.
    private mutating func readModelKeys(_ integer: (String, Int, Bool) throws -> Int?) throws {
        self.embeddingSize = try integer("embedding_size", 1, true) ?? 0
        self.layerCount = try integer("layer_count", 1, true) ?? 0
        self.headCount = try integer("head_count", 1, true) ?? 0
        self.feedForwardSize = try integer("feed_forward_size", 1, true) ?? 0
        self.keyValueHeadCount = try integer("key_value_head_count", 1, false) ?? self.headCount
        if let dimension = try integer("head_dimension", 1, false) {
            self.headDimension = dimension
        } else {
            guard embeddingSize % headCount == 0 else {
                throw TrainingError.invalidConfiguration(
                    name: "head_count", value: "\(self.headCount)",
                    allowed: "a divisor of embedding_size \(self.embeddingSize) (or give head_dimension)")
            }
            self.headDimension = self.embeddingSize / self.headCount
        }
        guard self.headCount % self.keyValueHeadCount == 0 else {
            throw TrainingError.invalidConfiguration(name: "key_value_head_count", value: "\(self.keyValueHeadCount)",
                                                     allowed: "a divisor of head_count \(self.headCount)")
        }
        guard self.headDimension % 2 == 0 else {
            throw TrainingError.invalidConfiguration(name: "head_dimension", value: "\(self.headDimension)", allowed: "an even number (RoPE pairs)")
        }
    }

    /// The model configuration for `objective` at `contextLength` with the byte vocabulary.
    /// Throws `TrainingError.invalidConfiguration` restating the inference core's range checks.
    public func model(objective: TrainingObjective, contextLength: Int) throws -> LlamaConfiguration {
        do {
            return try LlamaConfiguration(
                architecture: objective.architecture, vocabularySize: ByteVocabulary.size, embeddingSize: embeddingSize,
                layerCount: layerCount, headCount: headCount, keyValueHeadCount: keyValueHeadCount, headDimension: headDimension,
                feedForwardSize: feedForwardSize, rmsNormEpsilon: Float(rmsNormEpsilon), ropeBase: ropeBase,
                trainedContextLength: contextLength, tiedOutput: tiedOutput)
        } catch let error as InferenceError {
            if case let .invalidConfiguration(name, value, allowed) = error {
                throw TrainingError.invalidConfiguration(name: name, value: value, allowed: allowed)
            }
            throw TrainingError.invalidConfiguration(name: "model", value: "\(error)", allowed: "a valid llama configuration")
        }
    }

    /// Bytes a training step needs: weights, gradients (batch total and per pass), AdamW moments,
    /// and the stored activations and backward temporaries of the B·L stacked rows:
    /// ```
    /// 4·(6·P + B·L·(layers·(4d + 3q + 3kv + h + 4f) + 3d + 2V))
    /// ```
    public static func memoryEstimate(_ c: LlamaConfiguration, contextLength L: Int, batchSize B: Int = 1) -> Int {
        let parameters = ParameterSet.layout(c).reduce(0) { $0 + $1.count }
        let perLayer = 4 * c.embeddingSize + 3 * c.queryWidth + 3 * c.keyValueWidth + c.headCount + 4 * c.feedForwardSize
        let (rows, overflow1) = L.multipliedReportingOverflow(by: B)
        let (product, overflow2) = rows.multipliedReportingOverflow(by: c.layerCount * perLayer + 3 * c.embeddingSize + 2 * c.vocabularySize)
        guard !overflow1, !overflow2, product < Int.max / 8 else { return Int.max }
        return 4 * (6 * parameters + product)
    }
}

/// One value of the configuration object: a number, a boolean, or anything else (refused by the
/// reader of its key).
enum ConfigurationValue: Decodable, CustomStringConvertible {
    case number(Double), flag(Bool), other

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) { self = .flag(flag) }
        else if let number = try? container.decode(Double.self) { self = .number(number) }
        else { self = .other }
    }

    var description: String {
        switch self {
        case let .number(n): return "\(n)"
        case let .flag(b): return "\(b)"
        case .other: return "a non-numeric value"
        }
    }
}
