import Analyzers
import ArgumentParser
import RoPE
import Spectra

/// --length / --regime shared by `spectrum` and `conditioning`.
struct WindowOptions: ParsableArguments {
    @Option(parsing: .unconditional,
            help: "Window length L in tokens (causal Δ ∈ [0,L), bidirectional Δ ∈ [−L,L)); default --target-length.",
            transform: LengthArgument.parse)
    var length: Int?

    @Option(help: "Regime: causal, bidirectional or both.")
    var regime: RegimeChoice = .both

    /// L, at most `maximum` tokens: --length, else --target-length, else the setup's T_target
    /// (which may itself be defaulted from the spec).
    func resolvedLength(model: ModelOptions, maximum: Int, setup: AnalysisSetup? = nil) throws -> Int {
        guard let value = length ?? model.targetLength ?? setup?.targetLength else {
            throw ValidationError("missing --length (or --target-length): the window length in tokens")
        }
        guard value >= 2, value <= maximum else {
            throw ValidationError("invalid window length \(value): allowed 2...\(maximum) tokens")
        }
        return value
    }
}

enum RegimeChoice: String, CaseIterable, ExpressibleByArgument {
    case causal, bidirectional, both

    var regimes: [RelativeDistanceRegime] {
        switch self {
        case .causal: return [.causal]
        case .bidirectional: return [.bidirectional]
        case .both: return RelativeDistanceRegime.allCases
        }
    }
}

extension SpectralWindow: ExpressibleByArgument {}
