import Foundation
import Inference
import RoPE

/// Runs the cells of a perplexity grid on one `ProbeContext`.
///
/// Every `chain-rule` cell follows the `score` protocol exactly (`ScoringProtocol` +
/// `PerplexityProbe`): a cell's numbers equal `ropescope score MODEL --text-file T --rope
/// <cell's resolved spec> --context-length L` with the same `--windows` and span.
///
/// Skipped, not failed: a text with fewer tokens than L (no whole window), and a standard
/// candidate at L ≤ T_train (it is defined by factor L/T_train > 1). Refused before any cell runs:
/// a context length whose forward pass would not fit in memory (`ForwardMemory`).
public struct PerplexityGridRunner: Sendable {
    public let context: ProbeContext
    public let definition: PerplexityGridDefinition
    /// Token ids of each text (aligned with `definition.texts`).
    public let tokens: [[Int32]]

    public init(context: ProbeContext, definition: PerplexityGridDefinition, tokens: [[Int32]]) {
        self.context = context
        self.definition = definition
        self.tokens = tokens
    }

    /// The scaling of spec `spec` at window length `length`, or the reason the cell is skipped.
    /// Throws `RoPEError` for a user spec the parser or frequency builder rejects.
    public func resolve(spec: Int, length: Int) throws -> Result<RoPEScaling, CellSkip> {
        try definition.specs[spec].resolve(in: context, length: length)
    }

    /// Checks every spec at every length before anything runs (a bad spec is a usage error).
    public func validateSpecs() throws {
        for spec in definition.specs.indices {
            for length in definition.contextLengths { _ = try resolve(spec: spec, length: length) }
        }
    }

    /// Runs one cell. `progress(done, total, tokensPerSecond)` after each window.
    public func run(_ key: GridCellKey, progress: (Int, Int, Double) -> Void = { _, _, _ in }) throws -> GridCellResult {
        let length = definition.contextLengths[key.length]
        let scaling: RoPEScaling
        switch try resolve(spec: key.spec, length: length) {
        case let .failure(skip): return GridCellResult(key: key, resolvedSpec: "", status: .skipped(reason: skip.reason))
        case let .success(value): scaling = value
        }
        let text = tokens[key.text]
        guard text.count >= length else {
            return GridCellResult(key: key, resolvedSpec: scaling.canonicalSpec, status: .skipped(
                reason: "text '\(definition.texts[key.text].label)' has \(text.count) tokens, fewer than one window of \(length)"))
        }
        let summary: GridCellSummary
        switch definition.estimator {
        case .chainRule:
            summary = try chainRule(tokens: text, scaling: scaling, length: length, progress: progress)
        case .maskedDiffusion:
            summary = try masked(.bound, tokens: text, scaling: scaling, length: length, progress: progress)
        case .maskedCE:
            summary = try masked(.maskedCrossEntropy, tokens: text, scaling: scaling, length: length, progress: progress)
        }
        return GridCellResult(key: key, resolvedSpec: scaling.canonicalSpec, status: .done(summary))
    }

    /// The `score` protocol on one text at one length.
    private func chainRule(tokens: [Int32], scaling: RoPEScaling, length: Int,
                           progress: (Int, Int, Double) -> Void) throws -> GridCellSummary {
        let scoring = try ScoringProtocol(contextLength: length, maximumWindows: definition.maximumWindows,
                                          scoredTargets: definition.scoredSpan, attention: definition.attention)
        let probe = PerplexityProbe(model: context.model, frequencies: try context.frequencies(scaling), scoring: scoring)
        var nll: [Double] = [], positions: [Int32] = [], windows: [Int32] = []
        let summary = try probe.run(tokens: tokens, bos: context.windowBOS, onWindow: { window in
            for (position, value) in window.negativeLogLikelihood.enumerated() where !value.isNaN {
                nll.append(value)
                positions.append(Int32(position))
                windows.append(Int32(window.index))
            }
        }, progress: progress)
        return GridCellSummary(meanNLL: summary.meanNLL, standardError: summary.meanNLLStandardError,
                               tokensScored: summary.tokensScored, windows: summary.windows, seconds: summary.seconds,
                               tokensPerSecond: summary.tokensPerSecond, tokenNLL: nll, tokenPosition: positions,
                               tokenWindow: windows)
    }
}

extension PerplexityGridRunner {
    /// A masked-diffusion cell: `MaskedDiffusionProbe` on the same windows and scored positions as
    /// chain-rule scoring, with the grid's options. Masks depend only on (seed, window index,
    /// scored positions): every spec of a text at one length sees the same masks (a paired
    /// comparison), and a cell's numbers do not depend on which other cells, shards or resumes
    /// ran. Per-token values are each scored position's expected contribution (`.bound`: mean
    /// over samples of [masked]·CE/t, whose mean is the bound; `.maskedCrossEntropy`: the mean CE of
    /// the position over the samples that masked it, NaN-free positions only). The standard error
    /// is over samples (NaN when fewer than two samples are usable).
    func masked(_ estimator: MaskedDiffusionEstimator, tokens: [Int32], scaling: RoPEScaling, length: Int,
                progress: (Int, Int, Double) -> Void) throws -> GridCellSummary {
        guard let options = definition.maskedDiffusion else {
            throw ProbeError.invalidParameter(name: "masked-diffusion options", value: "none in the grid definition",
                                              allowed: "samples, seed, mask rule and mask token for \(estimator.rawValue)")
        }
        let scoring = try ScoringProtocol(contextLength: length, maximumWindows: definition.maximumWindows,
                                          scoredTargets: definition.scoredSpan, attention: definition.attention)
        let probe = MaskedDiffusionProbe(model: context.model, frequencies: try context.frequencies(scaling), scoring: scoring,
                                         options: options, estimator: estimator)
        var values: [Double] = [], positions: [Int32] = [], windows: [Int32] = []
        let summary = try probe.run(tokens: tokens, bos: context.windowBOS, onWindow: { window in
            for (position, value) in window.contribution.enumerated() where !value.isNaN {
                values.append(value)
                positions.append(Int32(position))
                windows.append(Int32(window.index))
            }
        }, progress: progress)
        guard summary.meanNLL.isFinite else {
            throw ProbeError.nonFiniteResult(quantity: "\(estimator.rawValue) estimate \(summary.meanNLL)",
                                             location: "context length \(length), spec \(scaling.canonicalSpec)")
        }
        return GridCellSummary(meanNLL: summary.meanNLL, standardError: summary.standardError ?? .nan,
                               tokensScored: summary.tokensScored, windows: summary.windows, seconds: summary.seconds,
                               tokensPerSecond: summary.tokensPerSecond, tokenNLL: values, tokenPosition: positions,
                               tokenWindow: windows)
    }
}

/// Why a cell is skipped.
public struct CellSkip: Error, Equatable, Sendable {
    public var reason: String
}

/// Memory a forward pass of one window needs beyond the weights, estimated from the model's
/// sizes before anything is allocated (float32 = 4 bytes):
/// ```
/// activations  = 4·L·(d_model + max(d_model, H·d_head) + H·d_head + 2·H_kv·d_head)
/// MLP chunk    = 4·2·min(L, 1024)·d_mlp                (256 rows float32, 1024 quantized)
/// panels       = 4·2048·d_model + 512 KiB                (quantized weights widened per tile)
/// attention    = 4·cores·(G·128)·(2·d_head + 256)        (per-worker tiles, G = H/H_kv)
/// output head  = 4·min(L, 2048)·(d_model + 2048) + 16·L  (projection block + NLL/targets)
/// per-token    = 16·L                                    (NLL, position, window of the cell)
/// ```
/// No L×L or L×V buffer exists (tiled attention, logits streamed through an online logsumexp).
public enum ForwardMemory {
    public static func estimate(_ c: LlamaConfiguration, contextLength length: Int) -> Int {
        let (model, query, keyValue) = (c.embeddingSize, c.queryWidth, c.keyValueWidth)
        let activations = 4 * length * (model + max(model, query) + query + 2 * keyValue)
        let mlp = 4 * 2 * min(length, LlamaGGUFLoader.quantizedMLPChunkRows) * c.feedForwardSize
            + 4 * 2048 * model + 512 * 1024
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let attention = 4 * cores * (c.groupSize * 128) * (2 * c.headDimension + 256)
        let output = 4 * min(length, 2048) * (model + 2048) + 16 * length
        return activations + mlp + attention + output + 16 * length
    }

    /// The memory this process may use (physical memory, or a smaller cgroup limit such as a
    /// Slurm job's `--mem`) minus the weights already resident (float32 arrays and mapped
    /// quantized matrices, `LlamaWeights.residentBytes`), bytes.
    public static func available(weights: LlamaWeights) -> Int {
        max(0, processLimit() - weights.residentBytes)
    }

    /// min(physical memory, cgroup v2 `memory.max`, cgroup v1 `memory.limit_in_bytes`), bytes.
    public static func processLimit() -> Int {
        var limit = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            guard let data = FileManager.default.contents(atPath: path),
                  let value = Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
                  value > 0 else { continue }  // "max" (no limit) does not parse
            limit = min(limit, value)
        }
        return limit
    }

    /// Throws `ProbeError.insufficientMemory` when a window of `length` does not fit.
    public static func check(_ context: ProbeContext, contextLength length: Int) throws {
        try check(context.configuration, contextLength: length, availableBytes: available(weights: context.model.weights))
    }

    /// Throws `ProbeError.insufficientMemory` when `estimate(c, contextLength:)` exceeds `availableBytes`.
    public static func check(_ c: LlamaConfiguration, contextLength length: Int, availableBytes: Int) throws {
        let estimate = estimate(c, contextLength: length)
        guard estimate <= availableBytes else {
            throw ProbeError.insufficientMemory(contextLength: length, estimatedBytes: estimate, availableBytes: availableBytes)
        }
    }
}

extension PerplexityGridRunner {
    /// Runs the `selected` cells (flat indices) that `finished` lacks, in flat order, handing each
    /// to `commit` (e.g. `PerplexityGridJournal.commit`) before the next starts, so an interrupted
    /// run loses at most the cell in progress. Returns every selected cell, finished ones included,
    /// in flat order. `progress(flat, window, windows, tokensPerSecond)` after each window;
    /// `cellDone(flat)` after each commit.
    public func run(selected: [Int], finished: [GridCellResult], commit: (GridCellResult) throws -> Void = { _ in },
                    progress: (Int, Int, Int, Double) -> Void = { _, _, _, _ in },
                    cellDone: (Int) -> Void = { _ in }) throws -> [GridCellResult] {
        var results: [Int: GridCellResult] = [:]
        let wanted = Set(selected)
        for cell in finished where wanted.contains(definition.flatIndex(cell.key)) {
            results[definition.flatIndex(cell.key)] = cell
        }
        for flat in selected.sorted() where results[flat] == nil {
            let cell = try run(definition.cell(flat)) { progress(flat, $0, $1, $2) }
            try commit(cell)
            results[flat] = cell
            cellDone(flat)
        }
        return selected.sorted().compactMap { results[$0] }
    }
}
