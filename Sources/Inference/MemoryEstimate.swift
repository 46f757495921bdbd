/// Memory the inference core needs for a model at a window length L, in bytes, for the float32
/// weight path (every weight dequantised to 4 bytes at load):
/// ```
/// weights     = 4 · (V·d·(tied ? 1 : 2) + d + n_layer·(2d + d·(q + 2kv) + q·d + 3·d·d_mlp + bias))
/// activations = 4 · (L·(d + max(d, q) + q + 2kv) + 2·r·d_mlp + R·S)       (one forward window)
/// kvCache     = 4 · 2 · n_layer · L · kv                                   (generation only)
/// ```
/// with q = heads·d_head, kv = kv_heads·d_head, bias = q + 2kv for qwen2/dream, r the MLP chunk
/// rows and R·S the output-head block (`LlamaModel` defaults 256 and 2048·2048). Hook tensors and
/// the per-thread attention tiles (a few MiB) are not counted.
public struct LlamaMemoryEstimate: Equatable, Sendable, Codable {
    /// Window length L the estimate is for, tokens.
    public let contextLength: Int
    /// Float32 weights, bytes.
    public let weightBytes: Int
    /// Activation buffers of one forward window of L tokens, bytes.
    public let activationBytes: Int
    /// KV cache for L positions (used by `generate`, not by scoring), bytes.
    public let keyValueCacheBytes: Int

    /// Weights plus activations: what scoring a window of L tokens holds, bytes.
    public var scoringBytes: Int { weightBytes.addingReportingOverflow(activationBytes).partialValue }

    /// Estimate for `c` at window length `contextLength` (≥ 1); saturates at Int.max instead of
    /// overflowing for absurd lengths.
    public init(configuration c: LlamaConfiguration, contextLength: Int, mlpChunkRows: Int = 256,
                outputBlock: Int = 2048 * 2048) {
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
        let rows = min(mlpChunkRows, contextLength)
        let activations = sum(product(contextLength, sum(d, max(d, q), q, 2 * kv)), product(2, rows, ff), outputBlock)
        self.contextLength = contextLength
        weightBytes = product(4, weights)
        activationBytes = product(4, activations)
        keyValueCacheBytes = product(4, 2, c.layerCount, contextLength, kv)
    }
}
