import RoPE

/// Causal-versus-bidirectional coverage of one scaling choice (the `coverage` subcommand).
///
/// For each regime with range multiplier m (1 causal, 2 bidirectional):
/// ```
/// d_crit(m)  = 2·⌈(d/2)·log_b(m·T_train/(2π))⌉         from the unscaled model
/// T_extra(m) = 2π/(m·θ'_c),  c = d_crit(m)/2            ∞ (nil) when every pair is covered
/// ```
/// For a single-base scaling b' this is the Scaling-Laws bound 2π·b'^(d_crit/d)/m (Liu et al.
/// arXiv 2310.05209, eq. for T_extra; m = 2 gives UltraLLaDA's doubled range). The bound is the
/// longest window whose distances keep the critical pair within one period of its scaled rotation.
public struct CoverageAnalysis: Equatable, Sendable {
    /// Results for one regime.
    public struct Regime: Equatable, Sendable {
        public let regime: RelativeDistanceRegime
        /// Coverage of the unscaled θ over T_train.
        public let training: PairCoverage
        /// Coverage of the scaled θ' over T_target.
        public let target: PairCoverage
        /// Pairs whose target angle span leaves the span seen in training.
        public let outOfRange: OutOfRangeReport
        /// d_crit(m) of the unscaled model, dimensions (even, 0…d).
        public let criticalDimension: Int
        /// T_extra(m) under the scaled frequencies, tokens; nil when every pair is covered.
        public let extrapolationBound: Double?
    }

    public let table: PairTable
    /// Causal then bidirectional.
    public let regimes: [Regime]

    /// Computes both regimes; throws `RoPEError` for invalid scaling parameters.
    public init(_ setup: AnalysisSetup) throws {
        let table = try PairTable(setup)
        self.table = table
        let geometry = setup.geometry
        regimes = RelativeDistanceRegime.allCases.map { regime in
            let m = regime.rangeMultiplier
            let critical = CriticalDimension.criticalDimension(
                length: m * Double(setup.trainLength), rotaryDimension: geometry.rotaryDimension, base: geometry.base)
            let training = PairCoverage(
                inverseFrequency: table.baseInverseFrequency, length: Double(setup.trainLength), regime: regime)
            let target = PairCoverage(
                inverseFrequency: table.inverseFrequency, length: Double(setup.targetLength), regime: regime)
            let outOfRange = OutOfRangeReport(
                trainInverseFrequency: table.baseInverseFrequency, targetInverseFrequency: table.inverseFrequency,
                trainLength: Double(setup.trainLength), targetLength: Double(setup.targetLength), regime: regime)
            let criticalPair = critical / 2
            let bound: Double? = criticalPair < geometry.pairCount
                ? 2 * Double.pi / (m * table.inverseFrequency[criticalPair]) : nil
            return Regime(
                regime: regime, training: training, target: target, outOfRange: outOfRange,
                criticalDimension: critical, extrapolationBound: bound)
        }
    }

    /// The result for `regime`.
    public subscript(regime: RelativeDistanceRegime) -> Regime {
        regimes[regime == .causal ? 0 : 1]
    }
}
