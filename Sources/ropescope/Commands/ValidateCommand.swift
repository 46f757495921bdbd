import Analyzers
import ArgumentParser
import BLASRuntime
import Foundation
import GGUF
import Inference
import Probes
import Report
import RoPE
import Validation

/// `ropescope validate`: a verdict on RoPE candidates for an extension T_train → T_target, with
/// an exit code a training script can gate on (0: the best candidate passes every check; 1: none does).
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Judge RoPE candidates for an extension T_train -> T_target: analytic checks (and empirical ones with "
            + "--model and --text-file), ranked, with an optional self-contained HTML report.",
        discussion: """
            Geometry from --preset, --dim/--base or --model M.gguf. Without --rope the candidates are ntk, yarn, \
            critical-ntk, diffusion-ntk, linear and none at the implied factor T_target/T_train. Thresholds: \
            \(ThresholdName.allCases.map(\.rawValue).joined(separator: ", ")) (--threshold NAME=VALUE). \
            Exit 0 when the best candidate passes every check, 1 when none does, 64/65/66/74 as in the README.
            """)

    @OptionGroup var model: ModelOptions

    @Option(name: .customLong("model"), help: ArgumentHelp("GGUF model: geometry, T_train and attention from its metadata.",
                                                           valueName: "M.gguf"))
    var modelPath: String?

    @Option(help: "Attention regime: causal [0,T] or bidirectional [-T,T] (default: the preset's or model's, else causal).")
    var attention: AttentionDirection?

    @Option(name: .customLong("rope"), parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Candidate spec METHOD[:key=value,...] (repeatable; default: the standard set).", valueName: "spec"))
    var specs: [String] = []

    @Option(help: ArgumentHelp("Plan JSON with the same settings (see experiments/validate/).", valueName: "plan.json"))
    var plan: String?

    @Option(name: .customLong("threshold"), help: ArgumentHelp("Override a threshold (repeatable).", valueName: "NAME=VALUE"))
    var thresholds: [String] = []

    @Option(name: .customLong("text-file"), help: ArgumentHelp("Text for the empirical checks (needs --model; repeatable, joined).",
                                                               valueName: "file"))
    var textFiles: [String] = []

    @Option(help: ArgumentHelp("Time for the empirical checks: 90s, 10m, 1h (default 10m).", valueName: "duration"))
    var budget: String?

    @Option(parsing: .unconditional, help: "OpenBLAS threads for the empirical checks (default: all cores).")
    var threads: Int?

    @Flag(help: "Print every check of every candidate as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Write a self-contained HTML report (atomically).", valueName: "report.html"))
    var report: String?

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("invalid --threads \(threads): allowed 1...256") }
        if let report { try ReportPath.check(report, inputs: [modelPath, plan] + textFiles) }
    }

    func run() throws {
        let settings = try LibraryErrors.mapped { try ValidateSettings.resolve(self) }
        let verdict = try VerdictFailure.call { () -> ValidationVerdict in
            let analytic = try ValidationVerdict(problem: settings.problem, candidates: settings.candidates,
                                                 thresholds: settings.thresholds,
                                                 empiricalSkipReason: settings.empiricalSkipReason)
            guard let runner = settings.empirical else { return analytic }
            if let threads { BLASThreading.setThreadCount(threads) }
            let ranked = analytic.candidates.map(\.candidate)
            let outcome = try ProbeFailure.call {
                try runner.run(problem: settings.problem, candidates: ranked, thresholds: settings.thresholds) { step in
                    Output.progress("empirical: \(step)          ")
                }
            }
            Output.progress("\n")
            settings.notes.append(contentsOf: outcome.notes)
            settings.curves = outcome.curves
            settings.passkey = outcome.passkey
            settings.localMass = outcome.localMass
            return try ValidationVerdict(problem: settings.problem, candidates: settings.candidates,
                                         thresholds: settings.thresholds, empirical: outcome.checks)
        }
        if let report {
            let html = ValidationReport(verdict: verdict, notes: settings.notes, curves: settings.curves,
                                        passkey: settings.passkey, localMass: settings.localMass,
                                        title: settings.title, commandLine: ToolInfo.commandLine).html()
            try ReportPath.write(Data(html.utf8), to: report)
        }
        if json {
            try Output.printJSON(VerdictJSON(verdict, notes: settings.notes))
        } else {
            print(VerdictTable.render(verdict, notes: settings.notes))
        }
        if verdict.recommended == nil { throw ExitCode(1) }
    }
}

extension AttentionDirection {
    /// The analyzers' regime for this attention direction.
    var regime: RelativeDistanceRegime { self == .causal ? .causal : .bidirectional }
}
