/// How a loaded model holds its weight matrices.
public enum WeightStorage: String, Sendable, CaseIterable {
    /// Every weight dequantised to float32 at load (4 bytes per weight; the default).
    case float32
    /// The matrices (token embedding, output, the seven projections of every block) stay in their
    /// GGUF encoding in the file's memory mapping and are widened per tile during the products;
    /// the norm gains are float32.
    case quantized
}

/// The matrices of a `LlamaWeights` that stay in their GGUF encoding. A tensor listed here has an
/// empty float32 array in `LlamaWeights` / `LlamaLayerWeights`.
public struct QuantizedWeights: Sendable {
    /// `token_embd.weight`, [V, d_model].
    public var tokenEmbedding: QuantizedMatrix?
    /// `output.weight`, [V, d_model] (nil when tied or float32).
    public var output: QuantizedMatrix?
    /// Per block (`blk.0` first): the quantized matrices of that block. Empty, or one entry per layer.
    public var layers: [[LlamaLayerTensor: QuantizedMatrix]]

    /// Nothing quantized: the float32 path.
    public static let none = QuantizedWeights(tokenEmbedding: nil, output: nil, layers: [])

    /// Stores the matrices as given; `LlamaWeights.init` checks their shapes.
    public init(tokenEmbedding: QuantizedMatrix?, output: QuantizedMatrix?, layers: [[LlamaLayerTensor: QuantizedMatrix]]) {
        self.tokenEmbedding = tokenEmbedding
        self.output = output
        self.layers = layers
    }

    /// The quantized matrix of `tensor` in block `layer`, if any.
    func matrix(_ layer: Int, _ tensor: LlamaLayerTensor) -> QuantizedMatrix? {
        layer < layers.count ? layers[layer][tensor] : nil
    }

    /// Every matrix with its GGUF name.
    var all: [QuantizedMatrix] {
        [tokenEmbedding, output].compactMap { $0 } + layers.flatMap { $0.values }
    }

    /// Encoded bytes of all quantized matrices.
    public var byteCount: Int { all.reduce(0) { $0 + $1.byteCount } }
}

extension LlamaWeights {
    /// Bytes the weights keep resident: 4 per float32 value (biases included) plus the encoded size of every
    /// quantized matrix (its mapped pages).
    public var residentBytes: Int {
        let floats = tokenEmbedding.count + outputNorm.count + (output?.count ?? 0)
            + layers.reduce(0) { total, layer in
                total + LlamaLayerTensor.allCases.reduce(0) { $0 + layer[$1].count }
                    + (layer.queryKeyValueBias.map { $0.query.count + $0.key.count + $0.value.count } ?? 0)
            }
        return 4 * floats + quantized.byteCount
    }

    /// Widens the token embedding row of `token` into `output[0..<d_model]`.
    func embeddingRow(_ token: Int, into output: UnsafeMutablePointer<Float>) {
        let width = configuration.embeddingSize
        if let matrix = quantized.tokenEmbedding {
            matrix.dequantize(rows: token..<(token + 1), into: output)
        } else {
            tokenEmbedding.withUnsafeBufferPointer { table in
                guard let base = table.baseAddress else { return }
                output.update(from: base + token * width, count: width)
            }
        }
    }

    /// The quantized [V, d_model] output projection (`output.weight`, or the tied embedding), if quantized.
    var quantizedOutputProjection: QuantizedMatrix? {
        configuration.tiedOutput ? quantized.tokenEmbedding : quantized.output
    }
}
