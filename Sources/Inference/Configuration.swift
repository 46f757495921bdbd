import RoPE

/// Which way attention looks inside one sequence (or one document).
public enum AttentionDirection: String, CaseIterable, Sendable, Codable {
    /// Token i attends to keys j ≤ i (autoregressive llama).
    case causal
    /// Token i attends to every key (masked-diffusion LLaDA).
    case bidirectional
}

/// GGUF architectures this forward pass implements, with their llama.cpp conventions
/// (`llama_model_rope_type`, `load_hparams`, `load_tensors` in llama.cpp's `src/`).
///
/// | arch    | attention                   | rotary pairs (ggml)        | q/k/v biases | estimator        |
/// |---------|-----------------------------|----------------------------|--------------|------------------|
/// | `llama` | causal (`attention.causal`) | adjacent (NORM)            | none         | chain rule       |
/// | `qwen2` | causal (`attention.causal`) | split halves (NEOX)        | required     | chain rule       |
/// | `llada` | bidirectional, always       | adjacent (NORM)            | none         | masked diffusion |
/// | `dream` | bidirectional, always       | split halves (NEOX)        | required     | masked diffusion |
public enum LlamaArchitecture: String, CaseIterable, Sendable, Codable {
    /// GGUF `llama` (LLaMA 1–3, SmolLM…): causal, adjacent pairs, optional `rope_freqs.weight`.
    case llama
    /// GGUF `qwen2` (causal Qwen2/2.5): llama blocks with q/k/v biases, split-half pairs.
    case qwen2
    /// GGUF `llada` (LLaDA-8B): llama blocks, bidirectional attention, unshifted logits.
    case llada
    /// GGUF `dream` (Dream-7B): qwen2 blocks, bidirectional attention, shifted logits.
    case dream

    /// Rotary pairing llama.cpp uses for the architecture (`llama_model_rope_type`): NORM
    /// (adjacent, (x₂ᵢ, x₂ᵢ₊₁)) for llama/llada, NEOX (split halves, (xᵢ, xᵢ₊d/2)) for qwen2/dream.
    public var pairing: RotaryPairing {
        switch self {
        case .llama, .llada: return .adjacent
        case .qwen2, .dream: return .splitHalves
        }
    }

    /// Attention direction of the architecture (llama.cpp forces `causal_attn = false` for llada
    /// and dream; llama and qwen2 default to causal).
    public var defaultAttention: AttentionDirection { isDiffusion ? .bidirectional : .causal }

    /// True for masked-diffusion models (llada, dream): bidirectional, scored with the
    /// masked-diffusion estimator rather than the chain rule.
    public var isDiffusion: Bool { self == .llada || self == .dream }

    /// True when every block carries `attn_q.bias`, `attn_k.bias`, `attn_v.bias` (qwen2, dream);
    /// llama.cpp requires them for these architectures.
    public var hasQueryKeyValueBias: Bool { self == .qwen2 || self == .dream }

    /// True when `{arch}.attention.causal` is read (llama, qwen2); llama.cpp overrides it for the
    /// diffusion architectures.
    public var readsCausalKey: Bool { !isDiffusion }
}

/// Hyper-parameters of a llama-family decoder (RMSNorm, RoPE, GQA attention, SwiGLU MLP).
///
/// Widths: `queryWidth = headCount·headDimension`, `keyValueWidth = keyValueHeadCount·headDimension`.
/// Query head h reads key/value head `h / (headCount / keyValueHeadCount)`.
public struct LlamaConfiguration: Equatable, Sendable {
    /// Vocabulary size V (GGUF `token_embd.weight` rows), 1…2^24.
    public let vocabularySize: Int
    /// Residual width d_model (GGUF `{arch}.embedding_length`), 1…2^20.
    public let embeddingSize: Int
    /// Number of transformer blocks (GGUF `{arch}.block_count`), 1…2^16.
    public let layerCount: Int
    /// Query heads (GGUF `{arch}.attention.head_count`), 1…2^16; headCount·headDimension ≤ 2^20.
    public let headCount: Int
    /// Key/value heads (GGUF `{arch}.attention.head_count_kv`), ≥ 1, divides `headCount`.
    public let keyValueHeadCount: Int
    /// Width of one head d_head (GGUF `{arch}.attention.key_length`), 2…2^16.
    public let headDimension: Int
    /// SwiGLU hidden width d_mlp (GGUF `{arch}.feed_forward_length`), 1…2^22.
    public let feedForwardSize: Int
    /// RMSNorm ε (GGUF `{arch}.attention.layer_norm_rms_epsilon`), finite, > 0.
    public let rmsNormEpsilon: Float
    /// RoPE base b (GGUF `{arch}.rope.freq_base`), finite, > 1.
    public let ropeBase: Double
    /// Rotated leading part of each head, even, 2…headDimension (GGUF `{arch}.rope.dimension_count`).
    public let rotaryDimension: Int
    /// Pretraining context T_train, tokens (GGUF `{arch}.context_length`), 1…2^30.
    public let trainedContextLength: Int
    /// True when the output projection reuses `token_embd.weight` (no `output.weight` tensor).
    public let tiedOutput: Bool
    /// Which coordinates form rotary pairs (adjacent for GGUF `llama`/`llada`, split halves for `qwen2`/`dream`).
    public let pairing: RotaryPairing
    /// Attention direction used when a forward pass is given no mask.
    public let defaultAttention: AttentionDirection
    /// GGUF architecture: decides q/k/v biases (`LlamaArchitecture.hasQueryKeyValueBias`).
    public let architecture: LlamaArchitecture

    /// Validates every field against `Field.range` and every product of fields (widths, weight
    /// counts) with overflow-checked arithmetic; throws `InferenceError.invalidConfiguration`
    /// naming the first bad one.
    /// `pairing` and `defaultAttention` default to the conventions of `architecture`.
    public init(
        architecture: LlamaArchitecture = .llama,
        vocabularySize: Int, embeddingSize: Int, layerCount: Int,
        headCount: Int, keyValueHeadCount: Int, headDimension: Int, feedForwardSize: Int,
        rmsNormEpsilon: Float, ropeBase: Double, rotaryDimension: Int? = nil,
        trainedContextLength: Int, tiedOutput: Bool = false,
        pairing: RotaryPairing? = nil, defaultAttention: AttentionDirection? = nil
    ) throws {
        let rotary = rotaryDimension ?? headDimension
        try Self.validate(
            vocabularySize: vocabularySize, embeddingSize: embeddingSize, layerCount: layerCount, headCount: headCount,
            keyValueHeadCount: keyValueHeadCount, headDimension: headDimension, feedForwardSize: feedForwardSize,
            rotaryDimension: rotary, trainedContextLength: trainedContextLength, rmsNormEpsilon: rmsNormEpsilon,
            ropeBase: ropeBase, tiedOutput: tiedOutput)
        self.vocabularySize = vocabularySize
        self.embeddingSize = embeddingSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.keyValueHeadCount = keyValueHeadCount
        self.headDimension = headDimension
        self.feedForwardSize = feedForwardSize
        self.rmsNormEpsilon = rmsNormEpsilon
        self.ropeBase = ropeBase
        self.rotaryDimension = rotary
        self.trainedContextLength = trainedContextLength
        self.tiedOutput = tiedOutput
        self.pairing = pairing ?? architecture.pairing
        self.defaultAttention = defaultAttention ?? architecture.defaultAttention
        self.architecture = architecture
    }

    /// True when each block adds q/k/v biases after the projections (qwen2, dream).
    public var hasQueryKeyValueBias: Bool { architecture.hasQueryKeyValueBias }

    /// Width of all query heads together, `headCount·headDimension`.
    public var queryWidth: Int { headCount * headDimension }
    /// Width of all key (or value) heads together, `keyValueHeadCount·headDimension`.
    public var keyValueWidth: Int { keyValueHeadCount * headDimension }
    /// Query heads sharing one key/value head, `headCount / keyValueHeadCount`.
    public var groupSize: Int { headCount / keyValueHeadCount }

    /// The unscaled rotary geometry (rotary dimension, base) to pass to `RoPEScaling.frequencies(for:)`.
    public func rotaryGeometry() throws -> RotaryGeometry {
        try RotaryGeometry(rotaryDimension: rotaryDimension, base: ropeBase)
    }
}
