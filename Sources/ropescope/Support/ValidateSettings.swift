import Analyzers
import ArgumentParser
import Foundation
import GGUF
import Inference
import Probes
import RoPE
import Validation

/// Flags and `--plan` merged into one validation problem (a setting given both ways is a usage
/// error, 64), the candidates, thresholds and — with `--model` and `--text-file` — the empirical runner.
final class ValidateSettings {
    let problem: ValidationProblem
    let candidates: [ValidationCandidate]
    let thresholds: ValidationThresholds
    let empirical: EmpiricalRunner?
    let empiricalSkipReason: String
    let title: String
    var notes: [String]
    var curves: [PositionCurve] = []
    var passkey: [PasskeyHeatmap] = []
    var localMass: [LocalMassPoint] = []

    private init(problem: ValidationProblem, candidates: [ValidationCandidate], thresholds: ValidationThresholds,
                 empirical: EmpiricalRunner?, empiricalSkipReason: String, title: String, notes: [String]) {
        self.problem = problem
        self.candidates = candidates
        self.thresholds = thresholds
        self.empirical = empirical
        self.empiricalSkipReason = empiricalSkipReason
        self.title = title
        self.notes = notes
    }

    static func resolve(_ command: ValidateCommand) throws -> ValidateSettings {
        let plan = try command.plan.map { path in try VerdictFailure.call { try ValidationPlan.load(path: path) } } ?? ValidationPlan()
        func pick<T>(_ flag: T?, _ fromPlan: T?, _ name: String, _ key: String) throws -> T? {
            if flag != nil, fromPlan != nil {
                throw Failure.usage("\(name) is given on the command line and as '\(key)' in --plan: give it once")
            }
            return flag ?? fromPlan
        }
        let m = command.model
        let preset = try pick(m.preset, plan.preset, "--preset", "preset")
        let dim = try pick(m.rotaryDimension, plan.rotaryDimension, "--dim", "dim")
        let base = try pick(m.base, plan.base, "--base", "base")
        let modelPath = try pick(command.modelPath, plan.model, "--model", "model")
        let trainFlag = try pick(m.trainLength, plan.trainLength, "--train-length", "train_length")
        let target = try pick(m.targetLength, plan.targetLength, "--target-length", "target_length")
        let attentionText = try pick(command.attention?.rawValue, plan.attention, "--attention", "attention")
        let specs = try pick(command.specs.isEmpty ? nil : command.specs, plan.rope, "--rope", "rope") ?? []
        let texts = try pick(command.textFiles.isEmpty ? nil : command.textFiles, plan.textFiles, "--text-file", "text_files") ?? []
        let budgetText = try pick(command.budget, plan.budget, "--budget", "budget")

        if modelPath != nil, preset != nil || dim != nil || base != nil {
            throw Failure.usage("--model and --preset/--dim/--base both give the geometry: give one (the model's metadata, or the flags)")
        }
        if preset == nil, modelPath == nil, (dim == nil) != (base == nil) {
            throw Failure.usage(dim == nil ? "missing --dim: --base needs the rotary dimension too (or use --preset / --model)"
                                           : "missing --base: --dim needs the RoPE base too (or use --preset / --model)")
        }
        if !texts.isEmpty, modelPath == nil {
            throw Failure.usage("--text-file needs --model M.gguf: the empirical checks run the model on the text")
        }
        if budgetText != nil, texts.isEmpty {
            throw Failure.usage("--budget applies to the empirical checks, which need --model and --text-file")
        }
        if let report = command.report { try ReportPath.check(report, inputs: [modelPath, command.plan] + texts) }

        var thresholds = try VerdictFailure.call { try ValidationThresholds(parsing: command.thresholds) }
        for (name, value) in (plan.thresholds ?? [:]).sorted(by: { $0.key < $1.key }) {
            if command.thresholds.contains(where: { $0.hasPrefix(name + "=") }) {
                throw Failure.usage("threshold \(name) is given with --threshold and in --plan: give it once")
            }
            try VerdictFailure.call { try thresholds.set(name, value) }
        }

        var notes: [String] = []
        let geometry: RotaryGeometry
        var train = trainFlag ?? preset?.trainLength
        var regime = attentionText.flatMap(AttentionDirection.init(rawValue:))?.regime
        var context: ProbeContext?
        if let modelPath {
            let file = try ModelFile.open(modelPath)
            let configuration = try ProbeFailure.call { try LlamaGGUFLoader.configuration(file) }
            geometry = try ValidatedRoPE.call { try configuration.rotaryGeometry() }
            if train == nil {
                train = configuration.trainedContextLength
                notes.append("T_train = \(configuration.trainedContextLength) from the model's context_length")
            }
            if regime == nil { regime = configuration.defaultAttention.regime }
            if !texts.isEmpty { context = try ProbeFailure.call { try ProbeContext(file: file, path: modelPath, threads: command.threads) } }
        } else {
            guard let d = dim ?? preset?.rotaryDimension, let b = base ?? preset?.base else {
                throw Failure.usage("missing the geometry: give --preset NAME, --dim D --base B, or --model M.gguf")
            }
            geometry = try ValidatedRoPE.call { try RotaryGeometry(rotaryDimension: d, base: b) }
        }
        guard let train else { throw Failure.usage("missing --train-length (or --preset / --model): the training context in tokens") }
        guard let target else { throw Failure.usage("missing --target-length: the context to validate, in tokens") }
        if regime == nil, let preset { regime = preset.regime }
        if regime == nil { notes.append("attention causal (no --attention, preset or model says otherwise)") }
        let problem = try VerdictFailure.call {
            try ValidationProblem(geometry: geometry, trainLength: train, targetLength: target, regime: regime ?? .causal)
        }
        let candidates = try VerdictFailure.call { try ValidationCandidate.resolve(specs, problem: problem) }

        var runner: EmpiricalRunner?
        var skipReason = "no --model and --text-file given"
        if let context {
            let seconds = try VerdictFailure.call { try Budget.parse(budgetText ?? "\(Int(Budget.defaultSeconds))s") }
            var joined = ""
            for path in texts { joined += (joined.isEmpty ? "" : "\n\n") + (try TextSource.read(path)) }
            let tokens = context.tokens(joined)
            if tokens.isEmpty { throw Failure.malformedInput("the text is empty after tokenisation: nothing to score") }
            try ProbeFailure.call { try ForwardMemory.check(context, contextLength: target) }
            runner = EmpiricalRunner(context: context, tokens: tokens, attention: regime == .bidirectional ? .bidirectional : .causal,
                                     budgetSeconds: seconds)
        } else if modelPath != nil {
            skipReason = "no --text-file given"
        }
        let source = modelPath.map { URL(fileURLWithPath: $0).lastPathComponent } ?? preset?.rawValue
            ?? "d=\(geometry.rotaryDimension), b=\(Output.number(geometry.base))"
        let title = plan.description ?? "\(source): \(train) → \(target) tokens, \(problem.regime.rawValue) attention"
        return ValidateSettings(problem: problem, candidates: candidates, thresholds: thresholds, empirical: runner,
                                empiricalSkipReason: skipReason, title: title, notes: notes)
    }
}

/// README exit codes for `VerdictError`: plan problems 65 (66 unreadable), a too-short text 65,
/// everything else (lengths, thresholds, candidates, budget) 64.
enum VerdictFailure {
    static func call<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as VerdictError { throw Failure.exit(error) }
    }
}

extension VerdictError {
    /// The README exit code.
    var exitCode: Int32 {
        switch self {
        case .planUnreadable: return ExitMapping.unreadableInput
        case .planMalformed, .textTooShort: return ExitMapping.malformedInput
        default: return ExitMapping.usage
        }
    }
}

extension Failure {
    /// Prints the error and returns its exit code.
    static func exit(_ error: VerdictError) -> ExitCode {
        Output.printError(error.description)
        return ExitCode(error.exitCode)
    }
}
