/// The q/k/v biases of one qwen2/dream block (llama.cpp `bq`, `bk`, `bv`), float32:
/// ```
/// q = W_Q·n + b_q,   k = W_K·n + b_k,   v = W_V·n + b_v
/// ```
/// added before RoPE (so the bias is rotated with the projection, as in llama.cpp and HF Qwen2).
public struct LlamaAttentionBias: Sendable {
    /// `blk.i.attn_q.bias`, [heads·d_head].
    public var query: [Float]
    /// `blk.i.attn_k.bias`, [kv_heads·d_head].
    public var key: [Float]
    /// `blk.i.attn_v.bias`, [kv_heads·d_head].
    public var value: [Float]

    /// Stores the arrays as given; `LlamaWeights.init` checks them (`check`).
    public init(query: [Float], key: [Float], value: [Float]) {
        self.query = query
        self.key = key
        self.value = value
    }

    /// GGUF names of the three bias tensors of block `layer`, in (q, k, v) order.
    public static func ggufNames(layer: Int) -> [String] {
        ["attn_q", "attn_k", "attn_v"].map { "blk.\(layer).\($0).bias" }
    }

    /// Lengths (q, k, v) for configuration `c`: queryWidth, keyValueWidth, keyValueWidth.
    public static func lengths(_ c: LlamaConfiguration) -> [Int] { [c.queryWidth, c.keyValueWidth, c.keyValueWidth] }

    /// Throws `InferenceError.missingTensor` when the architecture needs biases and `bias` is nil,
    /// `invalidConfiguration` when it has none and `bias` is given, and `tensorShapeMismatch`
    /// naming the tensor for a wrong length.
    static func check(_ bias: LlamaAttentionBias?, layer: Int, configuration c: LlamaConfiguration) throws {
        let names = ggufNames(layer: layer)
        guard let bias else {
            if c.hasQueryKeyValueBias { throw InferenceError.missingTensor(name: names[0]) }
            return
        }
        guard c.hasQueryKeyValueBias else {
            throw InferenceError.invalidConfiguration(
                name: names[0], value: "present", allowed: "absent for architecture \(c.architecture.rawValue)")
        }
        for (values, (name, length)) in zip([bias.query, bias.key, bias.value], zip(names, lengths(c)))
            where values.count != length {
            throw InferenceError.tensorShapeMismatch(name: name, count: values.count, expectedShape: [length])
        }
    }

    /// x[r, :] += b for each of `rows` rows of width `b.count`.
    static func add(_ b: [Float], to x: UnsafeMutablePointer<Float>, rows: Int) {
        let width = b.count
        b.withUnsafeBufferPointer { bias in
            for r in 0..<rows {
                let row = x + r * width
                for i in 0..<width { row[i] += bias[i] }
            }
        }
    }
}
