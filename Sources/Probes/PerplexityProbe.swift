import Foundation
import Inference
import RoPE

/// Per-token NLL of one window.
public struct WindowScore: Sendable {
    /// Window index (0-based).
    public let index: Int
    /// The L token ids the model saw.
    public let tokens: [Int32]
    /// NLL in nats at each window position t (token t given 0…t−1); NaN where not scored. Shape [L].
    public let negativeLogLikelihood: [Double]
}

/// Aggregate of a scoring run (see `ScoringProtocol` for the estimator).
public struct ScoreSummary: Equatable, Sendable, Codable {
    public let tokensScored: Int
    /// Mean NLL, nats per token.
    public let meanNLL: Double
    /// exp(meanNLL).
    public let perplexity: Double
    /// Standard error of the mean NLL, sqrt(Var_pop/(n−1)) as llama.cpp computes it (0 for one token).
    public let meanNLLStandardError: Double
    /// perplexity × meanNLLStandardError (llama.cpp's ± on PPL).
    public let perplexityStandardError: Double
    public let windows: Int
    /// Wall time of the forward passes, seconds.
    public let seconds: Double
    /// Window tokens processed per second (L × windows / seconds).
    public let tokensPerSecond: Double
}

/// Scores a token stream with a model under one RoPE scaling and one attention direction.
public struct PerplexityProbe: Sendable {
    public let model: LlamaModel
    public let frequencies: RoPEFrequencies
    public let scoring: ScoringProtocol

    public init(model: LlamaModel, frequencies: RoPEFrequencies, scoring: ScoringProtocol) {
        self.model = model
        self.frequencies = frequencies
        self.scoring = scoring
    }

    /// Runs every window. `onWindow` receives each window's scores (e.g. to stream them to HDF5);
    /// `hooks`/`sink` capture activations; `progress(done, total, tokensPerSecond)` after each window.
    public func run(
        tokens: [Int32], bos: Int32?, hooks: HookSelection = .none, sink: (any HookSink)? = nil,
        onWindow: (WindowScore) throws -> Void = { _ in },
        progress: (Int, Int, Double) -> Void = { _, _, _ in }
    ) throws -> ScoreSummary {
        let windows = try scoring.windows(of: tokens, bos: bos)
        let length = scoring.contextLength
        let positions = scoring.scoredTargets.targetPositions(contextLength: length)
        var sum = 0.0, sumOfSquares = 0.0, count = 0
        var seconds = 0.0
        for (index, window) in windows.enumerated() {
            let targets = positions.map { TokenTarget(row: $0 - 1, token: window[$0]) }
            let start = DispatchTime.now().uptimeNanoseconds
            let result = try model.forward(
                tokens: window, mask: AttentionMask(scoring.attention), frequencies: frequencies,
                logits: .none, targets: targets, hooks: hooks, sink: sink)
            seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if let bad = result.negativeLogLikelihood.firstIndex(where: { !$0.isFinite }) {
                throw ProbeError.nonFiniteResult(
                    quantity: "the NLL of window \(index) at position \(positions.lowerBound + bad)",
                    location: NonFiniteLocator.locate(model: model, tokens: window, mask: AttentionMask(scoring.attention),
                                                      frequencies: frequencies, window: index))
            }
            var perPosition = [Double](repeating: .nan, count: length)
            for (position, nll) in zip(positions, result.negativeLogLikelihood) {
                perPosition[position] = nll
                sum += nll
                sumOfSquares += nll * nll
                count += 1
            }
            try onWindow(WindowScore(index: index, tokens: window, negativeLogLikelihood: perPosition))
            progress(index + 1, windows.count, Double((index + 1) * length) / max(seconds, 1e-9))
        }
        let mean = sum / Double(count)
        guard mean.isFinite, sumOfSquares.isFinite else {
            throw ProbeError.nonFiniteResult(quantity: "the mean NLL over \(count) tokens", location: "every per-token NLL is finite, so their sum overflowed")
        }
        let populationVariance = max(0, sumOfSquares / Double(count) - mean * mean)
        let standardError = count > 1 ? (populationVariance / Double(count - 1)).squareRoot() : 0
        let perplexity = Foundation.exp(mean)
        return ScoreSummary(
            tokensScored: count, meanNLL: mean, perplexity: perplexity, meanNLLStandardError: standardError,
            perplexityStandardError: perplexity * standardError, windows: windows.count, seconds: seconds,
            tokensPerSecond: Double(windows.count * length) / max(seconds, 1e-9))
    }
}
