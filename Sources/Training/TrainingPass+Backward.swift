import Inference

extension Pass {
    /// Backward pass after `forward()`: adds `scale`·∂loss/∂θ into `g` (one buffer per tensor,
    /// layout of `ParameterSet`). The chain, last block first:
    /// ```
    /// dW_out += dlogitsᵀ·n_f;  dx = RMSNorm′(dlogits·W_out)
    /// MLP:  dh = dx·W_down;  (da, du) = SwiGLU′(dh);  dx += RMSNorm′(da·W_gate + du·W_up)
    /// attn: dZ = dx·W_O;  (dQ, dK, dV) = FlashAttention′(dZ);  dQ, dK ← RoPE′ = m·R(−φ);
    ///       dx += RMSNorm′(dQ·W_Q + dK·W_K + dV·W_V)
    /// dE[token_t] += dx_t
    /// ```
    func backward(into g: [FloatBuffer], scale: Float) {
        let (L, D, V, F) = (length, c.embeddingSize, c.vocabularySize, c.feedForwardSize)
        let (Q, KV) = (c.queryWidth, c.keyValueWidth)
        for i in 0..<(L * V) { logitGradient.pointer[i] *= scale }
        let p = parameters
        let dx = FloatBuffer(L * D), dNormalized = FloatBuffer(L * D)
        LayerKernels.linearBackward(input: finalNormalized.pointer, outputGradient: logitGradient.pointer, rows: L, inFeatures: D,
                                    outFeatures: V, weight: w[p.outputProjectionIndex].pointer,
                                    weightGradient: g[p.outputProjectionIndex].pointer, inputGradient: dNormalized.pointer)
        LayerKernels.rmsNormBackward(input: finalInput.pointer, outputGradient: dNormalized.pointer, rows: L, width: D,
                                     gain: w[p.outputNormIndex].pointer, epsilon: c.rmsNormEpsilon,
                                     gainGradient: g[p.outputNormIndex].pointer, inputGradient: dx.pointer)
        let negated = positions.map { -$0 }
        for layer in stride(from: c.layerCount - 1, through: 0, by: -1) {
            let a = blocks[layer]
            let index = { (t: LlamaLayerTensor) in p.index(layer: layer, t) }
            // MLP
            let dHidden = FloatBuffer(L * F)
            LayerKernels.linearBackward(input: a.hidden.pointer, outputGradient: dx.pointer, rows: L, inFeatures: F, outFeatures: D,
                                        weight: w[index(.down)].pointer, weightGradient: g[index(.down)].pointer,
                                        inputGradient: dHidden.pointer)
            let dGate = FloatBuffer(copying: a.gate.pointer, count: L * F), dUp = FloatBuffer(copying: a.up.pointer, count: L * F)
            LayerKernels.swiGLUBackward(gate: dGate.pointer, up: dUp.pointer, outputGradient: dHidden.pointer, count: L * F)
            LayerKernels.linearBackward(input: a.normalizedMLP.pointer, outputGradient: dGate.pointer, rows: L, inFeatures: D,
                                        outFeatures: F, weight: w[index(.gate)].pointer, weightGradient: g[index(.gate)].pointer,
                                        inputGradient: dNormalized.pointer)
            LayerKernels.linearBackward(input: a.normalizedMLP.pointer, outputGradient: dUp.pointer, rows: L, inFeatures: D,
                                        outFeatures: F, weight: w[index(.up)].pointer, weightGradient: g[index(.up)].pointer,
                                        inputGradient: dNormalized.pointer, accumulateInput: true)
            LayerKernels.rmsNormBackward(input: a.middle.pointer, outputGradient: dNormalized.pointer, rows: L, width: D,
                                         gain: w[index(.feedForwardNorm)].pointer, epsilon: c.rmsNormEpsilon,
                                         gainGradient: g[index(.feedForwardNorm)].pointer, inputGradient: dx.pointer)
            // Attention
            let dZ = FloatBuffer(L * Q)
            LayerKernels.linearBackward(input: a.attention.pointer, outputGradient: dx.pointer, rows: L, inFeatures: Q, outFeatures: D,
                                        weight: w[index(.attentionOutput)].pointer, weightGradient: g[index(.attentionOutput)].pointer,
                                        inputGradient: dZ.pointer)
            let dQ = FloatBuffer(L * Q), dK = FloatBuffer(L * KV), dV = FloatBuffer(L * KV)
            for (b, start) in offsets.enumerated() {
                let (q, kv) = (start * Q, start * KV)
                FlashAttention.backward(query: a.query.pointer + q, key: a.key.pointer + kv, value: a.value.pointer + kv,
                                        output: a.attention.pointer + q, logSumExp: a.logSumExp.pointer + start * c.headCount,
                                        outputGradient: dZ.pointer + q, queryGradient: dQ.pointer + q, keyGradient: dK.pointer + kv,
                                        valueGradient: dV.pointer + kv, layout: layout(b), mask: masks[b])
            }
            SharedKernels.rotate(dQ.pointer, positions: negated, heads: c.headCount, headDimension: c.headDimension,
                                 frequencies: model.frequencies, pairing: c.pairing)
            SharedKernels.rotate(dK.pointer, positions: negated, heads: c.keyValueHeadCount, headDimension: c.headDimension,
                                 frequencies: model.frequencies, pairing: c.pairing)
            for (n, (t, grad, width)) in [(LlamaLayerTensor.query, dQ, Q), (.key, dK, KV), (.value, dV, KV)].enumerated() {
                LayerKernels.linearBackward(input: a.normalizedAttention.pointer, outputGradient: grad.pointer, rows: L, inFeatures: D,
                                            outFeatures: width, weight: w[index(t)].pointer, weightGradient: g[index(t)].pointer,
                                            inputGradient: dNormalized.pointer, accumulateInput: n > 0)
            }
            LayerKernels.rmsNormBackward(input: a.input.pointer, outputGradient: dNormalized.pointer, rows: L, width: D,
                                         gain: w[index(.attentionNorm)].pointer, epsilon: c.rmsNormEpsilon,
                                         gainGradient: g[index(.attentionNorm)].pointer, inputGradient: dx.pointer)
        }
        let dE = g[p.embeddingIndex].pointer
        for (t, token) in tokens.enumerated() {
            let row = dE + Int(token) * D, source = dx.pointer + t * D
            for i in 0..<D { row[i] += source[i] }
        }
    }
}
