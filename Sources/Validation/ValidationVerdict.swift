import RoPE

/// One candidate's judgement: its checks, its rank and what decided the rank.
public struct CandidateVerdict: Sendable {
    public let candidate: ValidationCandidate
    public let analysis: CandidateAnalysis
    /// Analytic checks, then empirical ones (run or skipped), in a fixed order.
    public let checks: [CheckResult]
    /// 1 = best.
    public internal(set) var rank: Int = 0
    /// Why this candidate ranks above the next one: a check name, or `failed-checks`; nil for the last.
    public internal(set) var decidedBy: String?
    /// One sentence for `decidedBy`.
    public internal(set) var decision: String?

    /// Every check that ran passed (skipped checks do not count).
    public var passed: Bool { checks.allSatisfy { $0.status != .failed } }

    /// Checks that failed.
    public var failures: [CheckResult] { checks.filter { $0.status == .failed } }

    /// The check named `name`.
    public func check(_ name: String) -> CheckResult? { checks.first { $0.name == name } }
}

/// The verdict on a set of candidates for one problem: every check of every candidate, ranked.
///
/// Ranking: fewer failed checks first; then, check by check in `rankingOrder`, the better value by
/// the check's preference (empirical evidence first, then the spectral and conditioning measures
/// that show how much of the trained position geometry survives, then the coverage margins);
/// values within a tolerance tie (0.01 nats for NLL, exact for counts, 1e−6 relative otherwise).
/// The recommendation is the top candidate when it passes every check, else nil.
public struct ValidationVerdict: Sendable {
    public let problem: ValidationProblem
    public let thresholds: ValidationThresholds
    public let reference: TrainedReference
    /// Ranked, best first.
    public let candidates: [CandidateVerdict]

    /// Order in which check values break ties between candidates with equally many failures.
    public static let rankingOrder = ["perplexity-at-target", "late-window-nll", "resolvable-pairs", "feature-conditioning",
                                      "high-frequency-resolution", "out-of-range-pairs", "critical-pair-bound"]

    /// Runs the analytic checks of every candidate, appends `empirical[spec]` (or skipped entries
    /// from `EmpiricalChecks.skipped`), and ranks. Throws `RoPEError` / `SpectraError` from the analyzers.
    public init(problem: ValidationProblem, candidates: [ValidationCandidate], thresholds: ValidationThresholds,
                empirical: [String: [CheckResult]] = [:],
                empiricalSkipReason: String = "no --model and --text-file given") throws {
        guard !candidates.isEmpty else { throw VerdictError.noCandidates }
        self.problem = problem
        self.thresholds = thresholds
        let reference = try TrainedReference(problem: problem)
        self.reference = reference
        let judged = try candidates.map { candidate -> CandidateVerdict in
            let analysis = try CandidateAnalysis(candidate: candidate, problem: problem, reference: reference)
            let analytic = AnalyticChecks.evaluate(analysis, problem: problem, reference: reference, thresholds: thresholds)
            let measured = empirical[candidate.spec] ?? EmpiricalChecks.skipped(reason: empiricalSkipReason)
            return CandidateVerdict(candidate: candidate, analysis: analysis, checks: analytic + measured)
        }
        self.candidates = Self.ranked(judged)
    }

    /// The recommended candidate: the best, when it passes every check.
    public var recommended: CandidateVerdict? {
        guard let best = candidates.first, best.passed else { return nil }
        return best
    }

    /// Stable sort by `compare`, then ranks and decisions filled in.
    static func ranked(_ verdicts: [CandidateVerdict]) -> [CandidateVerdict] {
        var order = Array(verdicts.indices)
        order.sort { a, b in
            let decision = compare(verdicts[a], verdicts[b])
            return decision.map { $0.better == 0 } ?? (a < b)
        }
        var result = order.map { verdicts[$0] }
        for index in result.indices {
            result[index].rank = index + 1
            guard index + 1 < result.count else { continue }
            if let decision = compare(result[index], result[index + 1]) {
                result[index].decidedBy = decision.check
                result[index].decision = decision.sentence
            } else {
                result[index].decidedBy = "order-given"
                result[index].decision = "ties with \(result[index + 1].candidate.spec) on every check; kept in the order given"
            }
        }
        return result
    }

    /// Which of `a` (0) and `b` (1) is better and the check that decides; nil on a full tie.
    static func compare(_ a: CandidateVerdict, _ b: CandidateVerdict) -> (better: Int, check: String, sentence: String)? {
        let (fa, fb) = (a.failures.count, b.failures.count)
        if fa != fb {
            let better = fa < fb ? 0 : 1
            let worse = better == 0 ? b : a
            return (better, "failed-checks", "fails \(min(fa, fb)) check(s); \(worse.candidate.spec) fails \(max(fa, fb)) "
                + "(\(worse.failures.map(\.name).joined(separator: ", ")))")
        }
        for name in rankingOrder {
            guard let ca = a.check(name), let cb = b.check(name), ca.status != .skipped, cb.status != .skipped,
                  ca.preference != .none, let va = ca.value, let vb = cb.value else { continue }
            guard !tied(va, vb, unit: ca.unit) else { continue }
            let aBetter = ca.preference == .higher ? va > vb : va < vb
            let other = aBetter ? b : a
            let (mine, theirs) = aBetter ? (va, vb) : (vb, va)
            return (aBetter ? 0 : 1, name, "\(name): \(AnalyticChecks.fmt(mine, 5)) against \(AnalyticChecks.fmt(theirs, 5)) "
                + "\(ca.unit) for \(other.candidate.spec) (\(ca.preference.rawValue) is better)")
        }
        return nil
    }

    static func tied(_ a: Double, _ b: Double, unit: String) -> Bool {
        switch unit {
        case "nats/token": return abs(a - b) < 0.01
        case "pairs", "rank": return abs(a - b) < 0.5
        default: return abs(a - b) <= 1e-6 * max(abs(a), abs(b))
        }
    }
}
