/// Errors from the `Validation` target. Each case says what is wrong, where, and what is allowed.
public enum VerdictError: Error, Equatable, CustomStringConvertible, Sendable {
    /// T_target ≤ T_train: nothing to extend.
    case targetNotLonger(trainLength: Int, targetLength: Int)
    /// T_target above what the analyses are sized for.
    case targetTooLong(targetLength: Int, maximum: Int)
    /// `--threshold NAME=VALUE` names no threshold.
    case unknownThreshold(name: String, allowed: [String])
    /// A threshold value outside its range, or not a number.
    case invalidThreshold(name: String, value: String, allowed: String)
    /// A candidate spec the RoPE library refused (message from `RoPEError`).
    case invalidCandidate(spec: String, message: String)
    /// Two candidates resolve to the same scaling.
    case duplicateCandidate(spec: String, canonical: String)
    /// No candidate to judge.
    case noCandidates
    /// The plan file cannot be read (missing, permissions).
    case planUnreadable(path: String, reason: String)
    /// The plan file is malformed: `location` is `path:line:column`, `key` the offending key.
    case planMalformed(location: String, key: String, reason: String)
    /// `--budget` is not a duration.
    case invalidBudget(text: String)
    /// The budget cannot pay for the smallest empirical check; `minimumSeconds` is what it needs.
    case budgetTooSmall(budgetSeconds: Double, minimumSeconds: Double, what: String)
    /// The text cannot hold one window at the target length.
    case textTooShort(tokens: Int, needed: Int)

    public var description: String {
        switch self {
        case let .targetNotLonger(train, target):
            return "--target-length \(target) is not longer than the training length \(train): allowed a target > T_train "
                + "(validate judges an extension)"
        case let .targetTooLong(target, maximum):
            return "--target-length \(target) is above \(maximum) tokens, the largest window the spectral and conditioning "
                + "checks are sized for"
        case let .unknownThreshold(name, allowed):
            return "unknown threshold '\(name)': allowed \(allowed.joined(separator: ", "))"
        case let .invalidThreshold(name, value, allowed):
            return "invalid threshold \(name)=\(value): allowed \(allowed)"
        case let .invalidCandidate(spec, message):
            return "candidate --rope '\(spec)': \(message)"
        case let .duplicateCandidate(spec, canonical):
            return "candidate --rope '\(spec)' is the same scaling as an earlier one (\(canonical)): allowed distinct candidates"
        case .noCandidates:
            return "no candidate to validate: give --rope SPEC (or none for the standard set)"
        case let .planUnreadable(path, reason):
            return "cannot read plan '\(path)': \(reason)"
        case let .planMalformed(location, key, reason):
            return "plan \(location): key '\(key)': \(reason)"
        case let .invalidBudget(text):
            return "invalid --budget '\(text)': allowed a duration such as 90s, 10m or 1h (seconds without a unit)"
        case let .budgetTooSmall(budget, minimum, what):
            return "--budget \(Self.seconds(budget)) is below the minimum \(Self.seconds(minimum)) for \(what): "
                + "give at least --budget \(Int(minimum.rounded(.up)))s, or drop --text-file for the analytic checks only"
        case let .textTooShort(tokens, needed):
            return "the text has \(tokens) tokens, fewer than one window of the target length (\(needed) tokens): "
                + "allowed a longer --text-file"
        }
    }

    static func seconds(_ value: Double) -> String {
        value < 120 ? String(format: "%.0fs", value) : String(format: "%.1fm", value / 60)
    }
}
