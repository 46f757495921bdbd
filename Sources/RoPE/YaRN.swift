import Foundation

/// YaRN frequencies (Peng et al., arXiv 2309.00071) in the HF and llama.cpp variants.
///
/// ```
/// low  = i(beta_fast), high = i(beta_slow)        i(r) from CriticalDimension.pairIndex, T = L_orig
/// HF:       floor/ceil if truncate; low ≥ 0, high ≤ d−1; high += 0.001 if high == low
///           ramp_i = clamp((i − low)/(high − low), 0, 1)
/// llama.cpp: always floor/ceil; ramp_i = clamp((i − low)/max(0.001, high − low), 0, 1)
/// mix_i  = (1 − ramp_i)·e                          e = 1 (HF) or ext-factor (llama.cpp)
/// θ'_i   = (θ_i/s)·(1 − mix_i) + θ_i·mix_i
/// ```
/// Attention factor — HF: `attention-factor` if given, else get_mscale(s, mscale)/get_mscale(s,
/// mscale_all_dim) when both are given, else get_mscale(s) = 0.1·ln s + 1 (1 for s ≤ 1).
/// llama.cpp: `attention-factor` (default 1) × (1 + 0.1·ln s) when ext-factor ≠ 0.
///
/// Sources: transformers `src/transformers/modeling_rope_utils.py` `_compute_yarn_parameters`;
/// ggml `ggml/src/ggml-cpu/ops.cpp` `rope_yarn`, `ggml/src/ggml.c` `ggml_rope_yarn_corr_dims`.
enum YaRN {
    static func frequencies(_ p: YaRNParameters, geometry: RotaryGeometry) throws -> RoPEFrequencies {
        try Check.positive(p.factor, "yarn factor")
        try Check.positive(p.originalContext, "yarn original-context")
        try Check.positive(p.betaFast, "yarn beta-fast")
        try Check.positive(p.betaSlow, "yarn beta-slow")
        try Check.finite(p.extrapolationFactor, "yarn ext-factor")
        if let m = p.mscale { try Check.finite(m, "yarn mscale") }
        if let m = p.mscaleAllDim { try Check.finite(m, "yarn mscale-all-dim") }
        if let a = p.attentionFactor { try Check.positive(a, "yarn attention-factor") }

        let d = geometry.rotaryDimension
        let original = Double(p.originalContext)
        var low = CriticalDimension.pairIndex(
            rotations: p.betaFast, length: original, rotaryDimension: d, base: geometry.base)
        var high = CriticalDimension.pairIndex(
            rotations: p.betaSlow, length: original, rotaryDimension: d, base: geometry.base)
        let truncate = p.variant == .llamacpp || p.truncate
        if truncate {
            low = low.rounded(.down)
            high = high.rounded(.up)
        }
        low = max(low, 0)
        high = min(high, Double(d - 1))

        let denominator: Double
        switch p.variant {
        case .hf: denominator = (high == low ? high + 0.001 : high) - low
        case .llamacpp: denominator = max(0.001, high - low)
        }
        let blend = p.variant == .llamacpp ? p.extrapolationFactor : 1
        let inverseFrequency = geometry.inverseFrequency.enumerated().map { pairIndex, theta in
            let ramp = min(max((Double(pairIndex) - low) / denominator, 0), 1)
            let mix = (1 - ramp) * blend
            return (theta / p.factor) * (1 - mix) + theta * mix
        }
        return RoPEFrequencies(
            inverseFrequency: inverseFrequency, attentionFactor: attentionFactor(p),
            effectiveBase: nil, criticalRule: nil)
    }

    /// get_mscale(s, m) = 1 for s ≤ 1, else 0.1·m·ln s + 1.
    static func mscale(_ factor: Double, _ multiplier: Double = 1) -> Double {
        factor <= 1 ? 1 : 0.1 * multiplier * Foundation.log(factor) + 1
    }

    static func attentionFactor(_ p: YaRNParameters) -> Double {
        switch p.variant {
        case .hf:
            if let explicit = p.attentionFactor { return explicit }
            if let m = p.mscale, let all = p.mscaleAllDim, m != 0, all != 0 {
                return mscale(p.factor, m) / mscale(p.factor, all)
            }
            return mscale(p.factor)
        case .llamacpp:
            let base = p.attentionFactor ?? 1
            return p.extrapolationFactor != 0 ? base * (1 + 0.1 * Foundation.log(p.factor)) : base
        }
    }
}
