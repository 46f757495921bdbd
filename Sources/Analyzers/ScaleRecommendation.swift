import RoPE

/// Base/factor recommendation for a model and target length (the `scale` subcommand): the
/// critical-dimension NTK rule for causal attention (LongLLaDA) and the diffusion-aware rule for
/// bidirectional attention (UltraLLaDA), side by side with the simple ratio s = T_target/T_train
/// that linear/YaRN would use.
public struct ScaleRecommendation: Equatable, Sendable {
    /// One regime's recommendation.
    public struct Rule: Equatable, Sendable {
        public let regime: RelativeDistanceRegime
        /// The spec that reproduces it (`critical-ntk:...` or `diffusion-ntk:...`).
        public let spec: String
        /// Derived quantities (d_crit, λ exact and applied).
        public let result: CriticalNTKResult
        /// New base b·λ.
        public let base: Double
    }

    /// s = T_target/T_train, the factor linear/YaRN/dynamic would take.
    public let lengthRatio: Double
    /// Causal then bidirectional.
    public let rules: [Rule]

    /// Computes both rules with `rangeMultiplier` 1 (causal) and `bidirectionalMultiplier` (default 2).
    public init(
        geometry: RotaryGeometry, trainLength: Int, targetLength: Int, roundUp: Bool, bidirectionalMultiplier: Double = 2
    ) throws {
        lengthRatio = Double(targetLength) / Double(trainLength)
        rules = try RelativeDistanceRegime.allCases.map { regime in
            let multiplier = regime == .causal ? 1 : bidirectionalMultiplier
            let parameters = CriticalNTKParameters(
                trainLength: trainLength, targetLength: targetLength, rangeMultiplier: multiplier, roundUp: roundUp)
            let result = try RoPEScaling.criticalRule(parameters, geometry: geometry)
            let method = regime == .causal ? "critical-ntk" : "diffusion-ntk"
            var spec = "\(method):train-length=\(trainLength),target-length=\(targetLength)"
            if regime == .bidirectional, multiplier != 2 { spec += ",range-multiplier=\(multiplier)" }
            if roundUp { spec += ",round-up=true" }
            return Rule(regime: regime, spec: spec, result: result, base: geometry.base * result.scalingFactor)
        }
    }

    /// The rule for `regime`.
    public subscript(regime: RelativeDistanceRegime) -> Rule {
        rules[regime == .causal ? 0 : 1]
    }
}
