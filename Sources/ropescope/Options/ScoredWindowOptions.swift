import ArgumentParser
import Probes

/// --windows N and --score/--scored-span all|second-half|last:N.
struct ScoredWindowOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Score at most N windows per text.")
    var windows: Int?

    @Option(name: [.customLong("score"), .customLong("scored-span")],
            help: ArgumentHelp("Targets to score in each window: all, second-half or last:N.", valueName: "span"))
    var span: ScoredTargets = .all

    func validate() throws {
        if let windows, windows < 1 { throw ValidationError("invalid --windows \(windows): allowed an integer >= 1") }
    }

    /// Throws ValidationError when the span scores nothing in a window of `contextLength`.
    func check(contextLength: Int) throws {
        guard !span.targetPositions(contextLength: contextLength).isEmpty else {
            throw ValidationError("--score \(span.rawValue) with --context-length \(contextLength) scores 0 tokens per window: "
                + "allowed \(span.allowedContextLengths)")
        }
    }
}

extension ScoredTargets: ExpressibleByArgument {
    /// Shown in help and completions (last:N takes a count).
    public static var allValueStrings: [String] { ["all", "second-half", "last:N"] }
}
