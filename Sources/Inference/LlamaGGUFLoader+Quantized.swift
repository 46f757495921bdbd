import GGUF

/// Loading with a choice of weight storage (`WeightStorage`).
extension LlamaGGUFLoader {
    /// The weights of `file` as `storage` asks: `.float32` is `weights(_:configuration:)`;
    /// `.quantized` keeps the token embedding, the output matrix and the seven projections of every
    /// block in their GGUF encoding (memory-mapped; see `QuantizedMatrix`) and dequantises only
    /// the norm gains (and q/k/v biases). Same checks and errors as the float32 path: tensor table, dimensions, and
    /// `InferenceError.tensorUnreadable` naming the tensor and type for a type that cannot be
    /// dequantised.
    public static func weights(_ file: GGUFFile, configuration c: LlamaConfiguration,
                               storage: WeightStorage) throws -> LlamaWeights {
        guard storage == .quantized else { return try weights(file, configuration: c) }
        try checkTensorShapes(file, configuration: c)
        func info(_ name: String, _ shape: [Int]) throws -> GGUFTensorInfo {
            let info = try tensorInfo(file, name)
            let expected = Array(shape.reversed())
            guard info.dimensions == expected else {
                throw InferenceError.tensorDimensionsMismatch(name: name, found: info.dimensions, expected: expected)
            }
            return info
        }
        func matrix(_ name: String, _ shape: [Int]) throws -> QuantizedMatrix {
            try QuantizedMatrix(file: file, tensor: try info(name, shape))
        }
        func vector(_ name: String, _ shape: [Int]) throws -> [Float] {
            do {
                return try file.dequantize(try info(name, shape))
            } catch let error as GGUFError {
                throw InferenceError.tensorUnreadable(name: name, reason: "\(error)")
            }
        }
        var matrices: [[LlamaLayerTensor: QuantizedMatrix]] = []
        var layers: [LlamaLayerWeights] = []
        for layer in 0..<c.layerCount {
            var table: [LlamaLayerTensor: QuantizedMatrix] = [:]
            for tensor in LlamaLayerTensor.allCases where tensor != .attentionNorm && tensor != .feedForwardNorm {
                table[tensor] = try matrix(tensor.ggufName(layer: layer), tensor.shape(c))
            }
            matrices.append(table)
            var bias: LlamaAttentionBias?
            if c.hasQueryKeyValueBias {   // qwen2 / dream: q/k/v biases stay float32 (d values each)
                let names = LlamaAttentionBias.ggufNames(layer: layer), lengths = LlamaAttentionBias.lengths(c)
                bias = LlamaAttentionBias(query: try vector(names[0], [lengths[0]]), key: try vector(names[1], [lengths[1]]),
                                          value: try vector(names[2], [lengths[2]]))
            }
            layers.append(LlamaLayerWeights(
                attentionNorm: try vector(LlamaLayerTensor.attentionNorm.ggufName(layer: layer), LlamaLayerTensor.attentionNorm.shape(c)),
                query: [], key: [], value: [], attentionOutput: [],
                feedForwardNorm: try vector(LlamaLayerTensor.feedForwardNorm.ggufName(layer: layer), LlamaLayerTensor.feedForwardNorm.shape(c)),
                gate: [], up: [], down: [], queryKeyValueBias: bias))
        }
        let embedding = try matrix(LlamaGlobalTensor.tokenEmbedding.ggufName, LlamaGlobalTensor.tokenEmbedding.shape(c))
        let output = c.tiedOutput ? nil : try matrix(LlamaGlobalTensor.output.ggufName, LlamaGlobalTensor.output.shape(c))
        return try LlamaWeights(
            configuration: c, tokenEmbedding: [], layers: layers,
            outputNorm: try vector(LlamaGlobalTensor.outputNorm.ggufName, LlamaGlobalTensor.outputNorm.shape(c)),
            output: c.tiedOutput ? nil : [],
            quantized: QuantizedWeights(tokenEmbedding: embedding, output: output, layers: matrices))
    }

    /// Configuration and weights together, with the weights held as `storage` asks. Quantized
    /// weights are widened once per MLP chunk, so their model runs the MLP in chunks of
    /// `quantizedMLPChunkRows` positions (4× the float32 default: a quarter of the widening work).
    public static func model(_ file: GGUFFile, storage: WeightStorage) throws -> LlamaModel {
        let weights = try weights(file, configuration: try configuration(file), storage: storage)
        return storage == .quantized ? LlamaModel(weights: weights, mlpChunkRows: quantizedMLPChunkRows) : LlamaModel(weights: weights)
    }

    /// Bytes `weights(file, configuration: c, storage: .quantized)` keeps resident
    /// (`LlamaWeights.residentBytes` of that load), from the tensor table alone:
    /// ```
    /// bytes = Σ_matrices encoded size + 4 · (norm gains + q/k/v biases)
    /// ```
    /// The matrices are the token embedding, the output (untied) and the seven projections of
    /// every block; a tied output shares the embedding's bytes. Throws as `checkTensorShapes`.
    public static func quantizedResidentBytes(_ file: GGUFFile, configuration c: LlamaConfiguration) throws -> Int {
        try checkTensorShapes(file, configuration: c)
        var total = try tensorInfo(file, LlamaGlobalTensor.tokenEmbedding.ggufName).byteSize + 4 * c.embeddingSize
        if !c.tiedOutput { total += try tensorInfo(file, LlamaGlobalTensor.output.ggufName).byteSize }
        for layer in 0..<c.layerCount {
            for tensor in LlamaLayerTensor.allCases where tensor != .attentionNorm && tensor != .feedForwardNorm {
                total += try tensorInfo(file, tensor.ggufName(layer: layer)).byteSize
            }
            total += 4 * 2 * c.embeddingSize
            if c.hasQueryKeyValueBias { total += 4 * LlamaAttentionBias.lengths(c).reduce(0, +) }
        }
        return total
    }

    /// MLP chunk of a quantized model, positions: bounds its two [rows, d_mlp] float temporaries
    /// (12 MiB at d_mlp = 1536, 112 MiB at 14336).
    public static let quantizedMLPChunkRows = 1024
}
