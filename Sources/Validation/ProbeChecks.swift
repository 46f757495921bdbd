import Foundation

/// Passkey accuracy of one candidate on a depth × length grid (for the report's heatmap).
public struct PasskeyHeatmap: Equatable, Sendable {
    /// The candidate spec.
    public let label: String
    /// Requested needle depths in [0, 1]. Shape [d].
    public let depths: [Double]
    /// Prompt lengths, tokens (T_train then T_target). Shape [l].
    public let lengths: [Int]
    /// Exact-match fraction, row-major [depth, length], in [0, 1].
    public let exactMatch: [Double]
    /// Mean teacher-forced log p(answer), nats, row-major [depth, length].
    public let logProbability: [Double]
}

/// Mean local attention mass of one run (for the report's local-mass figure).
public struct LocalMassPoint: Equatable, Sendable {
    /// What ran: a candidate spec, or `trained (T_train)`.
    public let label: String
    /// Window length, tokens.
    public let length: Int
    /// Mean over layers × heads × query rows of Σ_{|i−j| < w} p_ij, probability in [0, 1].
    public let localMass: Double
}

/// The rules of `passkey` and `attention-local-mass`, as pure functions of the measured values
/// (the probes run in `ProbeCheckRunner`).
///
/// ```
/// passkey              = mean log p(key | prompt at T_target) − mean log p(key | prompt at T_train)
///                        (same keys and depths, candidate spec at both lengths)   ≥ −passkey-logprob-drop
/// attention-local-mass = mean local mass at T_target (candidate) − at T_train (trained scaling),
///                        local = Σ_{|i−j| < w} p_ij averaged over layers × heads × rows  ≤ local-mass-increase
/// ```
/// The passkey rule is graded (teacher-forced log-probability, not exact match) so that small
/// models, which rarely retrieve a five-digit key exactly, still give a signal; the exact-match
/// fractions are reported in the reason.
public enum ProbeChecks {
    static let passkeySource = "passkey retrieval (Mohtashami & Jaggi 2023) at a depth grid; graded by the teacher-forced "
        + "log-probability of the key (PasskeyScorer), candidate spec at T_train vs T_target"
    static let localMassSource = "attention-profile probe (AttentionProfileRecorder): local mass Σ_{|i−j|<w} p_ij averaged over "
        + "layers × heads; a shift toward local attention is the 'local perception' bias of extended RoPE"

    /// The `passkey` check from the mean log-probabilities (nats) and exact-match fractions at both lengths.
    public static func passkey(trainedLogProbability: Double, targetLogProbability: Double, trainedExact: Double,
                               targetExact: Double, problem: ValidationProblem, thresholds: ValidationThresholds,
                               grid: String) -> CheckResult {
        let change = targetLogProbability - trainedLogProbability
        let drop = thresholds.value(.passkeyLogProbabilityDrop, for: problem)
        return CheckResult(
            name: "passkey", kind: .empirical, status: change >= -drop ? .passed : .failed, value: change, threshold: -drop,
            unit: "nats", reason: "mean log p(key) \(AnalyticChecks.fmt(targetLogProbability, 3)) nats at \(problem.targetLength) "
                + "against \(AnalyticChecks.fmt(trainedLogProbability, 3)) at \(problem.trainLength) (exact match "
                + "\(AnalyticChecks.fmt(targetExact, 2)) vs \(AnalyticChecks.fmt(trainedExact, 2)); \(grid)); "
                + (change >= -drop ? "drop within" : "drops more than") + " \(AnalyticChecks.fmt(drop, 3)) nats",
            source: passkeySource, preference: .higher)
    }

    /// The `attention-local-mass` check from the mean local masses (probabilities) at both lengths.
    public static func localMass(trained: Double, target: Double, window: Int, problem: ValidationProblem,
                                 thresholds: ValidationThresholds) -> CheckResult {
        let shift = target - trained
        let limit = thresholds.value(.localMassIncrease, for: problem)
        return CheckResult(
            name: "attention-local-mass", kind: .empirical, status: shift <= limit ? .passed : .failed, value: shift,
            threshold: limit, unit: "probability",
            reason: "mean attention mass within the last \(window) tokens \(AnalyticChecks.fmt(target, 4)) at "
                + "\(problem.targetLength) against \(AnalyticChecks.fmt(trained, 4)) at the trained \(problem.trainLength); "
                + (shift <= limit ? "shift within" : "shifts toward local attention by more than") + " \(AnalyticChecks.fmt(limit, 3))",
            source: localMassSource, preference: .lower)
    }

    /// Depths and trials of the passkey grid that `budgetSeconds` buys when one trial at both
    /// lengths costs `trialSeconds`: depths first (1, 3, 5 of 0.1…0.9), then trials up to 2.
    /// nil when not even one depth × one trial fits.
    public static func passkeyGrid(budgetSeconds: Double, trialSeconds: Double) -> (depths: [Double], trials: Int)? {
        guard trialSeconds > 0, budgetSeconds.isFinite else { return nil }
        let affordable = Int(max(0, min(1000, (budgetSeconds / trialSeconds).rounded(.down))))
        guard affordable >= 1 else { return nil }
        let depths: [Double] = affordable >= 5 ? [0.1, 0.3, 0.5, 0.7, 0.9] : (affordable >= 3 ? [0.1, 0.5, 0.9] : [0.5])
        return (depths, max(1, min(2, affordable / depths.count)))
    }

    /// The local window w, tokens: T_train/16 clamped to 1…64.
    public static func localWindow(trainLength: Int) -> Int { max(1, min(64, trainLength / 16)) }
}
