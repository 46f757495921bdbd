import Inference
import RoPE

/// How a passkey prompt is answered and scored.
public enum PasskeyMethod: Equatable, Sendable {
    /// Causal models: greedy KV-cached decoding; the answer's log-probability by the chain rule.
    case causal
    /// Masked-diffusion (bidirectional) models: LLaDA's sampler; the log-probability from one pass
    /// with every answer position masked.
    case maskedDiffusion(DiffusionSampler)
}

/// The three scores of one prompt.
public struct PasskeyTrialScore: Equatable, Sendable {
    /// The model's answer, as many tokens as the true answer.
    public let generated: [Int32]
    /// log p(true answer | prompt), nats (≤ 0).
    public let answerLogProbability: Double
    /// log p(distractor | prompt) of each distractor, nats, scored exactly as the true answer.
    public let distractorLogProbabilities: [Double]
    /// True when `generated` equals the true answer's tokens.
    public let exactMatch: Bool

    /// 1 + the number of distractors strictly more probable than the true answer (1 = best).
    public var rank: Int { 1 + distractorLogProbabilities.filter { $0 > answerLogProbability }.count }
}

/// Scores prompts with one model and one RoPE table.
///
/// Estimators (stated in the archive):
/// - causal: exact match of the greedy continuation (KV cache: one prefill of the prompt, then one
///   cached step per answer token); log p(a | prompt) = Σ_i log softmax(logits_{P−1+i})[a_i] with
///   the answer teacher-forced (the prefill is rolled back and reused for every candidate).
/// - masked diffusion: exact match of LLaDA's sampler output; log p(a | prompt) ≈
///   Σ_i log softmax(logits_{P+i})[a_i] from ONE bidirectional pass with all n answer positions
///   masked (each token predicted from the prompt alone, not a chain rule: the factorised
///   "all-masked" score LongLLaDA/UltraLLaDA-style evaluations use for short answers). Every
///   candidate of the same token count is scored from that same pass.
public struct PasskeyScorer: Sendable {
    public let model: LlamaModel
    public let frequencies: RoPEFrequencies
    public let method: PasskeyMethod

    public init(model: LlamaModel, frequencies: RoPEFrequencies, method: PasskeyMethod) {
        self.model = model
        self.frequencies = frequencies
        self.method = method
    }

    /// Scores `prompt` (P ≥ 1 tokens) against `answer` (n ≥ 1 tokens) and `distractors` (each of n
    /// tokens under masked diffusion; any length ≥ 1 for causal models).
    public func score(prompt: [Int32], answer: [Int32], distractors: [[Int32]]) throws -> PasskeyTrialScore {
        guard !answer.isEmpty, distractors.allSatisfy({ !$0.isEmpty }) else { throw ProbeError.emptyText }
        switch method {
        case .causal: return try causal(prompt: prompt, answer: answer, distractors: distractors)
        case let .maskedDiffusion(sampler):
            return try masked(prompt: prompt, answer: answer, distractors: distractors, sampler: sampler)
        }
    }

    private func causal(prompt: [Int32], answer: [Int32], distractors: [[Int32]]) throws -> PasskeyTrialScore {
        let longest = ([answer] + distractors).map(\.count).max() ?? answer.count
        let cache = try KeyValueCache(model: model, capacity: prompt.count + longest, frequencies: frequencies)
        let last = try model.extend(cache, tokens: prompt).logits
        var generated = [last.withUnsafeBufferPointer { TokenSampler.argmax($0) }]
        while generated.count < answer.count {
            let row = try model.extend(cache, tokens: [generated[generated.count - 1]]).logits
            generated.append(row.withUnsafeBufferPointer { TokenSampler.argmax($0) })
        }
        func logProbability(_ candidate: [Int32]) throws -> Double {
            try cache.truncate(to: prompt.count)
            var total = -last.withUnsafeBufferPointer { Scoring.negativeLogLikelihood($0, token: Int(candidate[0])) }
            if candidate.count > 1 {
                let targets = (0..<(candidate.count - 1)).map { TokenTarget(row: $0, token: candidate[$0 + 1]) }
                total -= try model.extend(cache, tokens: Array(candidate.dropLast()), logits: LogitRows.none, targets: targets)
                    .negativeLogLikelihood.reduce(0, +)
            }
            return total
        }
        return PasskeyTrialScore(generated: generated, answerLogProbability: try logProbability(answer),
                                 distractorLogProbabilities: try distractors.map(logProbability), exactMatch: generated == answer)
    }

    private func masked(prompt: [Int32], answer: [Int32], distractors: [[Int32]], sampler: DiffusionSampler) throws -> PasskeyTrialScore {
        let n = answer.count
        if let bad = distractors.first(where: { $0.count != n }) {
            throw ProbeError.invalidParameter(name: "distractor", value: "of \(bad.count) tokens",
                                              allowed: "\(n) tokens, the answer's length (one masked pass scores all candidates)")
        }
        let positions = Array(prompt.count..<(prompt.count + n))
        let rows = positions.map { sampler.shiftLogits ? $0 - 1 : $0 }
        let input = prompt + [Int32](repeating: sampler.maskTokenID, count: n)
        let pass = try model.forward(tokens: input, mask: .bidirectional, frequencies: frequencies, logits: .rows(rows))
        let V = pass.vocabularySize
        func logProbability(_ candidate: [Int32]) -> Double {
            pass.logits.withUnsafeBufferPointer { all in
                (0..<n).reduce(0.0) { total, i in
                    total - Scoring.negativeLogLikelihood(UnsafeBufferPointer(rebasing: all[i * V..<(i + 1) * V]), token: Int(candidate[i]))
                }
            }
        }
        let generated = try sampler.generate(model: model, prompt: prompt, length: n, frequencies: frequencies).tokens
        return PasskeyTrialScore(generated: generated, answerLogProbability: logProbability(answer),
                                 distractorLogProbabilities: distractors.map(logProbability), exactMatch: generated == answer)
    }
}
