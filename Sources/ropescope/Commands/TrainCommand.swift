import ArgumentParser
import Foundation
import Probes
import RoPE
import TensorArchive
import Training

/// `ropescope train`: pre-train a tiny byte-level twin from a directory of text documents and save
/// it as a GGUF checkpoint. Thin: parsing and error mapping here, the run in `Training.TrainingRun`.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a tiny byte-level llama (ar) or llada (masked-diffusion) twin and save it as GGUF.",
        discussion: """
            Documents are the *.txt files of --data (every 10th goes to validation), packed with an \
            end-of-document token; each step takes --config's batch_size random windows of \
            --context-length tokens. Progress (loss, tokens/s, ETA) goes to standard error. The \
            optimiser state is written beside the output as OUTPUT.state (for --resume).
            """)

    @Option(help: ArgumentHelp("Objective: ar (next token, causal) or masked-diffusion (LLaDA, bidirectional).", valueName: "objective"))
    var objective: String

    @Option(help: ArgumentHelp("JSON run configuration (model shape, batch, optimiser, seed); optional with --init.", valueName: "file"))
    var config: String?

    @Option(name: .customLong("init"), help: ArgumentHelp("Continue training from this checkpoint (post-training: new context length, --rope, --packing); "
                               + "its architecture must match the objective and its vocabulary the byte vocabulary.", valueName: "file"))
    var initialCheckpoint: String?

    @Option(help: ArgumentHelp("Directory of UTF-8 .txt documents.", valueName: "dir"))
    var data: String

    @Option(parsing: .unconditional, help: "Window length L in tokens (k suffix allowed).", transform: LengthArgument.parse)
    var contextLength: Int

    @Option(help: "Optimiser steps (>= 1).")
    var steps: Int

    @Option(name: .customLong("rope"), help: ArgumentHelp(
        "RoPE scaling spec to train with (default none; with --init: what the checkpoint declares).", valueName: "spec"))
    var ropeOption: String?

    var ropeSpec: String { ropeOption ?? "none" }
    var ropeSpecGiven: Bool { ropeOption != nil }

    @Flag(help: "Resume an interrupted run: --init is its checkpoint, whose optimiser state CHECKPOINT.state is read; --steps and the seed must be the run's.")
    var resume = false

    @Option(help: ArgumentHelp("Document packing: direct, eod (default) or mask (document attention mask).", valueName: "packing"))
    var packing: String = "eod"

    @Option(help: ArgumentHelp("RoPE positions of packed documents: continue (default) or restart.", valueName: "mode"))
    var positions: String = "continue"

    @Option(help: ArgumentHelp("Also save the checkpoint every N steps (0: only at the end).", valueName: "n"))
    var checkpointEvery: Int = 0

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Refuse runs whose estimated memory exceeds SIZE bytes (k/m/g/t suffixes; default 4g).", valueName: "size"),
        transform: ByteSizeArgument.parse)
    var maxMemory: Double = 4 * 1_073_741_824

    @Option(help: ArgumentHelp("Output GGUF checkpoint.", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("Write the loss curve (loss, gradient_norm, learning_rate by step) to this HDF5 file.", valueName: "file"))
    var lossCurve: String?

    @Flag(help: "Print JSON at the end (steps, train_loss, validation_loss, tokens_per_second, output).")
    var json = false

    mutating func validate() throws {
        guard TrainingObjective(rawValue: objective) != nil else {
            throw ValidationError("invalid --objective '\(objective)': allowed ar, masked-diffusion")
        }
        guard PackingStrategy(rawValue: packing) != nil else {
            throw ValidationError("invalid --packing '\(packing)': allowed direct, eod, mask")
        }
        guard PositionMode(rawValue: positions) != nil else {
            throw ValidationError("invalid --positions '\(positions)': allowed continue, restart")
        }
        guard steps >= 1, steps <= 100_000_000 else { throw ValidationError("invalid --steps \(steps): allowed 1...100000000") }
        guard contextLength >= 2, contextLength <= 1 << 20 else {
            throw ValidationError("invalid --context-length \(contextLength): allowed 2...1048576 tokens")
        }
        guard checkpointEvery >= 0 else { throw ValidationError("invalid --checkpoint-every \(checkpointEvery): allowed an integer >= 0") }
        do {
            _ = try RoPESpec.parse(ropeSpec, defaults: RoPESpecDefaults(trainLength: contextLength, targetLength: contextLength))
        } catch {
            throw ValidationError("invalid --rope '\(ropeSpec)': \(error)")
        }
        guard config != nil || initialCheckpoint != nil else { throw ValidationError("give --config FILE (or --init CHECKPOINT)") }
        if resume && initialCheckpoint == nil { throw ValidationError("--resume needs --init CHECKPOINT (the interrupted run's output)") }
        try OutputPath.check(output, inputs: [config, initialCheckpoint])
        try OutputPath.check(output + ".state", inputs: [config, initialCheckpoint])
        if let lossCurve {
            guard lossCurve != output else { throw ValidationError("--loss-curve and --output name the same file '\(output)'") }
            try OutputPath.check(lossCurve, inputs: [config, initialCheckpoint, output])
        }
    }

    func run() throws {
        let objective = TrainingObjective(rawValue: objective) ?? .ar
        var scaling = try RoPESpec.parse(ropeSpec, defaults: RoPESpecDefaults(trainLength: contextLength, targetLength: contextLength))
        var configData = Data("{}".utf8)
        if let config {
            try InputFile.checkReadable(config, role: "--config")
            guard let data = FileManager.default.contents(atPath: config) else { throw Failure.unreadableInput("cannot read --config '\(config)'") }
            configData = data
        }
        let url = URL(fileURLWithPath: output)
        let progressLine = ProgressLine()
        do {
            var initial: ParameterSet?
            if let path = initialCheckpoint {
                let loaded = try Checkpoint.load(ModelFile.open(path, role: "--init checkpoint", missingHint: nil),
                                                 objective: objective, contextLength: contextLength)
                initial = loaded.parameters
                // Length-aware specs extend from the checkpoint's trained context to the new one.
                scaling = ropeSpecGiven
                    ? try RoPESpec.parse(ropeSpec, defaults: RoPESpecDefaults(trainLength: loaded.trainedContextLength,
                                                                              targetLength: contextLength))
                    : loaded.declaredScaling
            }
            let run = try TrainingRunConfiguration.parse(configData, modelKeysRequired: initial == nil)
            var state: TrainingState?
            if resume, let path = initialCheckpoint, let initial {
                let file = try ModelFile.open(path + ".state", role: "--resume optimiser state", missingHint: nil)
                let loaded = try TrainingState.load(file, for: initial, settings: run.optimizer)
                let checkpointStep = try? ModelFile.open(path).metadata.int(forKey: TrainingState.stepKey)
                guard checkpointStep == loaded.step else {
                    throw TrainingError.incompatibleCheckpoint(
                        reason: "'\(path)' is from step \(checkpointStep.map(String.init) ?? "?") but its .state from step \(loaded.step)")
                }
                state = loaded
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw Failure.unreadableInput("--data '\(data)' is not a readable directory")
            }
            let corpus = try TrainingCorpus(directory: URL(fileURLWithPath: data))
            let summary = try TrainingRun.run(
                configuration: run, objective: objective, corpus: corpus, contextLength: contextLength, steps: steps,
                scaling: scaling, packing: PackingStrategy(rawValue: packing) ?? .eod,
                positions: PositionMode(rawValue: positions) ?? .continue, initial: initial, resume: state, memoryLimit: Int(min(maxMemory, Double(Int.max / 2))), checkpointEvery: checkpointEvery,
                checkpoint: { parameters, state in
                    try Checkpoint.write(parameters, objective: objective, scaling: scaling, to: url, state: state)
                },
                progress: { p in
                    progressLine.open = p.report.step != p.totalSteps
                    Output.progress(String(format: "step %d/%d  loss %.4f  lr %.2e  %.0f tok/s  ETA %.0f s   %@",
                                           p.report.step, p.totalSteps, p.report.loss, p.report.learningRate, p.tokensPerSecond,
                                           p.secondsRemaining, p.report.step == p.totalSteps ? "\n" : ""))
                })
            try Checkpoint.write(summary.parameters, objective: objective, scaling: scaling, to: url, state: summary.state)
            if let lossCurve { try writeLossCurve(summary, to: lossCurve, objective: objective, scaling: scaling) }
            if json {
                try Output.printJSON(TrainReport(steps: summary.steps, trainLoss: summary.trainLoss,
                                                 validationLoss: summary.validationLoss, tokensPerSecond: summary.tokensPerSecond,
                                                 output: output))
            } else {
                print("trained \(summary.steps) steps: train loss \(Output.number(summary.trainLoss)), validation loss "
                      + (summary.validationLoss.map { Output.number($0) } ?? "n/a")
                      + ", \(Int(summary.tokensPerSecond)) tokens/s; wrote \(output)")
            }
        } catch let error as TrainingError {
            if progressLine.open { FileHandle.standardError.write(Data("\n".utf8)) }
            throw Self.exitCode(for: error)
        }
    }

    /// README exit codes: configuration values and memory limits are usage (64) when they come
    /// from flags; a configuration file's or corpus's content is data (65); unreadable corpus 66;
    /// a checkpoint that cannot be written 74; an `--init` checkpoint of another architecture or
    /// vocabulary 65; a loss that turns non-finite 65.
    static func exitCode(for error: TrainingError) -> ExitCode {
        switch error {
        case .memoryLimit: return Failure.usage(error.description)
        case .unreadableCorpus: return Failure.unreadableInput(error.description)
        case .checkpoint: return Failure.writeFailed(error.description)
        case .incompatibleCheckpoint: return Failure.malformedInput(error.description)
        default: return Failure.malformedInput(error.description)
        }
    }
}

extension TrainCommand {
    /// netCDF-4 loss curve: coordinate `step`; `loss` (nats), `gradient_norm` (before clipping),
    /// `learning_rate`; attributes `objective`, `spec`, `context_length`, `validation_loss`.
    func writeLossCurve(_ summary: TrainingSummary, to path: String, objective: TrainingObjective, scaling: RoPEScaling) throws {
        let configurationJSON = Export.json([
            "objective": objective.rawValue, "spec": scaling.canonicalSpec, "context_length": contextLength, "steps": steps,
            "data": data, "packing": packing, "positions": positions, "output": output,
        ])
        try Export.write(path: path, configurationJSON: configurationJSON) { writer in
            let r = summary.reports
            try writer.writeCoordinate("step", values: .ints(r.map(\.step)), units: "1", longName: "optimiser step (1-based)")
            try writer.writeVariable("loss", dimensions: ["step"], values: .float64(r.map(\.loss)), units: "nats",
                                     longName: "batch-mean training loss before the step's update")
            try writer.writeVariable("gradient_norm", dimensions: ["step"], values: .float64(r.map(\.gradientNorm)), units: "1",
                                     longName: "global gradient norm before clipping")
            try writer.writeVariable("learning_rate", dimensions: ["step"], values: .float64(r.map(\.learningRate)), units: "1",
                                     longName: "AdamW learning rate of the step")
            try writer.setAttribute("objective", .string(objective.rawValue))
            try writer.setAttribute("spec", .string(scaling.canonicalSpec))
            try writer.setAttribute("context_length", .int(contextLength))
            if let validation = summary.validationLoss { try writer.setAttribute("validation_loss", .double(validation)) }
        }
    }
}

/// Whether a progress line (ended by `\r`, not a newline) is on the terminal.
final class ProgressLine: @unchecked Sendable {
    var open = false
}

struct TrainReport: Encodable {
    var steps: Int
    var trainLoss: Double
    @EncodeNull var validationLoss: Double?
    var tokensPerSecond: Double
    var output: String
}
