import Foundation
import Inference
import Probes
import RoPE

/// Hyper-parameters of a run (the `tiny.json` of `ropescope train`, less the model shape).
public struct OptimizerSettings: Equatable, Sendable, Codable {
    /// Peak learning rate (AdamW), > 0.
    public var learningRate: Double = 3e-3
    /// Learning rate at the end of the cosine, 0…learningRate.
    public var minimumLearningRate: Double = 3e-4
    /// Linear warm-up steps, ≥ 0.
    public var warmupSteps: Int = 10
    /// AdamW β₁, β₂, ε and decoupled weight decay λ (matrices only).
    public var beta1: Double = 0.9, beta2: Double = 0.95, epsilon: Double = 1e-8, weightDecay: Double = 0.1
    /// Global gradient-norm limit (clip_grad_norm_), > 0.
    public var maxGradientNorm: Double = 1.0

    /// The defaults above.
    public init() {}
}

/// What one optimiser step reports.
public struct StepReport: Equatable, Sendable {
    /// Step number, 1-based.
    public let step: Int
    /// Mean over the batch of each sequence's loss (nats).
    public let loss: Double
    /// Global gradient norm before clipping.
    public let gradientNorm: Double
    /// Learning rate used.
    public let learningRate: Double
}

/// The optimisation loop state: parameters, AdamW moments, schedule and the masking stream.
///
/// One step over a batch of B sequences:
/// ```
/// loss = (1/B)·Σ_b loss_b;  g = ∂loss/∂θ;  g ← clip(g, maxNorm);  θ ← AdamW(θ, g, lr(step))
/// ```
/// The batch runs as one stacked pass (dense layers over all B·L rows, attention per sequence with
/// fixed work splits), so a seed and a thread count fix every number.
public struct Trainer: Sendable {
    /// The model (shape and trained RoPE).
    public let model: TrainingModel
    /// Turns sequences into examples of the objective.
    public let sampler: ObjectiveSampler
    /// Learning rate by step.
    public let schedule: LearningRateSchedule
    /// Optimiser hyper-parameters.
    public let settings: OptimizerSettings
    /// Current parameters.
    public private(set) var parameters: ParameterSet
    /// AdamW moments and step count.
    public private(set) var optimizer: AdamW
    /// The stream masked-diffusion ratios and masks are drawn from (one t per sequence, one draw per token).
    public var maskGenerator: SplitMix64

    /// A trainer at step 0. Throws `TrainingError.invalidConfiguration` for bad settings or parameters
    /// of another configuration than the model's.
    public init(model: TrainingModel, parameters: ParameterSet, sampler: ObjectiveSampler, settings: OptimizerSettings,
                totalSteps: Int, maskSeed: UInt64) throws {
        guard settings.maxGradientNorm > 0, settings.maxGradientNorm.isFinite else {
            throw TrainingError.invalidConfiguration(name: "max gradient norm", value: "\(settings.maxGradientNorm)", allowed: "a finite value > 0")
        }
        guard parameters.configuration == model.configuration else {
            throw TrainingError.invalidConfiguration(name: "parameters", value: "of another configuration", allowed: "the model's configuration")
        }
        self.model = model
        self.parameters = parameters
        self.sampler = sampler
        self.settings = settings
        schedule = try LearningRateSchedule(peak: settings.learningRate, minimum: settings.minimumLearningRate,
                                            warmupSteps: settings.warmupSteps, totalSteps: totalSteps)
        optimizer = try AdamW(for: parameters, beta1: settings.beta1, beta2: settings.beta2, epsilon: settings.epsilon,
                              weightDecay: settings.weightDecay)
        maskGenerator = SplitMix64(seed: maskSeed)
    }

    /// Continues from a saved optimiser state (moments and step count).
    public mutating func restore(_ state: TrainingState) throws {
        guard state.optimizer.firstMoment.tensors == parameters.tensors else {
            throw TrainingError.incompatibleCheckpoint(reason: "the optimiser state belongs to another model shape")
        }
        optimizer = state.optimizer
    }

    /// The examples of a batch (masks drawn from `maskGenerator`).
    public mutating func examples(_ batch: [[Int32]], documentIDs: [[Int32]]? = nil, positions: [[Int]]? = nil) -> [TrainingExample] {
        batch.indices.map { b in
            sampler.example(batch[b], documentIDs: documentIDs?[b], positions: positions?[b], generator: &maskGenerator)
        }
    }

    /// Mean loss and unclipped gradient of a batch of examples at the current parameters.
    public func lossAndGradient(_ examples: [TrainingExample]) throws -> (loss: Double, gradient: ParameterSet) {
        guard !examples.isEmpty else { throw TrainingError.invalidConfiguration(name: "batch size", value: "0", allowed: "at least 1 sequence") }
        var gradient = ParameterSet(zerosLike: model.configuration)
        let loss = try model.lossAndGradient(parameters, batch: examples, into: &gradient)
        return (loss, gradient)
    }

    /// One optimiser step on `examples`. Throws `TrainingError.nonFiniteLoss` (parameters unchanged)
    /// when the loss or the gradient norm is NaN or infinite.
    @discardableResult
    public mutating func step(_ examples: [TrainingExample]) throws -> StepReport {
        var (loss, gradient) = try lossAndGradient(examples)
        let number = optimizer.step + 1
        guard loss.isFinite else { throw TrainingError.nonFiniteLoss(step: number, value: loss) }
        let norm = clipGradientNorm(&gradient, maxNorm: settings.maxGradientNorm)
        guard norm.isFinite else { throw TrainingError.nonFiniteLoss(step: number, value: norm) }
        let rate = schedule.rate(step: optimizer.step)
        optimizer.update(&parameters, gradient: gradient, rate: rate)
        return StepReport(step: number, loss: loss, gradientNorm: norm, learningRate: rate)
    }
}
