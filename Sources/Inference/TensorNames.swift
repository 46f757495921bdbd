/// Per-block weight tensors with their GGUF names and row-major shapes: the one mapping table
/// between GGUF tensor names and `LlamaLayerWeights` fields.
///
/// Shapes are row-major [out, in] (PyTorch `Linear.weight`), which is GGUF `ne` reversed:
/// `blk.0.attn_q.weight` with ne = [d_model, heads·d_head] is [heads·d_head, d_model] here.
public enum LlamaLayerTensor: String, CaseIterable, Sendable {
    case attentionNorm = "attn_norm"
    case query = "attn_q"
    case key = "attn_k"
    case value = "attn_v"
    case attentionOutput = "attn_output"
    case feedForwardNorm = "ffn_norm"
    case gate = "ffn_gate"
    case up = "ffn_up"
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
    case tokenEmbedding = "token_embd.weight"
    case outputNorm = "output_norm.weight"
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
