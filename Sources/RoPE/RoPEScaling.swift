/// A RoPE context-extension method with its parameters. Decoded from a spec string by
/// `RoPESpec.parse`; turned into per-pair inverse frequencies by `RoPEScaling.frequencies(for:)`.
///
/// Sources: HF transformers `modeling_rope_utils.py` (linear, dynamic, yarn, longrope, llama3),
/// ggml `ops.cpp` (YaRN llama.cpp variant), Liu et al. arXiv 2310.05209 (critical dimension),
/// LongLLaDA arXiv 2506.14429, UltraLLaDA arXiv 2510.10481 (diffusion-aware NTK).
public enum RoPEScaling: Equatable, Sendable {
    /// Plain RoPE, θ_i = b^(−2i/d).
    case none
    /// Position interpolation: θ'_i = θ_i / factor.
    case linear(factor: Double)
    /// NTK-aware static: b' = b·factor^(d/(d−2)).
    case ntk(factor: Double)
    /// HF dynamic NTK: b' = b·(factor·S/L − (factor − 1))^(d/(d−2)), S = max(sequenceLength, L).
    case dynamicNTK(DynamicNTKParameters)
    /// YaRN ("NTK-by-parts" + attention temperature), HF or llama.cpp semantics.
    case yarn(YaRNParameters)
    /// Llama 3.1 wavelength-banded interpolation.
    case llama3(Llama3Parameters)
    /// LongRoPE / Phi-3 per-pair rescale factors.
    case longrope(LongRoPEParameters)
    /// Critical-dimension NTK (Scaling Laws of RoPE extrapolation; LongLLaDA).
    case criticalNTK(CriticalNTKParameters)
    /// Diffusion-aware NTK (UltraLLaDA): critical-dimension NTK with both lengths multiplied by
    /// the bidirectional range multiplier (default 2).
    case diffusionNTK(CriticalNTKParameters)
    /// Explicit base override: θ_i = base^(−2i/d).
    case base(Double)

    /// The CLI/spec name of the method.
    public var method: RoPEMethod {
        switch self {
        case .none: return .none
        case .linear: return .linear
        case .ntk: return .ntk
        case .dynamicNTK: return .dynamicNTK
        case .yarn: return .yarn
        case .llama3: return .llama3
        case .longrope: return .longrope
        case .criticalNTK: return .criticalNTK
        case .diffusionNTK: return .diffusionNTK
        case .base: return .base
        }
    }
}

/// Method names accepted by `--rope METHOD[:key=value,...]`.
public enum RoPEMethod: String, CaseIterable, Sendable, Codable {
    case none
    case linear
    case ntk
    case dynamicNTK = "dynamic-ntk"
    case yarn
    case llama3
    case longrope
    case criticalNTK = "critical-ntk"
    case diffusionNTK = "diffusion-ntk"
    case base
}

/// HF dynamic NTK parameters.
public struct DynamicNTKParameters: Equatable, Sendable {
    /// Scale factor s ≥ 1.
    public var factor: Double
    /// L: HF `max_position_embeddings` (tokens) below which RoPE is unchanged.
    public var originalContext: Int
    /// S: the current sequence length (tokens); the base is recomputed for S > L.
    public var sequenceLength: Int

    public init(factor: Double, originalContext: Int, sequenceLength: Int) {
        self.factor = factor
        self.originalContext = originalContext
        self.sequenceLength = sequenceLength
    }
}

/// Which implementation's YaRN to reproduce.
public enum YaRNVariant: String, CaseIterable, Sendable {
    /// HF transformers: floor/ceil only when `truncate`; ramp denominator (high − low), +0.001 when
    /// equal; attention factor from `mscale`/`mscale-all-dim` or 0.1·ln s + 1.
    case hf
    /// llama.cpp/ggml: always floor/ceil; ramp denominator max(0.001, high − low); the ramp is
    /// multiplied by `ext-factor`; magnitude `attention-factor`·(1 + 0.1·ln s) whenever
    /// ext-factor ≠ 0. No mscale/mscale-all-dim.
    case llamacpp
}

/// YaRN parameters (HF names in kebab case).
public struct YaRNParameters: Equatable, Sendable {
    /// Scale factor s = target/original context (llama.cpp: 1/`rope-freq-scale`).
    public var factor: Double
    /// Original (pretraining) context used for the correction range, tokens.
    public var originalContext: Int
    /// Rotations at which extrapolation stops (default 32).
    public var betaFast: Double = 32
    /// Rotations at which interpolation is complete (default 1).
    public var betaSlow: Double = 1
    /// HF: floor/ceil the correction range (default true). llama.cpp always truncates.
    public var truncate: Bool = true
    /// HF `mscale` (DeepSeek style), used only together with `mscaleAllDim`.
    public var mscale: Double?
    /// HF `mscale_all_dim`.
    public var mscaleAllDim: Double?
    /// Explicit attention factor (HF `attention_factor`, llama.cpp `--yarn-attn-factor`).
    public var attentionFactor: Double?
    /// llama.cpp `--yarn-ext-factor` (default 1 for YaRN): blend weight of the extrapolated part.
    public var extrapolationFactor: Double = 1
    /// Implementation to follow.
    public var variant: YaRNVariant = .hf

    public init(factor: Double, originalContext: Int) {
        self.factor = factor
        self.originalContext = originalContext
    }
}

/// Llama 3.1 scaling parameters (no defaults in HF; Llama 3.1 used 8, 1, 4, 8192).
public struct Llama3Parameters: Equatable, Sendable {
    public var factor: Double
    public var lowFreqFactor: Double
    public var highFreqFactor: Double
    /// Original context length, tokens.
    public var originalContext: Int

    public init(factor: Double, lowFreqFactor: Double, highFreqFactor: Double, originalContext: Int) {
        self.factor = factor
        self.lowFreqFactor = lowFreqFactor
        self.highFreqFactor = highFreqFactor
        self.originalContext = originalContext
    }
}

/// LongRoPE parameters: one rescale factor per pair for short and long sequences.
public struct LongRoPEParameters: Equatable, Sendable {
    /// Per-pair factors used when `sequenceLength ≤ originalContext`. Shape [d/2] (or [1], broadcast).
    public var shortFactor: [Double]
    /// Per-pair factors used when `sequenceLength > originalContext`. Shape [d/2] (or [1]).
    public var longFactor: [Double]
    /// Original context, tokens.
    public var originalContext: Int
    /// Sequence length that selects short or long factors, tokens.
    public var sequenceLength: Int
    /// Overall factor s for the default attention factor sqrt(1 + ln s / ln L_orig).
    public var factor: Double?
    /// Explicit attention factor.
    public var attentionFactor: Double?

    public init(shortFactor: [Double], longFactor: [Double], originalContext: Int, sequenceLength: Int) {
        self.shortFactor = shortFactor
        self.longFactor = longFactor
        self.originalContext = originalContext
        self.sequenceLength = sequenceLength
    }
}

/// Critical-dimension NTK parameters (also used, with `rangeMultiplier` 2, for diffusion-aware NTK).
public struct CriticalNTKParameters: Equatable, Sendable {
    /// Pretraining context T_train, tokens.
    public var trainLength: Int
    /// Wanted context T_target, tokens.
    public var targetLength: Int
    /// Multiplier applied to both lengths (1 for causal critical-ntk, 2 for diffusion-ntk).
    public var rangeMultiplier: Double
    /// Round the base multiplier λ up to an integer, as LongLLaDA did.
    public var roundUp: Bool

    public init(trainLength: Int, targetLength: Int, rangeMultiplier: Double, roundUp: Bool) {
        self.trainLength = trainLength
        self.targetLength = targetLength
        self.rangeMultiplier = rangeMultiplier
        self.roundUp = roundUp
    }
}
