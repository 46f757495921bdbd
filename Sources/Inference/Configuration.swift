import RoPE

/// Which way attention looks inside one sequence (or one document).
public enum AttentionDirection: String, CaseIterable, Sendable, Codable {
    /// Token i attends to keys j ≤ i (autoregressive llama).
    case causal
    /// Token i attends to every key (masked-diffusion LLaDA).
    case bidirectional
}

/// GGUF architectures this forward pass implements, with their llama.cpp conventions.
public enum LlamaArchitecture: String, CaseIterable, Sendable, Codable {
    /// GGUF `llama`: causal attention, adjacent (ggml NORMAL) rotary pairs.
    case llama
    /// GGUF `llada`: bidirectional attention (`llada.attention.causal = false`), adjacent pairs.
    case llada

    /// Rotary pairing llama.cpp uses for the architecture (`llama_model_rope_type`: NORMAL).
    public var pairing: RotaryPairing { .adjacent }

    /// Attention direction of the architecture.
    public var defaultAttention: AttentionDirection { self == .llama ? .causal : .bidirectional }
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
    /// Which coordinates form rotary pairs (adjacent for GGUF `llama`/`llada`).
    public let pairing: RotaryPairing
    /// Attention direction used when a forward pass is given no mask.
    public let defaultAttention: AttentionDirection

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
    }

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
