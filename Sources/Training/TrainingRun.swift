import Foundation
import Inference
import Probes
import RoPE

/// Progress of a run after each step (for a CLI's progress line).
public struct TrainingProgress: Sendable {
    /// The step just taken.
    public let report: StepReport
    /// Steps of the whole run.
    public let totalSteps: Int
    /// Training tokens per second since the start (batch × context per step).
    /// Training tokens (batch × context per step) per second of the training loop.
    public let tokensPerSecond: Double
    /// Estimated seconds to the end.
    public let secondsRemaining: Double
}

/// What a finished run reports (`ropescope train --json`).
public struct TrainingSummary: Sendable {
    /// Steps of the run.
    public let steps: Int
    /// Mean loss of the last min(10, steps) steps (nats).
    public let trainLoss: Double
    /// Mean loss over fixed validation windows (nil without validation documents).
    public let validationLoss: Double?
    /// Training tokens per second over the steps run.
    public let tokensPerSecond: Double
    /// Loss of every step run (after the resumed step when resuming).
    public let losses: [Double]
    /// The report of every step run (step, loss, gradient norm, learning rate).
    public let reports: [StepReport]
    /// The trained parameters.
    public let parameters: ParameterSet
    /// Optimiser state at the end.
    public let state: TrainingState
}

/// A whole pre-training run from a configuration and a corpus: random init from the seed, batches
/// of random windows of the training documents packed by `packing` (`mask` adds the document
/// attention mask; `positions: .restart` restarts RoPE positions at each document), one `Trainer`
/// step per batch. With `initial` (a loaded checkpoint, `Checkpoint.load`) training continues
/// from its weights and shape (the configuration's model keys are not used); the optimiser
/// starts fresh. Validation windows use `eod` packing and continuous positions.
///
/// Random streams (all SplitMix64, derived from `seed` so each is independent):
/// `output(seed, 1)` initial weights; for step s, `output(output(seed, 2), s)` window offsets and
/// `output(output(seed, 3), s)` masks; `output(seed, 4)` validation windows and masks.
/// With `resume` (its weights as `initial`) the run continues after the state's step.
public enum TrainingRun {
    /// Validation windows averaged for `validationLoss`.
    public static let validationWindows = 16

    /// Runs `steps` steps (after `resume.step` when resuming) and returns the summary. Throws
    /// `TrainingError` for a configuration that cannot train, an estimate above `memoryLimit` bytes,
    /// a corpus shorter than one window, a mismatched resume state, or a non-finite loss (with its step).
    public static func run(configuration run: TrainingRunConfiguration, objective: TrainingObjective, corpus: TrainingCorpus,
                           contextLength: Int, steps: Int, scaling: RoPEScaling = .none, packing: PackingStrategy = .eod,
                           positions: PositionMode = .continue, initial: ParameterSet? = nil, resume: TrainingState? = nil,
                           memoryLimit: Int = 4 << 30,
                           checkpointEvery: Int = 0, checkpoint: ((ParameterSet, TrainingState) throws -> Void)? = nil,
                           progress: ((TrainingProgress) -> Void)? = nil) throws -> TrainingSummary {
        guard steps >= 1 else { throw TrainingError.invalidConfiguration(name: "steps", value: "\(steps)", allowed: "an integer >= 1") }
        guard contextLength >= 2 else {
            throw TrainingError.invalidConfiguration(name: "context length", value: "\(contextLength)", allowed: "an integer >= 2")
        }
        let c = try initial?.configuration ?? run.model(objective: objective, contextLength: contextLength)
        let estimate = TrainingRunConfiguration.memoryEstimate(c, contextLength: contextLength, batchSize: run.batchSize)
        guard estimate <= memoryLimit else {
            throw TrainingError.memoryLimit(estimate: estimate, limit: memoryLimit, hint: "shorten the context or the model, or raise the limit")
        }
        try corpus.check(contextLength: contextLength)
        let stream = PackedStream(documents: corpus.trainingSet, strategy: packing)
        guard stream.tokens.count >= contextLength else {
            throw TrainingError.invalidCorpus(reason: "\(stream.tokens.count) training tokens with \(packing.rawValue) packing: need at least one window of \(contextLength)")
        }
        let frequencies: RoPEFrequencies
        do { frequencies = try scaling.frequencies(for: c.rotaryGeometry()) } catch {
            throw TrainingError.invalidConfiguration(name: "RoPE", value: scaling.canonicalSpec, allowed: "a scaling valid for this geometry (\(error))")
        }
        let model = try TrainingModel(configuration: c, frequencies: frequencies)
        let parameters = initial ?? ParameterSet(randomFor: c, seed: SplitMix64.output(seed: run.seed, index: 1),
                                                 standardDeviation: run.initStandardDeviation)
        let sampler = try ObjectiveSampler(objective: objective, maskTokenID: ByteVocabulary.mask)
        var trainer = try Trainer(model: model, parameters: parameters, sampler: sampler, settings: run.optimizer,
                                  totalSteps: steps, maskSeed: SplitMix64.output(seed: run.seed, index: 3))
        var first = 1
        if let resume {
            guard initial != nil, resume.totalSteps == steps, resume.seed == run.seed, resume.step < steps else {
                throw TrainingError.incompatibleCheckpoint(
                    reason: "optimiser state of step \(resume.step)/\(resume.totalSteps), seed \(resume.seed): resuming needs the same "
                        + "total steps (\(steps)) and seed (\(run.seed)), its checkpoint as --init, and steps left")
            }
            try trainer.restore(resume)
            first = resume.step + 1
        }
        let (windowSeed, maskSeed) = (SplitMix64.output(seed: run.seed, index: 2), SplitMix64.output(seed: run.seed, index: 3))
        var losses: [Double] = [], reports: [StepReport] = []
        let start = Date()
        for step in first...steps {
            // Each step's streams depend only on (seed, step), so a resumed run draws what the
            // uninterrupted one would have.
            var windows = SplitMix64(seed: SplitMix64.output(seed: windowSeed, index: UInt64(step)))
            trainer.maskGenerator = SplitMix64(seed: SplitMix64.output(seed: maskSeed, index: UInt64(step)))
            let batch = stream.windows(length: contextLength, count: run.batchSize, generator: &windows)
            let examples = trainer.examples(
                batch.map(\.tokens), documentIDs: packing == .mask ? batch.map(\.documents) : nil,
                positions: positions == .restart ? batch.map { PackedStream.restartedPositions($0.documents) } : nil)
            let report = try trainer.step(examples)
            losses.append(report.loss)
            reports.append(report)
            let elapsed = max(Date().timeIntervalSince(start), 1e-9), done = step - first + 1
            progress?(TrainingProgress(report: report, totalSteps: steps,
                                       tokensPerSecond: Double(done * run.batchSize * contextLength) / elapsed,
                                       secondsRemaining: elapsed / Double(done) * Double(steps - step)))
            if checkpointEvery > 0, step % checkpointEvery == 0, step < steps {
                try checkpoint?(trainer.parameters, TrainingState(step: step, totalSteps: steps, seed: run.seed, optimizer: trainer.optimizer))
            }
        }
        let elapsed = max(Date().timeIntervalSince(start), 1e-9)
        let validation = try validationLoss(model, trainer.parameters, sampler, corpus.validation, contextLength: contextLength, seed: run.seed)
        let tail = losses.suffix(min(10, losses.count))
        return TrainingSummary(steps: steps, trainLoss: tail.reduce(0, +) / Double(tail.count), validationLoss: validation,
                               tokensPerSecond: Double(losses.count * run.batchSize * contextLength) / elapsed, losses: losses, reports: reports,
                               parameters: trainer.parameters,
                               state: TrainingState(step: steps, totalSteps: steps, seed: run.seed, optimizer: trainer.optimizer))
    }

    /// Mean loss over `validationWindows` windows of the validation stream (nil when it is shorter than one window).
    public static func validationLoss(_ model: TrainingModel, _ parameters: ParameterSet, _ sampler: ObjectiveSampler,
                                      _ stream: [Int32], contextLength: Int, seed: UInt64) throws -> Double? {
        var generator = SplitMix64(seed: SplitMix64.output(seed: seed, index: 4))
        let windows = TrainingCorpus.windows(stream, length: contextLength, count: validationWindows, generator: &generator)
        guard !windows.isEmpty else { return nil }
        var total = 0.0
        for window in windows { total += try model.loss(parameters, sampler.example(window, generator: &generator)) }
        return total / Double(windows.count)
    }
}
