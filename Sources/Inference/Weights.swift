/// Weights of one transformer block, float32, row-major [out, in] (y = x·Wᵀ).
/// Shapes and GGUF names are in `LlamaLayerTensor`.
public struct LlamaLayerWeights: Sendable {
    /// `blk.i.attn_norm.weight`, [d_model].
    public var attentionNorm: [Float]
    /// `blk.i.attn_q.weight`, [heads·d_head, d_model].
    public var query: [Float]
    /// `blk.i.attn_k.weight`, [kv_heads·d_head, d_model].
    public var key: [Float]
    /// `blk.i.attn_v.weight`, [kv_heads·d_head, d_model].
    public var value: [Float]
    /// `blk.i.attn_output.weight`, [d_model, heads·d_head].
    public var attentionOutput: [Float]
    /// `blk.i.ffn_norm.weight`, [d_model].
    public var feedForwardNorm: [Float]
    /// `blk.i.ffn_gate.weight`, [d_mlp, d_model].
    public var gate: [Float]
    /// `blk.i.ffn_up.weight`, [d_mlp, d_model].
    public var up: [Float]
    /// `blk.i.ffn_down.weight`, [d_model, d_mlp].
    public var down: [Float]
    /// `blk.i.attn_q.bias`, `attn_k.bias`, `attn_v.bias` ([heads·d_head], [kv_heads·d_head] ×2),
    /// added after the projections; present exactly when the architecture has them (qwen2, dream).
    public var queryKeyValueBias: LlamaAttentionBias?

    /// Stores the arrays as given; `LlamaWeights.init` validates their shapes.
    public init(attentionNorm: [Float], query: [Float], key: [Float], value: [Float], attentionOutput: [Float],
                feedForwardNorm: [Float], gate: [Float], up: [Float], down: [Float],
                queryKeyValueBias: LlamaAttentionBias? = nil) {
        self.attentionNorm = attentionNorm
        self.query = query
        self.key = key
        self.value = value
        self.attentionOutput = attentionOutput
        self.feedForwardNorm = feedForwardNorm
        self.gate = gate
        self.up = up
        self.down = down
        self.queryKeyValueBias = queryKeyValueBias
    }

    /// The array of one tensor kind.
    public subscript(tensor: LlamaLayerTensor) -> [Float] {
        switch tensor {
        case .attentionNorm: return attentionNorm
        case .query: return query
        case .key: return key
        case .value: return value
        case .attentionOutput: return attentionOutput
        case .feedForwardNorm: return feedForwardNorm
        case .gate: return gate
        case .up: return up
        case .down: return down
        }
    }
}

/// All weights of a llama/llada model, float32, shape-checked against a configuration.
public struct LlamaWeights: Sendable {
    /// The configuration the shapes were checked against.
    public let configuration: LlamaConfiguration
    /// `token_embd.weight`, [V, d_model] row-major (GGUF ne = [d_model, V] is this layout).
    public let tokenEmbedding: [Float]
    /// One entry per block, `blk.0` first.
    public let layers: [LlamaLayerWeights]
    /// `output_norm.weight`, [d_model].
    public let outputNorm: [Float]
    /// `output.weight`, [V, d_model]; nil when the configuration has a tied output.
    public let output: [Float]?
    /// The matrices kept in their GGUF encoding (`WeightStorage.quantized`); their float32
    /// arrays above are empty. `.none` on the float32 path.
    public let quantized: QuantizedWeights

    /// Validates every shape against `configuration`; throws `InferenceError.tensorShapeMismatch`
    /// naming the GGUF tensor, `layerCountMismatch`, or `invalidConfiguration` when `output` is
    /// given for a tied model (or missing for an untied one). A matrix in `quantized` must have
    /// an empty float32 array and the [rows, columns] of the float32 shape.
    public init(configuration c: LlamaConfiguration, tokenEmbedding: [Float], layers: [LlamaLayerWeights],
                outputNorm: [Float], output: [Float]?, quantized: QuantizedWeights = .none) throws {
        func check(_ values: [Float], _ name: String, _ shape: [Int], _ matrix: QuantizedMatrix? = nil) throws {
            if let matrix {
                guard values.isEmpty, [matrix.rows, matrix.columns] == shape else {
                    throw InferenceError.tensorShapeMismatch(name: name, count: values.count + matrix.rows * matrix.columns,
                                                             expectedShape: shape)
                }
                return
            }
            guard values.count == shape.reduce(1, *) else {
                throw InferenceError.tensorShapeMismatch(name: name, count: values.count, expectedShape: shape)
            }
        }
        try check(tokenEmbedding, LlamaGlobalTensor.tokenEmbedding.ggufName, LlamaGlobalTensor.tokenEmbedding.shape(c),
                  quantized.tokenEmbedding)
        guard layers.count == c.layerCount else {
            throw InferenceError.layerCountMismatch(count: layers.count, expected: c.layerCount)
        }
        guard quantized.layers.isEmpty || quantized.layers.count == c.layerCount else {
            throw InferenceError.layerCountMismatch(count: quantized.layers.count, expected: c.layerCount)
        }
        for (index, layer) in layers.enumerated() {
            for tensor in LlamaLayerTensor.allCases {
                try check(layer[tensor], tensor.ggufName(layer: index), tensor.shape(c), quantized.matrix(index, tensor))
            }
            try LlamaAttentionBias.check(layer.queryKeyValueBias, layer: index, configuration: c)
        }
        try check(outputNorm, LlamaGlobalTensor.outputNorm.ggufName, LlamaGlobalTensor.outputNorm.shape(c))
        switch (c.tiedOutput, output) {
        case (true, .some):
            throw InferenceError.invalidConfiguration(
                name: "output.weight", value: "present", allowed: "absent when the output is tied to token_embd.weight")
        case (false, .none):
            throw InferenceError.tensorShapeMismatch(name: "output.weight", count: 0, expectedShape: LlamaGlobalTensor.output.shape(c))
        case let (false, .some(values)):
            try check(values, LlamaGlobalTensor.output.ggufName, LlamaGlobalTensor.output.shape(c), quantized.output)
        case (true, .none):
            break
        }
        self.configuration = c
        self.tokenEmbedding = tokenEmbedding
        self.layers = layers
        self.outputNorm = outputNorm
        self.output = output
        self.quantized = quantized
    }

    /// The [V, d_model] matrix that maps the final normalised residual to logits.
    public var outputProjection: [Float] { output ?? tokenEmbedding }

    /// Throws `InferenceError.nonFiniteWeight` for the first NaN/±inf, naming the GGUF tensor.
    /// One pass over every weight (about a second per 10⁹ values).
    public func checkFinite() throws {
        func scan(_ values: [Float], _ name: String) throws {
            if let index = values.firstIndex(where: { !$0.isFinite }) {
                throw InferenceError.nonFiniteWeight(name: name, index: index)
            }
        }
        try scan(tokenEmbedding, LlamaGlobalTensor.tokenEmbedding.ggufName)
        for (index, layer) in layers.enumerated() {
            for tensor in LlamaLayerTensor.allCases { try scan(layer[tensor], tensor.ggufName(layer: index)) }
            if let bias = layer.queryKeyValueBias {
                for (values, name) in zip([bias.query, bias.key, bias.value], LlamaAttentionBias.ggufNames(layer: index)) {
                    try scan(values, name)
                }
            }
        }
        try scan(outputNorm, LlamaGlobalTensor.outputNorm.ggufName)
        if let output { try scan(output, LlamaGlobalTensor.output.ggufName) }
        for matrix in quantized.all { try matrix.checkFinite() }
    }
}
