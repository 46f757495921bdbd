import Foundation

/// Which relative distances attention sees in a window of T tokens.
///
/// ```
/// causal:        Δ ∈ [0, T]        (unidirectional, decoder LMs)
/// bidirectional: Δ ∈ [−T, T]       (diffusion LMs such as LLaDA)
/// ```
/// Spans use T rather than the attained maximum T − 1 (the Scaling-Laws convention, relative
/// difference 1/T), so coverage, rotations and the critical dimension agree exactly.
public enum RelativeDistanceRegime: String, CaseIterable, Sendable, Codable {
    case causal
    case bidirectional

    /// Width of the relative-distance interval as a multiple of T: 1 (causal) or 2 (bidirectional).
    public var rangeMultiplier: Double { self == .causal ? 1 : 2 }
}

/// Per-pair angle coverage of one frequency set over a window, for one regime.
public struct PairCoverage: Equatable, Sendable {
    /// Width of the angle interval seen, radians: m·T·θ_i (m = 1 causal, 2 bidirectional). Shape [d/2].
    public let angleSpan: [Double]
    /// Fraction of a full period covered, min(1, angleSpan/(2π)). Shape [d/2].
    public let periodFraction: [Double]
    /// Number of pairs whose span reaches a full period (angleSpan ≥ 2π). For a single-base
    /// frequency set this is d_crit/2 except when (d/2)·log_b(m·T/(2π)) is an exact integer.
    public let fullyCoveredPairCount: Int

    /// Coverage of `inverseFrequency` over `length` tokens in `regime`.
    public init(inverseFrequency: [Double], length: Double, regime: RelativeDistanceRegime) {
        let span = inverseFrequency.map { regime.rangeMultiplier * length * $0 }
        angleSpan = span
        periodFraction = span.map { min(1, $0 / (2 * Double.pi)) }
        fullyCoveredPairCount = span.filter { $0 >= 2 * Double.pi }.count
    }
}

/// Which pairs, at the target length under a scaling, reach angles never seen in training.
///
/// A pair is out of range when it did not cover a full period in training and its target angle
/// span exceeds its training span:
/// ```
/// seen_i   = m·T_train·θ_i          (training, unscaled θ)
/// target_i = m·T_target·θ'_i        (target, scaled θ')
/// out_i    = seen_i < 2π  and  target_i > seen_i·(1 + 1e−12)
/// excess_i = target_i − seen_i  (radians, 0 when not out of range)
/// ```
/// The 1e−12 relative slack absorbs rounding so that exact position interpolation (θ/s over
/// s·T) is not flagged.
public struct OutOfRangeReport: Equatable, Sendable {
    /// Per-pair flag. Shape [d/2].
    public let outOfRange: [Bool]
    /// Per-pair excess angle, radians. Shape [d/2].
    public let excessAngle: [Double]
    /// Per-pair ratio target_i/seen_i. Shape [d/2].
    public let spanRatio: [Double]
    /// Fraction of pairs flagged, 0…1.
    public let outOfRangeFraction: Double
    /// Largest excess angle, radians (0 when none).
    public let worstExcessAngle: Double
    /// Largest span ratio among flagged pairs (1 when none).
    public let worstSpanRatio: Double

    public init(
        trainInverseFrequency: [Double], targetInverseFrequency: [Double],
        trainLength: Double, targetLength: Double, regime: RelativeDistanceRegime
    ) {
        precondition(trainInverseFrequency.count == targetInverseFrequency.count, "pair counts differ")
        let m = regime.rangeMultiplier
        var flags: [Bool] = []
        var excess: [Double] = []
        var ratio: [Double] = []
        for (theta, scaled) in zip(trainInverseFrequency, targetInverseFrequency) {
            let seen = m * trainLength * theta
            let target = m * targetLength * scaled
            let out = seen < 2 * Double.pi && target > seen * (1 + 1e-12)
            flags.append(out)
            excess.append(out ? target - seen : 0)
            ratio.append(seen > 0 ? target / seen : .infinity)
        }
        outOfRange = flags
        excessAngle = excess
        spanRatio = ratio
        let count = flags.filter { $0 }.count
        outOfRangeFraction = flags.isEmpty ? 0 : Double(count) / Double(flags.count)
        worstExcessAngle = excess.max() ?? 0
        worstSpanRatio = zip(flags, ratio).filter(\.0).map(\.1).max() ?? 1
    }
}
