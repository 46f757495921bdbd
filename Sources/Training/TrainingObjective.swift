import Inference
import Probes

/// What the model learns to predict.
public enum TrainingObjective: String, CaseIterable, Sendable, Codable {
    /// Next-token cross-entropy under causal attention (llama):
    /// `loss = (1/(L−1))·Σ_{i<L−1} CE(logits[i], x[i+1])`.
    case ar
    /// LLaDA's masked-diffusion objective under bidirectional attention (Nie et al. 2025, eq. 3):
    /// t ~ U(ε, 1], each token replaced by the mask token with probability t, and
    /// `loss = (1/L)·Σ_{masked i} CE(logits[i], x[i]) / t`.
    case maskedDiffusion = "masked-diffusion"

    /// The attention direction the objective trains with.
    public var direction: AttentionDirection { self == .ar ? .causal : .bidirectional }
    /// The GGUF architecture a checkpoint of this objective is saved as.
    public var architecture: LlamaArchitecture { self == .ar ? .llama : .llada }
}

/// Turns token sequences into `TrainingExample`s for an objective; all randomness comes from the
/// caller's SplitMix64 stream (one `nextUnitInterval` for t, then one per token), so a seed fixes
/// every mask.
public struct ObjectiveSampler: Sendable {
    /// The objective.
    public let objective: TrainingObjective
    /// Token that replaces masked inputs (masked diffusion), 0…V−1.
    public let maskTokenID: Int32
    /// Smallest masking ratio ε, in (0, 1) (LLaDA uses 1e-3).
    public let epsilon: Double

    /// Throws `TrainingError.invalidConfiguration` for ε outside (0, 1).
    public init(objective: TrainingObjective, maskTokenID: Int32, epsilon: Double = 1e-3) throws {
        guard epsilon > 0, epsilon < 1 else {
            throw TrainingError.invalidConfiguration(name: "masking epsilon", value: "\(epsilon)", allowed: "a value in (0, 1)")
        }
        self.objective = objective
        self.maskTokenID = maskTokenID
        self.epsilon = epsilon
    }

    /// The example of `sequence` (L ≥ 2 tokens). `documentIDs` (one per token) selects the
    /// document mask within the objective's direction; `positions` defaults to 0…L−1.
    public func example(_ sequence: [Int32], documentIDs: [Int32]? = nil, positions: [Int]? = nil,
                        generator: inout SplitMix64) -> TrainingExample {
        let L = sequence.count
        let mask: AttentionMask = documentIDs.map { .document(ids: $0, withinDocument: objective.direction) }
            ?? AttentionMask(objective.direction)
        switch objective {
        case .ar:
            let weight = 1 / Double(max(L - 1, 1))
            let targets = (0..<max(L - 1, 0)).map { WeightedTarget(row: $0, token: sequence[$0 + 1], weight: weight) }
            return TrainingExample(tokens: sequence, positions: positions, mask: mask, targets: targets)
        case .maskedDiffusion:
            let t = epsilon + (1 - epsilon) * (1 - generator.nextUnitInterval())   // (ε, 1]
            var tokens = sequence
            var targets: [WeightedTarget] = []
            for i in 0..<L where generator.nextUnitInterval() < t {
                tokens[i] = maskTokenID
                targets.append(WeightedTarget(row: i, token: sequence[i], weight: 1 / (t * Double(L))))
            }
            return TrainingExample(tokens: tokens, positions: positions, mask: mask, targets: targets)
        }
    }
}
