/// The outcome of one check of one candidate: its rule, threshold, source and a one-line reason.
public struct CheckResult: Equatable, Sendable {
    /// Analytic (closed forms on the frequencies) or empirical (runs the model).
    public enum Kind: String, Sendable { case analytic, empirical }

    /// Passed, failed, or skipped (not run: no model, no probe, no budget; the reason says which).
    public enum Status: String, Sendable { case passed, failed, skipped }

    /// Which direction of `value` is better when two candidates are ranked (`none`: not ranked on).
    public enum Preference: String, Sendable { case higher, lower, none }

    /// Check name (`critical-pair-bound`, …), stable across versions.
    public let name: String
    public let kind: Kind
    public let status: Status
    /// The measured quantity in `unit`; nil when skipped or undefined.
    public let value: Double?
    /// The limit `value` is compared with, same unit; nil when skipped.
    public let threshold: Double?
    /// Unit of `value` and `threshold` (tokens, ratio, pairs, nats/token).
    public let unit: String
    /// One sentence: what was measured, against what, and why it passed or failed.
    public let reason: String
    /// Where the rule comes from (paper, formula).
    public let source: String
    /// Ranking direction of `value`.
    public let preference: Preference

    public init(name: String, kind: Kind, status: Status, value: Double?, threshold: Double?, unit: String,
                reason: String, source: String, preference: Preference) {
        self.name = name
        self.kind = kind
        self.status = status
        self.value = value
        self.threshold = threshold
        self.unit = unit
        self.reason = reason
        self.source = source
        self.preference = preference
    }

    /// true/false, nil when skipped.
    public var passed: Bool? {
        switch status {
        case .passed: return true
        case .failed: return false
        case .skipped: return nil
        }
    }

    /// A skipped check with its reason.
    public static func skipped(_ name: String, kind: Kind, unit: String, reason: String, source: String) -> CheckResult {
        CheckResult(name: name, kind: kind, status: .skipped, value: nil, threshold: nil, unit: unit, reason: reason,
                    source: source, preference: .none)
    }
}
