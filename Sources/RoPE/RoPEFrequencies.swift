import Foundation

/// The result of applying a scaling method to a geometry.
public struct RoPEFrequencies: Equatable, Sendable {
    /// θ'_i after scaling, radians per token. Shape [d/2].
    public let inverseFrequency: [Double]
    /// Multiplier on cos and sin (attention logits scale by its square). 1 when unused.
    public let attentionFactor: Double
    /// The single base b' with θ'_i = b'^(−2i/d), for methods that change only the base
    /// (`none`, `ntk`, `dynamic-ntk`, `critical-ntk`, `diffusion-ntk`, `base`); nil otherwise.
    public let effectiveBase: Double?
    /// Critical-dimension details, for the NTK rules that derive a base from it; nil otherwise.
    public let criticalRule: CriticalNTKResult?

    /// λ'_i = 2π/θ'_i, tokens. Shape [d/2].
    public var wavelength: [Double] { RoPE.wavelength(inverseFrequency: inverseFrequency) }
}

/// What the critical-dimension NTK rule derived (T in tokens after the range multiplier).
public struct CriticalNTKResult: Equatable, Sendable {
    /// d_crit from T_cap = multiplier·T_train.
    public let criticalDimension: Int
    /// T_cap = multiplier·T_train, tokens.
    public let capturedLength: Double
    /// T_Ecap = multiplier·T_target, tokens.
    public let extendedLength: Double
    /// λ = (T_Ecap/(2π))^(d/d_crit) / b, unrounded.
    public let exactScalingFactor: Double
    /// λ actually applied (rounded up when requested).
    public let scalingFactor: Double
}

extension RoPEScaling {
    /// Applies the method to `geometry`.
    ///
    /// Throws `RoPEError.invalidParameter` for out-of-range parameters (factor < 1 where the
    /// formula needs it, lengths ≤ 0, non-finite values), `listLengthMismatch` for LongRoPE lists,
    /// and `invalidFrequency`/`invalidAttentionFactor` when the result fails `FrequencyLimits`
    /// (every command relies on this one check).
    public func frequencies(for geometry: RotaryGeometry) throws -> RoPEFrequencies {
        let result = try unvalidatedFrequencies(for: geometry)
        try result.validate(key: frequencyKey, attentionKey: attentionKey)
        return result
    }

    private func unvalidatedFrequencies(for geometry: RotaryGeometry) throws -> RoPEFrequencies {
        let d = geometry.rotaryDimension
        let b = geometry.base
        let plain = geometry.inverseFrequency
        switch self {
        case .none:
            return RoPEFrequencies(inverseFrequency: plain, attentionFactor: 1, effectiveBase: b, criticalRule: nil)

        case let .linear(factor):
            try Check.positive(factor, "linear factor")
            return RoPEFrequencies(
                inverseFrequency: plain.map { $0 / factor }, attentionFactor: 1, effectiveBase: nil, criticalRule: nil)

        case let .ntk(factor):
            try Check.positive(factor, "ntk factor")
            try Self.requireExponentDefined(d)
            let newBase = b * Foundation.pow(factor, Double(d) / Double(d - 2))
            return try Self.withBase(newBase, d, key: "ntk factor")

        case let .dynamicNTK(p):
            try Check.atLeast(p.factor, 1, "dynamic-ntk factor")
            try Check.positive(p.originalContext, "dynamic-ntk original-context")
            try Check.positive(p.sequenceLength, "dynamic-ntk sequence-length")
            try Self.requireExponentDefined(d)
            let length = Double(max(p.sequenceLength, p.originalContext))
            let ratio = p.factor * length / Double(p.originalContext) - (p.factor - 1)
            let newBase = b * Foundation.pow(ratio, Double(d) / Double(d - 2))
            return try Self.withBase(newBase, d, key: "dynamic-ntk factor")

        case let .yarn(p):
            return try YaRN.frequencies(p, geometry: geometry)

        case let .llama3(p):
            return try Llama3.frequencies(p, geometry: geometry)

        case let .longrope(p):
            return try LongRoPE.frequencies(p, geometry: geometry)

        case let .criticalNTK(p), let .diffusionNTK(p):
            let rule = try Self.criticalRule(p, geometry: geometry)
            var result = try Self.withBase(b * rule.scalingFactor, d, key: "\(method.rawValue) target-length")
            result = RoPEFrequencies(
                inverseFrequency: result.inverseFrequency, attentionFactor: 1,
                effectiveBase: result.effectiveBase, criticalRule: rule)
            return result

        case let .base(newBase):
            return try Self.withBase(newBase, d, key: "base=VALUE")
        }
    }

    /// Critical-dimension NTK rule with lengths multiplied by `rangeMultiplier`:
    /// ```
    /// T_cap = m·T_train, T_Ecap = m·T_target
    /// d_crit = 2·⌈(d/2)·log_b(T_cap/(2π))⌉
    /// λ = (T_Ecap/(2π))^(d/d_crit) / b       (⌈λ⌉ with round-up)
    /// ```
    public static func criticalRule(_ p: CriticalNTKParameters, geometry: RotaryGeometry) throws -> CriticalNTKResult {
        try Check.positive(p.trainLength, "train-length")
        try Check.positive(p.targetLength, "target-length")
        try Check.within(p.rangeMultiplier, 1e-3...1e3, "range-multiplier")
        let capturedLength = p.rangeMultiplier * Double(p.trainLength)
        let extendedLength = p.rangeMultiplier * Double(p.targetLength)
        let critical = CriticalDimension.criticalDimension(
            length: capturedLength, rotaryDimension: geometry.rotaryDimension, base: geometry.base)
        guard critical > 0 else {
            // d_crit > 0 ⇔ m·T_train > 2π.
            let minimum = Int((2 * Double.pi / p.rangeMultiplier).rounded(.down)) + 1
            throw RoPEError.invalidParameter(
                name: "train-length (spec key or --train-length)", value: "\(p.trainLength)",
                allowed: "an integer >= \(minimum), so that range-multiplier × train-length > 2π and d_crit > 0")
        }
        let newBase = CriticalDimension.baseForTarget(
            targetLength: extendedLength, criticalDimension: critical, rotaryDimension: geometry.rotaryDimension)
        guard newBase.isFinite, newBase > 1 else {
            // b' = (m·T_target/(2π))^(d/d_crit) > 1  ⇔  T_target > 2π/m.
            let minimum = Int((2 * Double.pi / p.rangeMultiplier).rounded(.down)) + 1
            throw RoPEError.invalidParameter(
                name: "target-length (spec key or --target-length)", value: "\(p.targetLength)",
                allowed: "an integer >= \(minimum), so that range-multiplier × target-length > 2π and the new base "
                    + "(range-multiplier·target-length/(2π))^(d/d_crit) exceeds 1")
        }
        let exact = newBase / geometry.base
        return CriticalNTKResult(
            criticalDimension: critical, capturedLength: capturedLength, extendedLength: extendedLength,
            exactScalingFactor: exact, scalingFactor: p.roundUp ? exact.rounded(.up) : exact)
    }

    static func withBase(_ newBase: Double, _ d: Int, key: String) throws -> RoPEFrequencies {
        try Check.greaterThan(newBase, 1, "effective base b' (from \(key))")
        return RoPEFrequencies(
            inverseFrequency: RotaryGeometry.inverseFrequency(base: newBase, rotaryDimension: d),
            attentionFactor: 1, effectiveBase: newBase, criticalRule: nil)
    }

    static func requireExponentDefined(_ d: Int) throws {
        guard d > 2 else {
            throw RoPEError.invalidParameter(
                name: "rotary dimension (--dim)", value: "\(d)", allowed: "an even integer >= 4 for NTK (exponent d/(d−2))")
        }
    }
}
