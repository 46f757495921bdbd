import Foundation
import Inference
import Probes
import RoPE

/// NLL by window position of one run, averaged in equal-width bins (for the report's figure).
public struct PositionCurve: Equatable, Sendable {
    /// What ran: a candidate spec, or `trained (T_train)` for the baseline.
    public let label: String
    /// Bin centres, window positions (tokens). Shape [n].
    public let position: [Double]
    /// Mean NLL per bin, nats/token (NaN for an empty bin). Shape [n].
    public let meanNLL: [Double]
}

/// What the empirical checks measured.
public struct EmpiricalOutcome: Sendable {
    /// Checks per candidate spec (`EmpiricalChecks.names` order).
    public let checks: [String: [CheckResult]]
    /// NLL by position: the baseline at T_train first, then each candidate run at T_target.
    public let curves: [PositionCurve]
    /// What was scaled down or skipped, and why.
    public let notes: [String]
    /// Passkey accuracy per candidate that ran (depth × length).
    public var passkey: [PasskeyHeatmap] = []
    /// Mean local attention mass: the trained run at T_train first, then each candidate at T_target.
    public var localMass: [LocalMassPoint] = []
}

/// Runs `perplexity-at-target` and `late-window-nll` on the probe engine (`PerplexityGridRunner`,
/// the `score` protocol cell by cell), scaled to a time budget.
///
/// Estimator: chain-rule NLL for causal attention; the masked-diffusion bound (exact-count
/// samples, 8 by default, 2…32 as the budget allows) for bidirectional attention. Baseline: the model's own (declared) scaling on windows
/// of T_train; each candidate on windows of T_target, all positions scored, the same windows for
/// every candidate. Checks:
/// ```
/// perplexity-at-target = mean NLL(candidate, T_target) − mean NLL(baseline, T_train)   ≤ perplexity-increase
/// late-window-nll      = mean NLL at positions ≥ T_train − mean NLL at positions [T_train/2, T_train)
///                        of the same T_target windows                                   ≤ late-window-increase
/// ```
/// Cost model (after timing one causal calibration window of L_c = min(T_train, 256) tokens):
/// ```
/// work(L)    = 2P·L + 4·n_layer·w_q·K(L)     K(L) = L·(L+1)/2 causal (the tiled kernel stops each
///                                            query block at its last query), L² bidirectional
/// seconds(L) = s_c · work(L) / work_causal(L_c)
/// ```
/// per forward pass, P the parameter count, w_q the query width, K(L) the query·key pairs. The minimum budget is one baseline window plus one
/// candidate window; more budget buys more windows (up to what the text holds), less budget runs
/// the best-ranked candidates only and says which were skipped.
public struct EmpiricalRunner {
    public let context: ProbeContext
    public let tokens: [Int32]
    public let attention: AttentionDirection
    public let budgetSeconds: Double

    public init(context: ProbeContext, tokens: [Int32], attention: AttentionDirection, budgetSeconds: Double) {
        self.context = context
        self.tokens = tokens
        self.attention = attention
        self.budgetSeconds = budgetSeconds
    }

    /// Masked-diffusion samples per window for bidirectional attention when the budget allows
    /// (fewer down to 2 when it does not, more up to 32 once every window of the text is scored).
    public static let maskedSamples = 8
    public static let maskedSampleRange = 2...32

    /// Share of the budget the perplexity windows may use when more than one window fits (causal).
    public static let perplexityShare = 0.6

    /// Seconds of one forward pass of `length` tokens under `attention`, from a causal calibration
    /// pass of `calibrationLength` tokens that took `seconds` (see the cost model above: a causal
    /// pass multiplies L·(L+1)/2 query·key pairs, a bidirectional one L²).
    public static func passSeconds(length: Int, calibrationLength: Int, seconds: Double, configuration c: LlamaConfiguration,
                                   attention: AttentionDirection = .causal) -> Double {
        let p = Double(parameterCount(c))
        let attentionWidth = 4 * Double(c.layerCount * c.queryWidth)
        func work(_ l: Double, _ direction: AttentionDirection) -> Double {
            let pairs = direction == .causal ? l * (l + 1) / 2 : l * l
            return 2 * p * l + attentionWidth * pairs
        }
        return seconds * work(Double(length), attention) / work(Double(calibrationLength), .causal)
    }

    static func parameterCount(_ c: LlamaConfiguration) -> Int {
        let attention = c.embeddingSize * (2 * c.queryWidth + 2 * c.keyValueWidth)
        let mlp = 3 * c.embeddingSize * c.feedForwardSize
        return c.layerCount * (attention + mlp) + c.vocabularySize * c.embeddingSize
    }

    /// Runs the checks for `candidates` (best-ranked first, so a short budget keeps the best).
    /// Throws `textTooShort`, `budgetTooSmall`, and probe errors.
    public func run(problem: ValidationProblem, candidates: [ValidationCandidate], thresholds: ValidationThresholds,
                    progress: (String) -> Void = { _ in }) throws -> EmpiricalOutcome {
        let (train, target) = (problem.trainLength, problem.targetLength)
        guard tokens.count >= target else { throw VerdictError.textTooShort(tokens: tokens.count, needed: target) }
        var notes: [String] = []
        var estimator = GridEstimator.chainRule
        var masked: MaskedDiffusionOptions?
        if attention == .bidirectional {
            do {
                masked = try MaskedDiffusionOptions(metadata: DiffusionMetadata(file: context.file), samples: Self.maskedSamples,
                                                    seed: 0, rule: .exactCount)
                estimator = .maskedDiffusion
            } catch {
                let reason = "bidirectional attention needs the masked-diffusion estimator and a mask token (\(error))"
                return EmpiricalOutcome(checks: Dictionary(uniqueKeysWithValues: candidates.map {
                    ($0.spec, EmpiricalChecks.skipped(reason: reason)) }), curves: [], notes: ["empirical checks skipped: \(reason)"])
            }
        }
        // Calibration: one short causal window.
        let calibrationLength = max(2, min(train, 256))
        let calibration = try PerplexityProbe(
            model: context.model, frequencies: context.frequencies(context.declaredScaling),
            scoring: ScoringProtocol(contextLength: calibrationLength, maximumWindows: 1)).run(tokens: tokens, bos: context.windowBOS)
        func pass(_ length: Int) -> Double {
            Self.passSeconds(length: length, calibrationLength: calibrationLength, seconds: calibration.seconds,
                             configuration: context.configuration, attention: attention)
        }
        let (trainPass, targetPass) = (pass(train), pass(target))
        let fewestPasses = masked == nil ? 1.0 : Double(Self.maskedSampleRange.lowerBound)
        let minimum = fewestPasses * (trainPass + targetPass) + calibration.seconds
        guard budgetSeconds >= minimum else {
            throw VerdictError.budgetTooSmall(budgetSeconds: budgetSeconds, minimumSeconds: minimum,
                                              what: "one baseline window of \(train) and one candidate window of \(target) tokens "
                                                + (masked == nil ? "" : "at \(Int(fewestPasses)) masked samples each ")
                                                + "(estimated on this machine from a \(calibrationLength)-token pass)")
        }
        let available = tokens.count / target
        let spend = budgetSeconds - calibration.seconds
        // Forward passes per window that the budget buys with every candidate run once.
        let slots = spend / (trainPass + Double(candidates.count) * targetPass)
        var samples = 1, windows = 1, runCount = candidates.count
        if slots < fewestPasses {
            samples = Int(fewestPasses)
            runCount = max(1, Int(((spend / fewestPasses - trainPass) / targetPass).rounded(.down)))
        } else if masked == nil {
            // At most 60% of the budget on windows: the rest buys the passkey and attention probes.
            windows = max(1, min(available, Int((Self.perplexityShare * slots).rounded(.down))))
        } else {
            // Samples first up to the default, then windows, then samples again up to the maximum.
            samples = min(Self.maskedSamples, Int(slots.rounded(.down)))
            windows = max(1, min(available, Int((slots / Double(samples)).rounded(.down))))
            if windows == available {
                samples = max(samples, min(Self.maskedSampleRange.upperBound, Int((slots / Double(available)).rounded(.down))))
            }
        }
        if var options = masked {
            options.samples = samples
            masked = options
        }
        let runCost = Double(windows * samples) * (trainPass + Double(runCount) * targetPass)
        notes.append("empirical: \(windows) window(s) of \(target) tokens per candidate (text holds \(available)), "
            + "estimator \(estimator.rawValue)" + (masked == nil ? "" : " with \(samples) masked samples per window")
            + ", estimated \(Int(runCost.rounded()))s of a \(Int(budgetSeconds))s budget")
        if windows < available { notes.append("budget: \(available - windows) further window(s) per candidate not scored") }
        let skipped = candidates.dropFirst(runCount)
        if !skipped.isEmpty {
            notes.append("budget: no empirical checks for \(skipped.map(\.spec).joined(separator: ", ")) "
                + "(each needs ≈ \(Int((targetPass * Double(windows * samples)).rounded(.up)))s more)")
        }
        let running = Array(candidates.prefix(runCount))

        let specs = [GridSpec(label: "trained", source: .declared)]
            + running.map { GridSpec(label: $0.canonicalSpec, source: .user($0.canonicalSpec)) }
        let definition = PerplexityGridDefinition(
            modelSHA256: "not computed (validate)", texts: [GridText(label: "text", sha256: "", tokenCount: tokens.count)],
            specs: specs, contextLengths: [train, target], estimator: estimator, scoredSpan: .all, maximumWindows: windows,
            attention: attention, positionBinEdges: [1], maskedDiffusion: masked)
        let runner = PerplexityGridRunner(context: context, definition: definition, tokens: [tokens])
        progress("baseline at \(train)")
        let baseline = try runner.run(GridCellKey(text: 0, spec: 0, length: 0))
        guard let base = baseline.summary else {
            throw ProbeError.invalidParameter(name: "baseline", value: baseline.skipReason ?? "skipped", allowed: "a scored window")
        }
        let binWidth = max(1, target / 32)
        var curves = [Self.curve("trained (\(train))", base, binWidth: binWidth, length: train)]
        var checks: [String: [CheckResult]] = [:]
        for (index, candidate) in running.enumerated() {
            progress("\(candidate.spec) at \(target)")
            let cell = try runner.run(GridCellKey(text: 0, spec: index + 1, length: 1))
            guard let summary = cell.summary else {
                checks[candidate.spec] = EmpiricalChecks.skipped(reason: cell.skipReason ?? "cell skipped")
                continue
            }
            curves.append(Self.curve(candidate.spec, summary, binWidth: binWidth, length: target))
            checks[candidate.spec] = Self.checks(summary, baseline: base, problem: problem, thresholds: thresholds,
                                                 estimator: estimator, windows: windows)
        }
        for candidate in skipped {
            checks[candidate.spec] = EmpiricalChecks.skipped(reason: "budget: not run (best-ranked candidates first)")
        }
        let probed = running.filter { checks[$0.spec]?.first?.status != .skipped }
        let left = spend - runCost
        let probes = try probeChecks(problem: problem, candidates: probed, thresholds: thresholds, seconds: left,
                                     trainPass: trainPass, targetPass: targetPass, progress: progress)
        for (spec, results) in probes.checks {
            checks[spec] = (checks[spec] ?? []).map { check in results.first { $0.name == check.name } ?? check }
        }
        var outcome = EmpiricalOutcome(checks: checks, curves: curves, notes: notes + probes.notes)
        outcome.passkey = probes.heatmaps
        outcome.localMass = probes.localMass
        return outcome
    }

    static func checks(_ summary: GridCellSummary, baseline: GridCellSummary, problem: ValidationProblem,
                       thresholds: ValidationThresholds, estimator: GridEstimator, windows: Int) -> [CheckResult] {
        let increase = summary.meanNLL - baseline.meanNLL
        let limit = thresholds.value(.perplexityIncrease, for: problem)
        let what = estimator == .chainRule ? "mean NLL" : "masked-diffusion bound"
        let perplexity = CheckResult(
            name: "perplexity-at-target", kind: .empirical, status: increase <= limit ? .passed : .failed, value: increase,
            threshold: limit, unit: "nats/token",
            reason: "\(what) \(AnalyticChecks.fmt(summary.meanNLL, 4)) ± \(AnalyticChecks.fmt(summary.standardError, 2)) nats/token at "
                + "\(problem.targetLength) against \(AnalyticChecks.fmt(baseline.meanNLL, 4)) at the trained \(problem.trainLength) "
                + "(\(summary.tokensScored) and \(baseline.tokensScored) tokens, \(windows) window(s) each)",
            source: EmpiricalChecks.source("perplexity-at-target"), preference: .lower)
        let train = problem.trainLength
        var late = (0.0, 0), early = (0.0, 0)
        for (nll, position) in zip(summary.tokenNLL, summary.tokenPosition) {
            if Int(position) >= train { late = (late.0 + nll, late.1 + 1) }
            else if Int(position) >= train / 2 { early = (early.0 + nll, early.1 + 1) }
        }
        let lateLimit = thresholds.value(.lateWindowIncrease, for: problem)
        guard late.1 > 0, early.1 > 0 else {
            return [perplexity, CheckResult.skipped("late-window-nll", kind: .empirical, unit: "nats/token",
                                                    reason: "skipped: no scored positions past T_train", source: EmpiricalChecks.source("late-window-nll")),
                    ] + EmpiricalChecks.skipped(reason: "not run").suffix(2)
        }
        let (lateMean, earlyMean) = (late.0 / Double(late.1), early.0 / Double(early.1))
        let blowUp = lateMean - earlyMean
        let lateCheck = CheckResult(
            name: "late-window-nll", kind: .empirical, status: blowUp <= lateLimit ? .passed : .failed, value: blowUp,
            threshold: lateLimit, unit: "nats/token",
            reason: "positions ≥ \(train) average \(AnalyticChecks.fmt(lateMean, 4)) nats/token against "
                + "\(AnalyticChecks.fmt(earlyMean, 4)) over [\(train / 2), \(train)) of the same windows",
            source: EmpiricalChecks.source("late-window-nll"), preference: .lower)
        return [perplexity, lateCheck] + EmpiricalChecks.skipped(reason: "not run").suffix(2)
    }

    static func curve(_ label: String, _ summary: GridCellSummary, binWidth: Int, length: Int) -> PositionCurve {
        let bins = (length + binWidth - 1) / binWidth
        var sums = [Double](repeating: 0, count: bins), counts = [Int](repeating: 0, count: bins)
        for (nll, position) in zip(summary.tokenNLL, summary.tokenPosition) {
            let bin = min(bins - 1, Int(position) / binWidth)
            sums[bin] += nll
            counts[bin] += 1
        }
        return PositionCurve(label: label, position: (0..<bins).map { (Double($0) + 0.5) * Double(binWidth) },
                             meanNLL: zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : .nan })
    }
}
