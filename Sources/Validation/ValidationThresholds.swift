import Foundation

/// The named thresholds of the checks, each overridable with `--threshold NAME=VALUE`.
///
/// | name | default | rule |
/// |---|---|---|
/// | `out-of-range-span-ratio` | b^(2/d) (one pair step) | worst target/trained angle span of an out-of-range pair ≤ it |
/// | `critical-bound-margin` | 1 | T_extra ≥ margin·T_target (relative slack 1e−9) |
/// | `high-frequency-retained` | 0.5 | θ'_0/θ_0 of the fastest pair ≥ it |
/// | `resolvable-pair-loss` | 0 | resolvable pairs at T_target ≥ trained − loss |
/// | `feature-rank-loss` | 0 | numerical rank of the position features at T_target ≥ trained − loss |
/// | `perplexity-increase` | 0.05 nats | mean NLL at T_target − mean NLL at T_train ≤ it |
/// | `late-window-increase` | 0.1 nats | mean NLL past T_train − mean NLL over (T_train/2, T_train] ≤ it |
/// | `passkey-logprob-drop` | 1 nat | mean log p(key) at T_train − at T_target ≤ it |
/// | `local-mass-increase` | 0.1 | mean local attention mass at T_target − at T_train ≤ it |
public enum ThresholdName: String, CaseIterable, Sendable {
    case outOfRangeSpanRatio = "out-of-range-span-ratio"
    case criticalBoundMargin = "critical-bound-margin"
    case highFrequencyRetained = "high-frequency-retained"
    case resolvablePairLoss = "resolvable-pair-loss"
    case featureRankLoss = "feature-rank-loss"
    case perplexityIncrease = "perplexity-increase"
    case lateWindowIncrease = "late-window-increase"
    case passkeyLogProbabilityDrop = "passkey-logprob-drop"
    case localMassIncrease = "local-mass-increase"

    /// Values a user may set.
    public var allowed: ClosedRange<Double> {
        switch self {
        case .outOfRangeSpanRatio: return 1...1e6
        case .criticalBoundMargin: return 1e-3...1e3
        case .highFrequencyRetained: return 0...1
        case .resolvablePairLoss, .featureRankLoss: return 0...1e6
        case .perplexityIncrease, .lateWindowIncrease: return -10...10
        case .passkeyLogProbabilityDrop: return 0...1e3
        case .localMassIncrease: return -1...1
        }
    }

    /// One line for help and documentation.
    public var summary: String {
        switch self {
        case .outOfRangeSpanRatio: return "largest target/trained angle span of an out-of-range pair (default b^(2/d), one pair step)"
        case .criticalBoundMargin: return "required T_extra / T_target (default 1)"
        case .highFrequencyRetained: return "smallest θ'/θ kept by the fastest pair (default 0.5)"
        case .resolvablePairLoss: return "resolvable pairs that may be lost against training (default 0)"
        case .featureRankLoss: return "position-feature rank that may be lost against training (default 0)"
        case .perplexityIncrease: return "largest NLL increase at T_target over T_train, nats/token (default 0.05)"
        case .lateWindowIncrease: return "largest NLL increase past T_train within a target window, nats/token (default 0.1)"
        case .passkeyLogProbabilityDrop: return "largest drop of the key's mean log-probability from T_train to T_target, nats (default 1)"
        case .localMassIncrease: return "largest increase of the mean local attention mass at T_target over T_train (default 0.1)"
        }
    }
}

/// Threshold values: defaults with user overrides.
public struct ValidationThresholds: Equatable, Sendable {
    /// Values set by the user (plan file or `--threshold`).
    public private(set) var overrides: [ThresholdName: Double] = [:]

    public init() {}

    /// Parses `NAME=VALUE` items; throws `unknownThreshold` / `invalidThreshold`.
    public init(parsing items: [String]) throws {
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else {
                throw VerdictError.invalidThreshold(name: item, value: "", allowed: "NAME=VALUE, e.g. critical-bound-margin=1.1")
            }
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            guard let value = Double(parts[1].trimmingCharacters(in: .whitespaces)) else {
                throw VerdictError.invalidThreshold(name: name, value: parts[1], allowed: "a number")
            }
            try set(name, value)
        }
    }

    /// Sets threshold `name` to `value` after checking both.
    public mutating func set(_ name: String, _ value: Double) throws {
        guard let key = ThresholdName(rawValue: name) else {
            throw VerdictError.unknownThreshold(name: name, allowed: ThresholdName.allCases.map(\.rawValue))
        }
        guard value.isFinite, key.allowed.contains(value) else {
            throw VerdictError.invalidThreshold(
                name: name, value: "\(value)", allowed: "\(key.allowed.lowerBound)...\(key.allowed.upperBound)")
        }
        overrides[key] = value
    }

    /// The value in force for `problem`.
    public func value(_ name: ThresholdName, for problem: ValidationProblem) -> Double {
        if let value = overrides[name] { return value }
        switch name {
        case .outOfRangeSpanRatio:
            return Foundation.pow(problem.geometry.base, 2 / Double(problem.geometry.rotaryDimension))
        case .criticalBoundMargin: return 1
        case .highFrequencyRetained: return 0.5
        case .resolvablePairLoss, .featureRankLoss: return 0
        case .perplexityIncrease: return 0.05
        case .lateWindowIncrease: return 0.1
        case .passkeyLogProbabilityDrop: return 1
        case .localMassIncrease: return 0.1
        }
    }
}
