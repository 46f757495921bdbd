import RoPE

/// Which rows of the [L, V] logits a forward pass returns.
public enum LogitRows: Equatable, Sendable {
    /// Every window position: [L, V] (large for long windows: L·V floats).
    case all
    /// No logits (hooks or scoring targets only).
    case none
    /// These window positions, in this order: [rows.count, V].
    case rows([Int])
}

/// What a forward pass returns.
public struct ForwardResult: Sendable {
    /// Logits of `logitRows`, row-major [logitRows.count, V], float32 (nats, unnormalised).
    public let logits: [Float]
    /// Window position of each logits row.
    public let logitRows: [Int]
    /// V, the length of each logits row.
    public let vocabularySize: Int
    /// NLL of each requested `TokenTarget`, nats; aligned with the targets. The logsumexp is
    /// computed online over vocabulary slices (float32 exp, sums accumulated in Double) and agrees
    /// with the Double reference `Scoring.negativeLogLikelihood` to ≤ 1e-5 nats.
    public let negativeLogLikelihood: [Double]
}

/// A llama/llada decoder running on float32 weights with OpenBLAS.
public struct LlamaModel: Sendable {
    /// Shape-checked weights (and their configuration).
    public let weights: LlamaWeights
    /// Attention tile sizes.
    public var tiling: AttentionTiling
    /// Positions per MLP chunk (bounds the [rows, d_mlp] temporaries); values < 1 act as 1.
    public var mlpChunkRows: Int
    /// Positions per output-projection block: each block streams W_out once (one packing per
    /// vocabulary slice); values < 1 act as 1.
    public var outputBlockRows: Int
    /// Rows of W_out (vocabulary entries) per output-projection slice; with `outputBlockRows`
    /// it bounds the [outputBlockRows, vocabularySliceRows] float temporary; values < 1 act as 1.
    public var vocabularySliceRows: Int

    /// A model over checked weights. The defaults bound the MLP temporaries to a few MB per chunk
    /// and the output-head temporary to 2048 × 2048 floats (16 MiB).
    public init(weights: LlamaWeights, tiling: AttentionTiling = .standard, mlpChunkRows: Int = 256,
                outputBlockRows: Int = 2048, vocabularySliceRows: Int = 2048) {
        self.weights = weights
        self.tiling = tiling
        self.mlpChunkRows = mlpChunkRows
        self.outputBlockRows = outputBlockRows
        self.vocabularySliceRows = vocabularySliceRows
    }

    /// The configuration the weights were checked against.
    public var configuration: LlamaConfiguration { weights.configuration }

    /// RoPE frequencies of `scaling` for this model's rotary geometry (rotary dimension, base).
    public func frequencies(_ scaling: RoPEScaling) throws -> RoPEFrequencies {
        try scaling.frequencies(for: configuration.rotaryGeometry())
    }

    /// Runs the whole window at once:
    /// ```
    /// x = token_embd[tokens];  x = block_i(x) for i = 0…n−1;  logits = RMSNorm(x)·g·W_outᵀ
    /// ```
    /// - Parameters:
    ///   - tokens: window token ids, each in 0…V−1, count L ≥ 1.
    ///   - positions: RoPE position of each token (any integers, e.g. restarting per document);
    ///     nil = 0…L−1.
    ///   - mask: attention mask; nil = the configuration's `defaultAttention`.
    ///   - frequencies: θ'_i (count rotaryDimension/2, finite) and attention factor.
    ///   - logits: which logits rows to return.
    ///   - targets: tokens to score (NLL in Double) without returning their logits.
    ///   - hooks, sink: activations to capture and where to send them.
    ///   - attentionProfile: when given, every layer's attention statistics are added to it
    ///     (`AttentionProfile`); nil runs the plain attention kernel.
    /// - Throws: `InferenceError` for empty windows, out-of-range tokens, targets or rows,
    ///   mismatched lengths, unusable frequencies, unknown hooks.
    public func forward(tokens: [Int32], positions: [Int]? = nil, mask: AttentionMask? = nil,
                        frequencies: RoPEFrequencies, logits: LogitRows = .all, targets: [TokenTarget] = [],
                        hooks: HookSelection = .none, sink: (any HookSink)? = nil,
                        attentionProfile: AttentionProfileRecorder? = nil) throws -> ForwardResult {
        let c = configuration
        let length = tokens.count
        let mask = mask ?? AttentionMask(c.defaultAttention)
        let positions = positions ?? Array(0..<length)
        let rows = try validate(tokens: tokens, positions: positions, mask: mask, frequencies: frequencies,
                                logits: logits, targets: targets)
        let resolved = try hooks.resolve(layerCount: c.layerCount, headCount: c.headCount, length: length)
        let emitter = HookEmitter(hooks: resolved, sink: sink)

        return run(tokens: tokens, positions: positions, plan: MaskPlan(mask), frequencies: frequencies, rows: rows,
                   targets: targets, emitter: emitter, cache: nil, attentionProfile: attentionProfile)
    }

    /// The forward pass on validated inputs; with `cache`, every layer's rotated K and V are
    /// stored at positions `cache.start`… and, when `cache.start` > 0, attention runs over the
    /// cached keys (`CachedAttention`) instead of the window's own.
    func run(tokens: [Int32], positions: [Int], plan: MaskPlan, frequencies: RoPEFrequencies, rows: [Int],
             targets: [TokenTarget], emitter: HookEmitter, cache: CacheSlot?,
             attentionProfile: AttentionProfileRecorder? = nil) -> ForwardResult {
        let c = configuration, length = tokens.count
        let workspace = Workspace(configuration: c, length: length, mlpRows: min(length, max(1, mlpChunkRows)))
        embed(tokens, into: workspace.residual)
        emitter.emit(.embed, shape: [length, c.embeddingSize], workspace.residual)
        let context = ForwardContext(
            rotary: RotaryCache(positions: positions, frequencies: frequencies), plan: plan,
            shape: AttentionShape(length: length, heads: c.headCount, keyValueHeads: c.keyValueHeadCount,
                                  headDimension: c.headDimension),
            emitter: emitter, cache: cache, attentionProfile: attentionProfile)
        for layer in 0..<c.layerCount {
            runBlock(layer, workspace, context)
        }
        RMSNorm.apply(workspace.residual, rows: length, width: c.embeddingSize, weight: weights.outputNorm,
                      epsilon: c.rmsNormEpsilon, into: workspace.normed)
        emitter.emit(.finalNormalized, shape: [length, c.embeddingSize], workspace.normed)
        let (values, nll) = outputs(workspace, rows: rows, targets: targets, emitter: emitter)
        return ForwardResult(logits: values, logitRows: rows, vocabularySize: c.vocabularySize, negativeLogLikelihood: nll)
    }

    /// Copies token_embd rows into the residual stream [L, d_model].
    private func embed(_ tokens: [Int32], into residual: UnsafeMutablePointer<Float>) {
        let width = configuration.embeddingSize
        for (position, token) in tokens.enumerated() {
            weights.embeddingRow(Int(token), into: residual + position * width)
        }
    }

    /// Checks the inputs of `forward`; returns the logits rows to produce.
    func validate(tokens: [Int32], positions: [Int], mask: AttentionMask, frequencies: RoPEFrequencies,
                          logits: LogitRows, targets: [TokenTarget]) throws -> [Int] {
        let c = configuration, length = tokens.count
        guard length > 0 else { throw InferenceError.emptyWindow }
        for (position, token) in tokens.enumerated() where token < 0 || Int(token) >= c.vocabularySize {
            throw InferenceError.tokenOutOfRange(position: position, token: token, vocabularySize: c.vocabularySize)
        }
        guard positions.count == length else {
            throw InferenceError.lengthMismatch(name: "positions", count: positions.count, expected: length)
        }
        try mask.validate(length: length)
        try validate(frequencies: frequencies)
        let rows: [Int]
        switch logits {
        case .all: rows = Array(0..<length)
        case .none: rows = []
        case let .rows(list): rows = list
        }
        if let bad = rows.first(where: { !(0..<length).contains($0) }) {
            throw InferenceError.invalidTarget(name: "logits row", value: "\(bad)", allowed: "window positions 0..<\(length)")
        }
        for target in targets {
            guard (0..<length).contains(target.row) else {
                throw InferenceError.invalidTarget(name: "target row", value: "\(target.row)", allowed: "window positions 0..<\(length)")
            }
            guard target.token >= 0, Int(target.token) < c.vocabularySize else {
                throw InferenceError.invalidTarget(name: "target token", value: "\(target.token)", allowed: "0..<\(c.vocabularySize)")
            }
        }
        return rows
    }

    /// Throws `invalidFrequencies` unless `frequencies` has rotaryDimension/2 finite inverse
    /// frequencies and a finite attention factor.
    func validate(frequencies: RoPEFrequencies) throws {
        let c = configuration, pairs = c.rotaryDimension / 2
        guard frequencies.inverseFrequency.count == pairs else {
            throw InferenceError.invalidFrequencies(
                reason: "\(frequencies.inverseFrequency.count) inverse frequencies for rotary dimension \(c.rotaryDimension): expected \(pairs)")
        }
        guard frequencies.inverseFrequency.allSatisfy(\.isFinite), frequencies.attentionFactor.isFinite else {
            throw InferenceError.invalidFrequencies(reason: "non-finite inverse frequency or attention factor: allowed finite values")
        }
    }
}
