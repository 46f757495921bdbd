/// Memory the inference core holds for a model besides one window's buffers, in bytes, for the
/// float32 weight path (every weight dequantised to 4 bytes at load):
/// ```
/// weights  = 4 · (V·d·(tied ? 1 : 2) + d + n_layer·(2d + d·(q + 2kv) + q·d + 3·d·d_mlp + bias))
/// kvCache  = 4 · 2 · n_layer · L · kv                                   (generation only)
/// ```
/// with q = heads·d_head, kv = kv_heads·d_head, bias = q + 2kv for qwen2/dream. The buffers of a
/// forward window are estimated by `ForwardMemory` (Probes), which the probes check before running.
public struct LlamaMemoryEstimate: Equatable, Sendable, Codable {
    /// Cache length L the KV estimate is for, tokens.
    public let contextLength: Int
    /// Float32 weights, bytes.
    public let weightBytes: Int
    /// KV cache for L positions (used by `generate`, not by scoring), bytes.
    public let keyValueCacheBytes: Int

    /// Estimate for `c` with a KV cache of `contextLength` (≥ 1) positions; saturates at Int.max
    /// instead of overflowing for absurd lengths.
    public init(configuration c: LlamaConfiguration, contextLength: Int) {
        func product(_ factors: Int...) -> Int {
            factors.reduce(1) { partial, factor in
                let (value, overflow) = partial.multipliedReportingOverflow(by: factor)
                return overflow ? Int.max : value
            }
        }
        func sum(_ terms: Int...) -> Int {
            terms.reduce(0) { partial, term in
                let (value, overflow) = partial.addingReportingOverflow(term)
                return overflow ? Int.max : value
            }
        }
        let d = c.embeddingSize, q = c.queryWidth, kv = c.keyValueWidth, ff = c.feedForwardSize
        let bias = c.hasQueryKeyValueBias ? q + 2 * kv : 0
        let perLayer = sum(2 * d, product(d, q + 2 * kv), product(q, d), product(3, d, ff), bias)
        let weights = sum(product(c.vocabularySize, d, c.tiedOutput ? 1 : 2), d, product(c.layerCount, perLayer))
        self.contextLength = contextLength
        weightBytes = product(4, weights)
        keyValueCacheBytes = product(4, 2, c.layerCount, contextLength, kv)
    }
}
