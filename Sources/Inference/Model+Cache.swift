extension LlamaModel {
    /// Runs `tokens` after the `cache.count` positions already in `cache`, causally, and appends
    /// their keys and values:
    /// ```
    /// new token i runs at RoPE position s + i (s = cache.count) and attends positions 0…s+i
    /// ```
    /// On an empty cache this is the batched `forward` (tiled attention over the window) that also
    /// fills the cache (the prefill); on a filled one the queries attend the cached keys
    /// (`CachedAttention`), so a decode step costs one token's projections and MLP plus one
    /// dot product per cached key. The logits equal those of `forward` on the whole sequence
    /// (positions 0…s+n−1, causal mask, the cache's frequencies) up to float32 summation order.
    /// - Parameters:
    ///   - cache: the sequence so far; `cache.frequencies` rotates the new keys and queries.
    ///   - tokens: n ≥ 1 new token ids, each in 0…V−1, with s + n ≤ `cache.capacity`.
    ///   - logits: rows of the new tokens (0…n−1) to return; nil = the last new token's row.
    ///   - targets: new-token rows and tokens to score (NLL in nats) without returning logits.
    /// - Returns: logits and NLLs as `forward` returns them, rows indexed among the new tokens.
    /// - Throws: `InferenceError` for empty input, out-of-range tokens, rows or targets, a cache
    ///   of another model, or a cache without room for the tokens.
    public func extend(_ cache: KeyValueCache, tokens: [Int32], logits: LogitRows? = nil,
                       targets: [TokenTarget] = []) throws -> ForwardResult {
        let c = configuration, start = cache.count
        guard cache.layerCount == c.layerCount, cache.rowWidth == c.keyValueWidth else {
            throw InferenceError.invalidConfiguration(
                name: "KV cache", value: "of \(cache.layerCount) layers × \(cache.rowWidth) floats",
                allowed: "a cache made for this model (\(c.layerCount) layers × \(c.keyValueWidth) floats)")
        }
        guard !tokens.isEmpty else { throw InferenceError.emptyWindow }
        guard start + tokens.count <= cache.capacity else {
            throw InferenceError.invalidTarget(
                name: "KV cache length", value: "\(start) + \(tokens.count) new tokens",
                allowed: "at most the capacity \(cache.capacity)")
        }
        let length = tokens.count
        let rows = try validate(tokens: tokens, positions: Array(0..<length), mask: .causal, frequencies: cache.frequencies,
                                logits: logits ?? .rows([length - 1]), targets: targets)
        let emitter = HookEmitter(hooks: try HookSelection.none.resolve(layerCount: c.layerCount, headCount: c.headCount,
                                                                        length: length), sink: nil)
        let result = run(tokens: tokens, positions: Array(start..<(start + length)), plan: MaskPlan(.causal),
                         frequencies: cache.frequencies, rows: rows, targets: targets, emitter: emitter,
                         cache: CacheSlot(cache: cache, start: start))
        cache.advance(to: start + length)
        return result
    }
}
