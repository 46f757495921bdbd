import Inference
import RoPE

/// Which per-token number the interference probe compares packed against alone.
public enum InterferenceEstimator: Equatable, Sendable {
    /// Causal models: the exact next-token NLL −log p(x_j | window before j), nats.
    case chainRule
    /// Bidirectional (masked-diffusion) models: each token's expected contribution to the Monte
    /// Carlo bound, (1/n)·Σ_i [j ∈ M_i]·CE_ij / t_i, nats, with masks drawn per document.
    case maskedDiffusion(MaskedDiffusionOptions)

    /// `chain-rule` or `masked-diffusion`.
    public var name: String {
        switch self {
        case .chainRule: return GridEstimator.chainRule.rawValue
        case .maskedDiffusion: return GridEstimator.maskedDiffusion.rawValue
        }
    }
}

/// Scores the documents of one window (packed, or one document alone) token by token.
///
/// Scored positions of a document of length n are j = 1…n−1 (in-document positions; token 0 has
/// no in-document context and is never scored or masked). Per document the result is [n] nats
/// with NaN at j = 0.
///
/// - Chain rule (causal attention): one forward pass over the window; value_j = −log softmax(
///   logits_{o+j−1})[x_j], o the document's window offset.
/// - Masked diffusion (bidirectional attention): the n masks of document d are
///   `MaskSampler.masks(window: d, candidates: 1…len_d−1)`, drawn in document coordinates from
///   (seed, document index, truncated length) alone, so a document gets exactly the same masks
///   alone and in every packing (a paired comparison). Sample i runs ONE pass over the window with
///   every document's sample-i mask applied at once; value_j = (1/n)·Σ_i [j ∈ M_i]·CE_ij / t_i
///   (row o+j, or o+j−1 when the GGUF shifts logits). The mean over j is the document's bound.
public struct InterferenceScorer: Sendable {
    /// The model scored.
    public let model: LlamaModel
    /// θ′ and attention factor of the spec, the same alone and packed.
    public let frequencies: RoPEFrequencies
    /// Chain rule or masked diffusion.
    public let estimator: InterferenceEstimator

    /// Throws `ProbeError.invalidParameter` for a mask token outside the vocabulary.
    public init(model: LlamaModel, frequencies: RoPEFrequencies, estimator: InterferenceEstimator) throws {
        self.model = model
        self.frequencies = frequencies
        self.estimator = estimator
        if case let .maskedDiffusion(options) = estimator, Int(options.maskTokenID) >= model.configuration.vocabularySize {
            throw ProbeError.invalidParameter(name: "mask token id", value: "\(options.maskTokenID)",
                                              allowed: "0..<\(model.configuration.vocabularySize) (the model's vocabulary)")
        }
    }

    /// The input of document `tokens` alone: its own window, positions 0…n−1, the plain mask.
    public static func alone(_ tokens: [Int32], attention: AttentionDirection) -> PackedInput {
        PackedInput(tokens: tokens, positions: Array(tokens.indices), mask: AttentionMask(attention), offsets: [0])
    }

    /// Per-document values of `input`, aligned with `documents` (global document indices, in
    /// window order, used to draw masks) and `lengths` (their token counts in the window).
    public func score(_ input: PackedInput, documents: [Int], lengths: [Int]) throws -> [[Double]] {
        switch estimator {
        case .chainRule:
            var targets: [TokenTarget] = []
            for (offset, length) in zip(input.offsets, lengths) {
                for j in 1..<length { targets.append(TokenTarget(row: offset + j - 1, token: input.tokens[offset + j])) }
            }
            let nll = try model.forward(tokens: input.tokens, positions: input.positions, mask: input.mask,
                                        frequencies: frequencies, logits: .none, targets: targets).negativeLogLikelihood
            var values: [[Double]] = [], cursor = 0
            for length in lengths {
                values.append([.nan] + Array(nll[cursor..<(cursor + length - 1)]))
                cursor += length - 1
            }
            return values
        case let .maskedDiffusion(options):
            return try masked(input, documents: documents, lengths: lengths, options: options)
        }
    }

    private func masked(_ input: PackedInput, documents: [Int], lengths: [Int],
                        options: MaskedDiffusionOptions) throws -> [[Double]] {
        let sampler = MaskSampler(options: options)
        let records = zip(documents, lengths).map { document, length in
            sampler.masks(window: document, candidates: Array(1..<length))
        }
        var sums = lengths.map { [Double](repeating: 0, count: $0) }
        for sample in 0..<options.samples {
            var tokens = input.tokens
            var targets: [TokenTarget] = [], owners: [(slot: Int, position: Int, ratio: Double)] = []
            for (slot, offset) in input.offsets.enumerated() {
                let record = records[slot][sample]
                for j in record.maskedPositions {
                    tokens[offset + j] = options.maskTokenID
                    targets.append(TokenTarget(row: options.shiftLogits ? offset + j - 1 : offset + j, token: input.tokens[offset + j]))
                    owners.append((slot, j, record.ratio))
                }
            }
            guard !targets.isEmpty else { continue }
            let nll = try model.forward(tokens: tokens, positions: input.positions, mask: input.mask,
                                        frequencies: frequencies, logits: .none, targets: targets).negativeLogLikelihood
            for (owner, value) in zip(owners, nll) { sums[owner.slot][owner.position] += value / owner.ratio }
        }
        return sums.map { row in row.enumerated().map { $0.offset == 0 ? .nan : $0.element / Double(options.samples) } }
    }
}
