import Foundation
import Inference
import RoPE

/// Aggregate of a masked-diffusion run (see `MaskedDiffusionProbe` for the estimators).
public struct MaskedDiffusionSummary: Equatable, Sendable, Codable {
    /// Which number `meanNLL` is.
    public let estimator: MaskedDiffusionEstimator
    /// `.bound`: the Monte Carlo upper bound on the NLL, nats per scored token (≥ the true NLL in
    /// expectation). `.maskedCrossEntropy`: mean over samples of the per-window mean cross-entropy
    /// of the masked tokens, nats per masked token (equal to the bound under exact counts).
    public let meanNLL: Double
    /// Standard error of `meanNLL` over samples, sd(perSampleValues)/√k with k = `samplesUsed`;
    /// nil when k < 2. Treating the stratified ratios as independent overstates it slightly.
    public let standardError: Double?
    /// exp(meanNLL): an upper bound on perplexity for `.bound`; for `.maskedCrossEntropy` the
    /// number LongLLaDA plots, which is not a perplexity.
    public let perplexityBound: Double
    /// m summed over windows: the scored (maskable) tokens.
    public let tokensScored: Int
    public let windows: Int
    /// n, samples per window.
    public let samples: Int
    /// Samples with a value: n for `.bound`; for `.maskedCrossEntropy` the samples that masked at
    /// least one token in some window (a sample's value averages only its non-empty windows).
    public let samplesUsed: Int
    /// Masked tokens over all windows and samples.
    public let maskedTokens: Int
    /// Wall time of the forward passes, seconds.
    public let seconds: Double
    /// Window tokens through the model per second: L × (forward passes) / seconds.
    public let tokensPerSecond: Double
    /// v_i per used sample i (the estimate that sample i alone gives over all windows), nats per token.
    public let perSampleValues: [Double]
}

/// One window's share of a masked-diffusion run.
public struct MaskedDiffusionWindow: Sendable {
    /// Window index (0-based).
    public let index: Int
    /// The L token ids of the window (unmasked).
    public let tokens: [Int32]
    /// Per window position, nats; NaN where not scored. `.bound`: the expected contribution
    /// (1/n)·Σ_i [j ∈ M_i]·CE_ij / t_i, whose mean over scored positions is the window's bound.
    /// `.maskedCrossEntropy`: mean CE of position j over the samples that masked it (NaN if none did).
    public let contribution: [Double]
    /// The window's estimate: bound per scored token, or the mean over its non-empty samples of
    /// their masked-token mean CE (NaN if no sample masked anything).
    public let value: Double
}

/// The masked-diffusion estimators of a bidirectional (LLaDA-style) model.
///
/// Windows and scored positions are exactly those of chain-rule scoring
/// (`ScoringProtocol.windows(of:bos:)` and `scoredTargets`): the m scored positions of a window
/// are the candidates for masking, the positions before them are a prompt that is never masked
/// (with `.all`, position 0; BOS when the model adds one), as in LLaDA's conditional likelihood.
/// For each window, n masks M_i with ratios t_i are drawn by `MaskSampler`; each runs ONE
/// bidirectional forward pass over the window with the masked positions replaced by the mask
/// token, and CE_ij = −log p(x_j | masked window) is read from logits row j (row j−1 when
/// `shiftLogits`).
///
/// `.bound` (LLaDA `get_log_likelihood.py`, SMDM `evaluate_diff.py` `mc`, MDLM `diffusion.py`):
/// ```
/// bound = (1/n) Σ_i  Σ_{j∈M_i} CE_ij / t_i  /  m        (nats per scored token)
/// ```
/// summed over windows in numerator and denominator. In expectation over t ~ U(0,1] and the mask
/// it upper-bounds −log p(x_scored | prompt)/m (the masked-diffusion ELBO), so exp(bound) bounds
/// perplexity from above (ratios run over [ε, 1] as in SMDM/MDLM, which leaves out an O(ε) sliver
/// of the integral). A sample that masks no token (Bernoulli at small t) contributes 0 to
/// the sum and still counts in n: that keeps the estimator unbiased.
///
/// `.maskedCrossEntropy` (LongLLaDA `ppl/get_ppl_llada.py`: batch 1, `loss.mean()` over the
/// masked tokens, exp of the mean over 8 samples, then a geometric mean over 64-token chunks):
/// ```
/// masked CE = mean over (window, sample) with M ≠ ∅ of  Σ_{j∈M} CE_j / |M|   (nats per masked token)
/// ```
/// computed as the mean over samples i of v_i = the mean over windows of sample i's value.
/// There is no 1/t weight, but dividing by |M| does the same job when |M| = t·m exactly: under
/// `.exactCount` (l uniform on 1…m, which is what LongLLaDA draws) it equals `.bound` sample by
/// sample (tested), so LongLLaDA's published curve is the per-token bound of each chunk given its
/// prefix. Under `.bernoulli` it is not: |M| is random, so Σ CE/|M| is a ratio estimator that is
/// neither the ELBO nor a bound on anything, and it is undefined when nothing is masked — such
/// samples are skipped (not redrawn) and `samplesUsed` says how many remained. Either way it is
/// a diffusion number: compare it with chain-rule perplexity at most as an upper bound against
/// an exact likelihood, never as like for like.
///
/// Assumptions: attention must be bidirectional (a causal pass refuses: the model never sees
/// masked futures); the model must have been trained as a mask predictor for the bound to mean
/// anything (on an autoregressive model run bidirectionally it is still a finite number).
public struct MaskedDiffusionProbe: Sendable {
    public let model: LlamaModel
    public let frequencies: RoPEFrequencies
    public let scoring: ScoringProtocol
    public let options: MaskedDiffusionOptions
    public let estimator: MaskedDiffusionEstimator

    public init(model: LlamaModel, frequencies: RoPEFrequencies, scoring: ScoringProtocol,
                options: MaskedDiffusionOptions, estimator: MaskedDiffusionEstimator = .bound) {
        self.model = model
        self.frequencies = frequencies
        self.scoring = scoring
        self.options = options
        self.estimator = estimator
    }

    /// Runs every window. `masks` replays recorded masks (e.g. an export, or paired comparisons)
    /// instead of drawing them: each window then needs exactly samples 0…n−1. `onMask` receives
    /// every mask before its pass, `onWindow` each window's contributions, and
    /// `progress(passes done, passes total, tokens per second)` follows every forward pass.
    /// Throws `ProbeError` for a causal scoring protocol, a mask token outside the vocabulary, a
    /// window with no scored position, malformed replayed masks, or (masked CE) no masked token at all.
    public func run(
        tokens: [Int32], bos: Int32?, masks: [MaskRecord]? = nil,
        onMask: ((MaskRecord) throws -> Void)? = nil,
        onWindow: ((MaskedDiffusionWindow) throws -> Void)? = nil,
        progress: (Int, Int, Double) -> Void = { _, _, _ in }
    ) throws -> MaskedDiffusionSummary {
        try validate()
        let windows = try scoring.windows(of: tokens, bos: bos)
        let length = scoring.contextLength
        let scored = scoring.scoredTargets.targetPositions(contextLength: length)
        let candidates = Array(scored)
        guard !candidates.isEmpty else {
            throw ProbeError.invalidParameter(name: "scored positions", value: "none at context length \(length)",
                                              allowed: "a context length with at least one scored position")
        }
        let replay = try masks.map { try Self.group($0, windows: windows.count, samples: options.samples, candidates: candidates) }
        let sampler = MaskSampler(options: options)
        let n = options.samples
        // Bound: Σ CE/t per sample. Masked CE: per sample, the sum over windows of the mean CE of
        // its masked tokens, and the number of windows where it masked any.
        var sampleSums = [Double](repeating: 0, count: n), sampleCounts = [Int](repeating: 0, count: n)
        var maskedTokens = 0, passes = 0, seconds = 0.0
        for (index, window) in windows.enumerated() {
            let records = replay?[index] ?? sampler.masks(window: index, candidates: candidates)
            var sums = [Double](repeating: 0, count: length), counts = [Int](repeating: 0, count: length)
            var recordMeans: [Double] = []
            for record in records {
                try onMask?(record)
                let start = DispatchTime.now().uptimeNanoseconds
                let nll = try negativeLogLikelihoods(window: window, record: record)
                if !nll.isEmpty {
                    seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    passes += 1
                }
                var total = 0.0
                for (position, value) in zip(record.maskedPositions, nll) {
                    let term = estimator == .bound ? value / record.ratio : value
                    sums[position] += term
                    counts[position] += 1
                    total += term
                }
                switch estimator {
                case .bound: sampleSums[record.sample] += total
                case .maskedCrossEntropy where !nll.isEmpty:
                    recordMeans.append(total / Double(nll.count))
                    sampleSums[record.sample] += total / Double(nll.count)
                    sampleCounts[record.sample] += 1
                case .maskedCrossEntropy: break
                }
                maskedTokens += nll.count
                progress(index * n + record.sample + 1, windows.count * n, Double(passes * length) / max(seconds, 1e-9))
            }
            let contribution = (0..<length).map { position -> Double in
                guard scored.contains(position) else { return .nan }
                switch estimator {
                case .bound: return sums[position] / Double(n)
                case .maskedCrossEntropy: return counts[position] > 0 ? sums[position] / Double(counts[position]) : .nan
                }
            }
            let value = estimator == .bound
                ? sums.reduce(0, +) / Double(n) / Double(candidates.count)
                : (recordMeans.isEmpty ? .nan : recordMeans.reduce(0, +) / Double(recordMeans.count))
            try onWindow?(MaskedDiffusionWindow(index: index, tokens: window, contribution: contribution, value: value))
        }
        let tokensScored = windows.count * candidates.count
        let perSample: [Double]
        switch estimator {
        case .bound: perSample = sampleSums.map { $0 / Double(tokensScored) }
        case .maskedCrossEntropy:
            perSample = zip(sampleSums, sampleCounts).compactMap { sum, count in count > 0 ? sum / Double(count) : nil }
            guard !perSample.isEmpty else {
                throw ProbeError.invalidParameter(
                    name: "masks", value: "no sample masked any token", allowed: "more samples, a larger ratio floor or --mask-count exact")
            }
        }
        let k = Double(perSample.count)
        let mean = perSample.reduce(0, +) / k
        let variance = perSample.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / max(k - 1, 1)
        return MaskedDiffusionSummary(
            estimator: estimator, meanNLL: mean, standardError: perSample.count > 1 ? (variance / k).squareRoot() : nil,
            perplexityBound: Foundation.exp(mean), tokensScored: tokensScored, windows: windows.count, samples: n,
            samplesUsed: perSample.count, maskedTokens: maskedTokens, seconds: seconds,
            tokensPerSecond: Double(passes * length) / max(seconds, 1e-9), perSampleValues: perSample)
    }

    /// CE_j = −log p(x_j | masked window), nats, for each masked position of `record` (aligned
    /// with `record.maskedPositions`): one bidirectional forward pass over `window` with those
    /// positions replaced by the mask token, target row j (or j−1 with `shiftLogits`). No pass and
    /// an empty result when nothing is masked.
    public func negativeLogLikelihoods(window: [Int32], record: MaskRecord) throws -> [Double] {
        guard !record.maskedPositions.isEmpty else { return [] }
        var input = window
        var targets: [TokenTarget] = []
        targets.reserveCapacity(record.maskedPositions.count)
        for position in record.maskedPositions {
            guard window.indices.contains(position), !options.shiftLogits || position >= 1 else {
                throw ProbeError.invalidParameter(
                    name: "masked position", value: "\(position)",
                    allowed: "window positions \(options.shiftLogits ? 1 : 0)..<\(window.count)")
            }
            input[position] = options.maskTokenID
            targets.append(TokenTarget(row: options.shiftLogits ? position - 1 : position, token: window[position]))
        }
        return try model.forward(tokens: input, mask: AttentionMask(scoring.attention), frequencies: frequencies,
                                 logits: .none, targets: targets).negativeLogLikelihood
    }

    private func validate() throws {
        guard scoring.attention == .bidirectional else {
            throw ProbeError.invalidParameter(
                name: "attention", value: scoring.attention.rawValue,
                allowed: "bidirectional for the masked-diffusion estimators (a causal pass never sees the masked future)")
        }
        let vocabulary = model.configuration.vocabularySize
        guard Int(options.maskTokenID) < vocabulary else {
            throw ProbeError.invalidParameter(name: "mask token id", value: "\(options.maskTokenID)",
                                              allowed: "0..<\(vocabulary) (the model's vocabulary)")
        }
    }

    /// Replayed masks by window; each window needs samples 0…n−1 once, ratios in (0, 1] and
    /// ascending distinct positions among the candidates.
    private static func group(_ records: [MaskRecord], windows: Int, samples: Int, candidates: [Int]) throws -> [[MaskRecord]] {
        var grouped = [[MaskRecord?]](repeating: [MaskRecord?](repeating: nil, count: samples), count: windows)
        let allowed = Set(candidates)
        for record in records {
            guard (0..<windows).contains(record.window), (0..<samples).contains(record.sample),
                  grouped[record.window][record.sample] == nil else {
                throw ProbeError.invalidParameter(
                    name: "mask record", value: "window \(record.window) sample \(record.sample)",
                    allowed: "windows 0..<\(windows) and samples 0..<\(samples), each pair once")
            }
            guard record.ratio > 0, record.ratio <= 1,
                  record.maskedPositions.allSatisfy(allowed.contains),
                  zip(record.maskedPositions, record.maskedPositions.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw ProbeError.invalidParameter(
                    name: "mask record", value: "window \(record.window) sample \(record.sample)",
                    allowed: "a ratio in (0, 1] and ascending distinct positions in \(candidates.first ?? 0)...\(candidates.last ?? 0)")
            }
            grouped[record.window][record.sample] = record
        }
        return try grouped.enumerated().map { window, slots in
            try slots.enumerated().map { sample, slot in
                guard let slot else {
                    throw ProbeError.invalidParameter(name: "mask records", value: "window \(window) sample \(sample) missing",
                                                      allowed: "samples 0..<\(samples) for every window")
                }
                return slot
            }
        }
    }
}
