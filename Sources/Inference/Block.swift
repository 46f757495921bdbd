/// Everything a block needs besides its weights: RoPE table, mask, head layout, hooks.
struct ForwardContext {
    let rotary: RotaryCache
    let plan: MaskPlan
    let shape: AttentionShape
    let emitter: HookEmitter
    /// Where K and V go (and come from) in a cached pass; nil for a plain window.
    let cache: CacheSlot?
    var attentionProfile: AttentionProfileRecorder? = nil
}

/// A KV cache and the position of the window's first token in it.
struct CacheSlot {
    let cache: KeyValueCache
    let start: Int
}

extension LlamaModel {
    /// One pre-norm llama block (biases b_q, b_k, b_v only for qwen2/dream, else 0) on the residual stream in `w.residual`:
    /// ```
    /// h = x + W_O·Attn(RoPE(W_Q·n₁ + b_q), RoPE(W_K·n₁ + b_k), W_V·n₁ + b_v),   n₁ = RMSNorm(x)·g₁
    /// y = h + W_down·(silu(W_gate·n₂) ⊙ W_up·n₂),              n₂ = RMSNorm(h)·g₂
    /// ```
    func runBlock(_ layer: Int, _ w: Workspace, _ context: ForwardContext) {
        let c = configuration, weights = self.weights.layers[layer], e = context.emitter
        let length = w.length, model = c.embeddingSize
        e.emit(.residualPre, layer: layer, shape: [length, model], w.residual)

        RMSNorm.apply(w.residual, rows: length, width: model, weight: weights.attentionNorm,
                      epsilon: c.rmsNormEpsilon, into: w.normed)
        e.emit(.attentionNormalized, layer: layer, shape: [length, model], w.normed)
        Linear.apply(w.normed, rows: length, inFeatures: model, weights: self.weights, layer: layer,
                     products: [(.query, c.queryWidth, w.query), (.key, c.keyValueWidth, w.key), (.value, c.keyValueWidth, w.value)])
        if let bias = weights.queryKeyValueBias {
            LlamaAttentionBias.add(bias.query, to: w.query, rows: length)
            LlamaAttentionBias.add(bias.key, to: w.key, rows: length)
            LlamaAttentionBias.add(bias.value, to: w.value, rows: length)
        }
        let queryShape = [length, c.headCount, c.headDimension]
        let keyShape = [length, c.keyValueHeadCount, c.headDimension]
        e.emit(.query, layer: layer, shape: queryShape, w.query)
        e.emit(.key, layer: layer, shape: keyShape, w.key)
        e.emit(.value, layer: layer, shape: keyShape, w.value)

        context.rotary.rotate(w.query, length: length, heads: c.headCount, headDimension: c.headDimension, pairing: c.pairing)
        context.rotary.rotate(w.key, length: length, heads: c.keyValueHeadCount, headDimension: c.headDimension, pairing: c.pairing)
        e.emit(.rotatedQuery, layer: layer, shape: queryShape, w.query)
        e.emit(.rotatedKey, layer: layer, shape: keyShape, w.key)
        AttentionHooks.emit(layer: layer, query: w.query, key: w.key, shape: context.shape, plan: context.plan, emitter: e)

        let z = w.normed   // n₁ is no longer needed
        if let slot = context.cache {
            slot.cache.store(layer: layer, key: w.key, value: w.value, start: slot.start, rows: length)
        }
        if let slot = context.cache, slot.start > 0 {
            CachedAttention.run(query: w.query, layer: slot.cache.layer(layer), output: z, start: slot.start,
                                shape: context.shape)
        } else if let recorder = context.attentionProfile {
            ProfiledTiledAttention.run(query: w.query, key: w.key, value: w.value, output: z, shape: context.shape,
                                       plan: context.plan, tiling: tiling, layer: layer, layers: c.layerCount, into: recorder)
        } else {
            TiledAttention.run(query: w.query, key: w.key, value: w.value, output: z,
                               shape: context.shape, plan: context.plan, tiling: tiling)
        }
        e.emit(.z, layer: layer, shape: queryShape, z)
        projectAndAdd(z, rows: length, inFeatures: c.queryWidth, tensor: .attentionOutput,
                      residual: w.residual, hook: .attentionOut, layer: layer, emitter: e)
        e.emit(.residualMid, layer: layer, shape: [length, model], w.residual)

        RMSNorm.apply(w.residual, rows: length, width: model, weight: weights.feedForwardNorm,
                      epsilon: c.rmsNormEpsilon, into: w.normed)
        e.emit(.mlpNormalized, layer: layer, shape: [length, model], w.normed)
        runMLP(layer, w, e)
        e.emit(.residualPost, layer: layer, shape: [length, model], w.residual)
    }

    /// SwiGLU MLP in chunks of `w.mlpRows` positions, added onto the residual. Hook tensors of
    /// width d_mlp are assembled over the chunks only when selected.
    private func runMLP(_ layer: Int, _ w: Workspace, _ e: HookEmitter) {
        let c = configuration
        let length = w.length, model = c.embeddingSize, hidden = c.feedForwardSize
        let pre = OptionalBuffer(e.wants(.mlpPre, layer: layer), count: length * hidden)
        let preLinear = OptionalBuffer(e.wants(.mlpPreLinear, layer: layer), count: length * hidden)
        let post = OptionalBuffer(e.wants(.mlpPost, layer: layer), count: length * hidden)
        let out = OptionalBuffer(e.wants(.mlpOut, layer: layer), count: length * model)
        defer { [pre, preLinear, post, out].forEach { $0.release() } }

        for start in stride(from: 0, to: length, by: w.mlpRows) {
            let rows = min(w.mlpRows, length - start)
            let input = w.normed + start * model
            Linear.apply(input, rows: rows, inFeatures: model, weights: self.weights, layer: layer,
                         products: [(.gate, hidden, w.gate), (.up, hidden, w.up)])
            pre.pointer?.advanced(by: start * hidden).update(from: w.gate, count: rows * hidden)
            preLinear.pointer?.advanced(by: start * hidden).update(from: w.up, count: rows * hidden)
            VectorMath.swiGLU(gate: w.gate, up: w.up, count: rows * hidden)
            post.pointer?.advanced(by: start * hidden).update(from: w.gate, count: rows * hidden)
            let residual = w.residual + start * model
            if let out = out.pointer?.advanced(by: start * model) {
                Linear.apply(w.gate, rows: rows, inFeatures: hidden, weights: self.weights, layer: layer, tensor: .down, outFeatures: model, into: out)
                for i in 0..<(rows * model) { residual[i] += out[i] }
            } else {
                Linear.apply(w.gate, rows: rows, inFeatures: hidden, weights: self.weights, layer: layer, tensor: .down, outFeatures: model,
                             into: residual, accumulate: true)
            }
        }
        for (point, buffer, width) in [(HookPoint.mlpPre, pre, hidden), (.mlpPreLinear, preLinear, hidden),
                                       (.mlpPost, post, hidden), (.mlpOut, out, model)] {
            if let pointer = buffer.pointer { e.emit(point, layer: layer, shape: [length, width], pointer) }
        }
    }

    /// residual += x·Wᵀ; through a temporary (emitted as `hook`) only when that hook is selected.
    private func projectAndAdd(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, tensor: LlamaLayerTensor,
                               residual: UnsafeMutablePointer<Float>, hook: HookPoint, layer: Int, emitter: HookEmitter) {
        let model = configuration.embeddingSize
        guard emitter.wants(hook, layer: layer) else {
            Linear.apply(x, rows: rows, inFeatures: inFeatures, weights: weights, layer: layer, tensor: tensor, outFeatures: model, into: residual, accumulate: true)
            return
        }
        let temporary = UnsafeMutablePointer<Float>.allocate(capacity: rows * model)
        defer { temporary.deallocate() }
        Linear.apply(x, rows: rows, inFeatures: inFeatures, weights: weights, layer: layer, tensor: tensor, outFeatures: model, into: temporary)
        emitter.emit(hook, layer: layer, shape: [rows, model], temporary)
        for i in 0..<(rows * model) { residual[i] += temporary[i] }
    }
}
