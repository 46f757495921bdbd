import Foundation
import GGUF

/// The optimiser state beside a checkpoint (`twin.gguf.state`), so that an interrupted run resumes
/// exactly: a GGUF file holding
/// ```
/// training.step, training.total_steps (uint32), training.seed (uint64)
/// adam_m.<tensor name>, adam_v.<tensor name>   AdamW moments, f32, the parameter's shape
/// ```
/// The weights checkpoint carries the same `training.step`, so a state from another step is refused.
/// Every random stream of a step is derived from (seed, step), so nothing else is needed to resume.
public struct TrainingState: Sendable {
    /// Steps completed.
    public let step: Int
    /// Total steps of the run (fixes the learning-rate schedule).
    public let totalSteps: Int
    /// The run's seed.
    public let seed: UInt64
    /// AdamW with its moments and step count.
    public let optimizer: AdamW

    /// GGUF key of the step count, in both the state and the weights file.
    public static let stepKey = "training.step"

    /// A state as given.
    public init(step: Int, totalSteps: Int, seed: UInt64, optimizer: AdamW) {
        self.step = step
        self.totalSteps = totalSteps
        self.seed = seed
        self.optimizer = optimizer
    }

    /// The state file's bytes.
    public func gguf() throws -> [UInt8] {
        var writer = try GGUFWriter()
        try writer.addMetadata("general.architecture", .string("ropescope-training-state"))
        try writer.addMetadata(Self.stepKey, .uint32(UInt32(step)))
        try writer.addMetadata("training.total_steps", .uint32(UInt32(totalSteps)))
        try writer.addMetadata("training.seed", .uint64(seed))
        for (index, tensor) in optimizer.firstMoment.tensors.enumerated() {
            try writer.addTensor(name: "adam_m.\(tensor.name)", dimensions: tensor.shape.reversed(), values: optimizer.firstMoment.values[index])
            try writer.addTensor(name: "adam_v.\(tensor.name)", dimensions: tensor.shape.reversed(), values: optimizer.secondMoment.values[index])
        }
        return writer.serialized()
    }

    /// Reads a state file for `parameters` (moments must have its layout), with the AdamW
    /// hyper-parameters of `settings`. Throws `TrainingError.incompatibleCheckpoint` naming the problem.
    public static func load(_ file: GGUFFile, for parameters: ParameterSet, settings: OptimizerSettings) throws -> TrainingState {
        do {
            let step = try file.metadata.int(forKey: stepKey)
            let total = try file.metadata.int(forKey: "training.total_steps")
            let seed = UInt64(truncatingIfNeeded: try file.metadata.int(forKey: "training.seed"))
            var optimizer = try AdamW(for: parameters, beta1: settings.beta1, beta2: settings.beta2, epsilon: settings.epsilon,
                                      weightDecay: settings.weightDecay)
            for (index, tensor) in parameters.tensors.enumerated() {
                let m = try file.dequantize(tensorNamed: "adam_m.\(tensor.name)")
                let v = try file.dequantize(tensorNamed: "adam_v.\(tensor.name)")
                guard m.count == tensor.count, v.count == tensor.count else {
                    throw TrainingError.incompatibleCheckpoint(reason: "optimiser state of \(tensor.name) has \(m.count) values: expected \(tensor.count)")
                }
                optimizer.firstMoment.values[index] = m
                optimizer.secondMoment.values[index] = v
            }
            optimizer.step = step
            return TrainingState(step: step, totalSteps: total, seed: seed, optimizer: optimizer)
        } catch let error as GGUFError {
            throw TrainingError.incompatibleCheckpoint(reason: "optimiser state: \(error)")
        }
    }
}
