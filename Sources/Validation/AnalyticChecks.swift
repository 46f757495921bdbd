import Analyzers
import Foundation
import RoPE

/// The analytic side of one candidate: the analyzer results the checks read and the figures draw.
public struct CandidateAnalysis: Sendable {
    /// Coverage of θ' at T_target against θ at T_train, both regimes (`CoverageAnalysis`).
    public let coverage: CoverageAnalysis
    /// Resolvable pairs, feature rank and kernel envelope of θ' over the target window.
    public let resolvablePairs: Int
    public let featureRank: Int
    public let effectiveRank: Double
    public let envelope: EnvelopeSummary

    /// Computes everything for `candidate`. Throws `RoPEError` / `SpectraError`.
    public init(candidate: ValidationCandidate, problem: ValidationProblem, reference: TrainedReference) throws {
        let setup = try AnalysisSetup(geometry: problem.geometry, scaling: candidate.scaling,
                                      trainLength: problem.trainLength, targetLength: problem.targetLength)
        coverage = try CoverageAnalysis(setup)
        let measures = try WindowMeasures(inverseFrequency: candidate.frequencies.inverseFrequency,
                                          regime: problem.regime, length: problem.targetLength,
                                          relativeRankTolerance: reference.relativeRankTolerance)
        resolvablePairs = measures.resolvablePairs
        featureRank = measures.featureRank
        effectiveRank = measures.effectiveRank
        envelope = measures.envelope
    }
}

/// The five analytic checks of issue §2, each reading an existing analyzer:
///
/// 1. `out-of-range-pairs` (`OutOfRangeReport`): a pair that never completed a period in training
///    (m·T_train·θ_i < 2π) must not see a larger angle span at the target, m·T_target·θ'_i, by more
///    than the tolerance τ: worst span ratio ≤ τ, default τ = b^(2/d). That default is the ratio of
///    adjacent pairs' frequencies: d_crit is a whole number of pairs, so the critical pair's trained
///    span falls short of a full period by up to one pair step, and the critical-dimension rules
///    (critical-ntk, diffusion-ntk) stretch it to exactly one period by design.
/// 2. `critical-pair-bound` (`CoverageAnalysis.extrapolationBound`): T_extra(m) = 2π/(m·θ'_c),
///    c = d_crit(m)/2, must reach margin·T_target (relative slack 1e−9, so a pair whose new period
///    is exactly T_target — the rule's design point — passes).
/// 3. `high-frequency-resolution`: θ'_0/θ_0 of the fastest pair (the angle between neighbouring
///    tokens) ≥ 0.5; linear interpolation divides it by s.
/// 4. `resolvable-pairs` (`PairResolution`, hann): pairs a spectrum of the target window resolves,
///    at least the trained window's count (the kernel envelope is reported with it).
/// 5. `feature-conditioning` (`PositionFeatureConditioning`): numerical rank of the cos/sin
///    position features over the target window, counted at the trained window's relative
///    tolerance max(m_T, n)·ε, at least the trained rank.
enum AnalyticChecks {
    static func evaluate(_ analysis: CandidateAnalysis, problem: ValidationProblem, reference: TrainedReference,
                         thresholds: ValidationThresholds) -> [CheckResult] {
        [outOfRange(analysis, problem, thresholds), criticalBound(analysis, problem, thresholds),
         highFrequency(analysis, problem, thresholds), resolvable(analysis, problem, reference, thresholds),
         conditioning(analysis, problem, reference, thresholds)]
    }

    static func outOfRange(_ analysis: CandidateAnalysis, _ problem: ValidationProblem,
                           _ thresholds: ValidationThresholds) -> CheckResult {
        let regime = analysis.coverage[problem.regime]
        let report = regime.outOfRange
        let tolerance = thresholds.value(.outOfRangeSpanRatio, for: problem)
        let flagged = report.outOfRange.indices.filter { report.outOfRange[$0] }
        let worst = report.worstSpanRatio
        let passed = worst <= tolerance * (1 + 1e-12)
        let range = problem.regime == .causal ? "[0, T]" : "[−T, T]"
        var reason: String
        if let worstPair = flagged.max(by: { report.spanRatio[$0] < report.spanRatio[$1] }) {
            reason = "\(flagged.count) of \(problem.geometry.pairCount) pairs leave the angle range trained over \(range) "
                + "(pairs \(flagged.first ?? 0)–\(flagged.last ?? 0)); the worst, pair \(worstPair), spans "
                + "\(fmt(report.spanRatio[worstPair]))× its trained angle (+\(fmt(report.excessAngle[worstPair], 3)) rad)"
        } else {
            reason = "no pair leaves the angle range trained over \(range)"
        }
        reason += passed ? ", within" : ", beyond"
        reason += " the tolerance \(fmt(tolerance)) (one pair step b^(2/d) unless set)"
        return CheckResult(
            name: "out-of-range-pairs", kind: .analytic, status: passed ? .passed : .failed, value: worst, threshold: tolerance,
            unit: "ratio", reason: reason,
            source: "angle coverage m·T·θ_i, m = 1 causal / 2 bidirectional (Liu et al. arXiv 2310.05209; UltraLLaDA arXiv 2510.10481)",
            preference: .lower)
    }

    static func criticalBound(_ analysis: CandidateAnalysis, _ problem: ValidationProblem,
                              _ thresholds: ValidationThresholds) -> CheckResult {
        let regime = analysis.coverage[problem.regime]
        let margin = thresholds.value(.criticalBoundMargin, for: problem)
        let required = margin * Double(problem.targetLength)
        let pair = regime.criticalDimension / 2
        let source = "T_extra = 2π/(m·θ'_c), c = d_crit(m)/2, d_crit = 2⌈(d/2)·log_b(m·T_train/2π)⌉ (Liu et al. arXiv 2310.05209)"
        guard let bound = regime.extrapolationBound else {
            return CheckResult(
                name: "critical-pair-bound", kind: .analytic, status: .passed, value: nil, threshold: required, unit: "tokens",
                reason: "every pair completes a period within m·T_train (d_crit(m) = d): no extrapolation bound",
                source: source, preference: .higher)
        }
        let passed = bound >= required * (1 - 1e-9)
        let relation = abs(bound / required - 1) <= 1e-9 ? "=" : (passed ? ">" : "<")
        let reason = "critical pair \(pair) (d_crit(m=\(fmt(problem.rangeMultiplier))) = \(regime.criticalDimension)) completes one "
            + "period of its scaled rotation at T_extra = \(fmt(bound, 6)) tokens \(relation) \(fmt(required, 6))"
            + (margin == 1 ? " = T_target" : " = \(fmt(margin))·T_target")
            + (relation == "=" ? " (the rule's design point: its new period is exactly the target)" : "")
        return CheckResult(
            name: "critical-pair-bound", kind: .analytic, status: passed ? .passed : .failed, value: bound, threshold: required,
            unit: "tokens", reason: reason, source: source, preference: .higher)
    }

    static func highFrequency(_ analysis: CandidateAnalysis, _ problem: ValidationProblem,
                              _ thresholds: ValidationThresholds) -> CheckResult {
        let theta = analysis.coverage.table.baseInverseFrequency
        let scaled = analysis.coverage.table.inverseFrequency
        let retained = scaled[0] / theta[0]
        let minimum = thresholds.value(.highFrequencyRetained, for: problem)
        let passed = retained >= minimum * (1 - 1e-12)
        // YaRN's high-frequency band: pairs with at least β_fast = 32 rotations in T_train.
        let band = theta.indices.filter { Double(problem.trainLength) * theta[$0] / (2 * Double.pi) >= 32 }
        let bandMean = band.isEmpty ? 1 : Foundation.exp(band.map { Foundation.log(scaled[$0] / theta[$0]) }.reduce(0, +)
            / Double(band.count))
        let reason = "the fastest pair keeps \(fmt(retained, 4)) of its angle per token (θ'_0 = \(fmt(scaled[0], 4)) rad/token), "
            + (passed ? "at least" : "below") + " \(fmt(minimum, 3)); the \(band.count) pairs with ≥ 32 rotations in T_train keep "
            + "\(fmt(bandMean, 3)) on geometric mean" + (passed ? "" : ": neighbouring tokens are \(fmt(1 / retained, 3))× closer in angle")
        return CheckResult(
            name: "high-frequency-resolution", kind: .analytic, status: passed ? .passed : .failed, value: retained,
            threshold: minimum, unit: "ratio", reason: reason,
            source: "θ'_0/θ_0; position interpolation divides it by s (Chen et al. arXiv 2306.15595; YaRN arXiv 2309.00071 β_fast band)",
            preference: .higher)
    }

    static func resolvable(_ analysis: CandidateAnalysis, _ problem: ValidationProblem, _ reference: TrainedReference,
                           _ thresholds: ValidationThresholds) -> CheckResult {
        let loss = thresholds.value(.resolvablePairLoss, for: problem)
        let required = Double(reference.resolvablePairs) - loss
        let value = Double(analysis.resolvablePairs)
        let passed = value >= required
        func distance(_ d: Int?) -> String { d.map { "Δ = \($0)" } ?? "not within the window" }
        let reason = "\(analysis.resolvablePairs) of \(problem.geometry.pairCount) pairs are resolvable in a hann spectrum of the "
            + "target window (trained window: \(reference.resolvablePairs)); the kernel envelope first falls below K(0)/e at "
            + "\(distance(analysis.envelope.firstCrossing)) and stays below from \(distance(analysis.envelope.settling)) "
            + "(trained window: \(distance(reference.envelope.firstCrossing)), \(distance(reference.envelope.settling)))"
        return CheckResult(
            name: "resolvable-pairs", kind: .analytic, status: passed ? .passed : .failed, value: value, threshold: required,
            unit: "pairs", reason: reason,
            source: "PairResolution: folded f_i ≥ h, 1/2 − f_i ≥ h, neighbour gap ≥ h, h = 2/L_w (hann); KernelDecay envelope",
            preference: .higher)
    }

    static func conditioning(_ analysis: CandidateAnalysis, _ problem: ValidationProblem, _ reference: TrainedReference,
                             _ thresholds: ValidationThresholds) -> CheckResult {
        let loss = thresholds.value(.featureRankLoss, for: problem)
        let required = Double(reference.featureRank) - loss
        let value = Double(analysis.featureRank)
        let passed = value >= required
        let reason = "the cos/sin position features over the target window have numerical rank \(analysis.featureRank) of "
            + "\(problem.geometry.rotaryDimension) (effective rank \(fmt(analysis.effectiveRank, 4))); trained window: "
            + "\(reference.featureRank) (\(fmt(reference.effectiveRank, 4)))"
            + (passed ? "" : ": positions the model could tell apart in training merge numerically")
        return CheckResult(
            name: "feature-conditioning", kind: .analytic, status: passed ? .passed : .failed, value: value, threshold: required,
            unit: "rank", reason: reason,
            source: "singular values of [cos θ_iΔ, sin θ_iΔ] over the window; rank = #{σ_j > σ_1·max(m_T,n)·ε}, numpy.linalg.matrix_rank's tolerance for the trained window",
            preference: .higher)
    }

    /// `value` with `digits` significant digits (integers plainly).
    static func fmt(_ value: Double, _ digits: Int = 4) -> String {
        if !value.isFinite { return value.isNaN ? "nan" : "inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.\(digits)g", value)
    }
}
