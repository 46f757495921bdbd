/// Per-block weight tensors with their GGUF names and row-major shapes: the one mapping table
/// between GGUF tensor names and `LlamaLayerWeights` fields.
///
/// Shapes are row-major [out, in] (PyTorch `Linear.weight`), which is GGUF `ne` reversed:
/// `blk.0.attn_q.weight` with ne = [d_model, heads·d_head] is [heads·d_head, d_model] here.
public enum LlamaLayerTensor: String, CaseIterable, Sendable {
    /// RMSNorm gain before attention, [d_model].
    case attentionNorm = "attn_norm"
    /// W_Q, [heads·d_head, d_model].
    case query = "attn_q"
    /// W_K, [kv_heads·d_head, d_model].
    case key = "attn_k"
    /// W_V, [kv_heads·d_head, d_model].
    case value = "attn_v"
    /// W_O, [d_model, heads·d_head].
    case attentionOutput = "attn_output"
    /// RMSNorm gain before the MLP, [d_model].
    case feedForwardNorm = "ffn_norm"
    /// SwiGLU gate, [d_mlp, d_model].
    case gate = "ffn_gate"
    /// SwiGLU linear branch, [d_mlp, d_model].
    case up = "ffn_up"
    /// MLP output, [d_model, d_mlp].
    case down = "ffn_down"

    /// GGUF tensor name, e.g. `blk.3.attn_q.weight`.
    public func ggufName(layer: Int) -> String { "blk.\(layer).\(rawValue).weight" }

    /// Row-major shape [out, in] (norms: [d_model]).
    public func shape(_ c: LlamaConfiguration) -> [Int] {
        switch self {
        case .attentionNorm, .feedForwardNorm: return [c.embeddingSize]
        case .query: return [c.queryWidth, c.embeddingSize]
        case .key, .value: return [c.keyValueWidth, c.embeddingSize]
        case .attentionOutput: return [c.embeddingSize, c.queryWidth]
        case .gate, .up: return [c.feedForwardSize, c.embeddingSize]
        case .down: return [c.embeddingSize, c.feedForwardSize]
        }
    }
}

/// Whole-model weight tensors with their GGUF names and row-major shapes.
public enum LlamaGlobalTensor: String, CaseIterable, Sendable {
    /// Token embedding, [V, d_model].
    case tokenEmbedding = "token_embd.weight"
    /// Final RMSNorm gain, [d_model].
    case outputNorm = "output_norm.weight"
    /// Output projection (absent when tied), [V, d_model].
    case output = "output.weight"

    /// GGUF tensor name.
    public var ggufName: String { rawValue }

    /// Row-major shape: [V, d_model] for the embedding and output, [d_model] for the norm.
    public func shape(_ c: LlamaConfiguration) -> [Int] {
        switch self {
        case .tokenEmbedding, .output: return [c.vocabularySize, c.embeddingSize]
        case .outputNorm: return [c.embeddingSize]
        }
    }
}
