import Inference

/// One scored token of a training sequence: logits row `row` should predict `token`; its
/// cross-entropy enters the loss with weight `weight`.
public struct WeightedTarget: Equatable, Sendable {
    /// Window position whose logits are scored, 0…L−1.
    public let row: Int
    /// Target token id, 0…V−1.
    public let token: Int32
    /// Weight of this cross-entropy term (e.g. 1/(L−1) for `ar`, 1/(t·L) for `masked-diffusion`).
    public let weight: Double

    /// A target (checked by the model against the sequence and vocabulary).
    public init(row: Int, token: Int32, weight: Double) {
        self.row = row
        self.token = token
        self.weight = weight
    }
}

/// One sequence as the model sees it: input tokens, RoPE positions, attention mask and the
/// weighted targets. Its loss is
/// ```
/// loss = Σ_targets weight·(log Σ_v e^(logit[row, v]) − logit[row, token])   (nats)
/// ```
public struct TrainingExample: Equatable, Sendable {
    /// Input token ids (after masking for masked diffusion), count L ≥ 1.
    public let tokens: [Int32]
    /// RoPE position of each token (0…L−1, or restarting per document).
    public let positions: [Int]
    /// Attention mask (causal, bidirectional or document).
    public let mask: AttentionMask
    /// Scored rows.
    public let targets: [WeightedTarget]

    /// An example; `positions` nil means 0…L−1. Checked when the model runs it.
    public init(tokens: [Int32], positions: [Int]? = nil, mask: AttentionMask, targets: [WeightedTarget]) {
        self.tokens = tokens
        self.positions = positions ?? Array(0..<tokens.count)
        self.mask = mask
        self.targets = targets
    }

    /// Throws `TrainingError.invalidSequence` for an empty sequence, out-of-range tokens or
    /// targets, or positions/document ids of the wrong length.
    func validate(vocabularySize: Int, index: Int = 0) throws {
        guard !tokens.isEmpty else { throw TrainingError.invalidSequence(index: index, reason: "empty: allowed at least 1 token") }
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= vocabularySize }) {
            throw TrainingError.invalidSequence(index: index, reason: "token \(bad): allowed 0..<\(vocabularySize)")
        }
        guard positions.count == tokens.count else {
            throw TrainingError.invalidSequence(index: index, reason: "\(positions.count) positions for \(tokens.count) tokens")
        }
        _ = try TrainingMask(mask, length: tokens.count)
        for target in targets {
            guard (0..<tokens.count).contains(target.row), target.token >= 0, Int(target.token) < vocabularySize,
                  target.weight.isFinite else {
                throw TrainingError.invalidSequence(
                    index: index, reason: "target row \(target.row) token \(target.token) weight \(target.weight): allowed rows 0..<\(tokens.count), tokens 0..<\(vocabularySize), finite weights")
            }
        }
    }
}
