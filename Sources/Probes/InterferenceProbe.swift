import Foundation
import Inference
import RoPE

/// `probe interference`: how much the other documents of a packed window change a document's
/// per-token NLL.
///
/// Estimator and assumptions. The documents are tokenised separately (`InterferenceDocuments`),
/// truncated to L and laid out once per L (`InterferenceLayout`: seeded shuffle, next-fit into
/// windows of ≤ L tokens with room for separators). Every layout window is run under each packing
/// × position mode, and every document is also run alone (its own window, positions 0…n−1, the
/// same spec): the baseline. Per scored token j ≥ 1 of document d
/// ```
/// ΔNLL_dj = value_dj(packed) − value_dj(alone)      (nats)
/// ```
/// with value the chain-rule NLL (causal models: exact) or the token's masked-diffusion bound
/// contribution with the same masks alone and packed (bidirectional models; `InterferenceScorer`).
/// Under `mask` + `restart` a document sees exactly what it sees alone — the same tokens at the
/// same positions — so ΔNLL is 0 up to float rounding (tiles and BLAS blocks differ); under
/// `mask` + `continue` only the absolute positions move, which RoPE's relative form cancels up to
/// the float32 rounding of the rotation. `direct` and `eod` measure real interference. A cell
/// averages over all scored tokens of all documents; ΔNLL > 0 means neighbours hurt.
///
/// Cost per context length: Σ_d len_d tokens alone plus (packings × position modes) passes over
/// every window (× n samples for masked diffusion).
public struct InterferenceRunner: Sendable {
    /// Model, tokenizer and spec resolution.
    public let context: ProbeContext
    /// What to run.
    public let definition: InterferenceDefinition
    /// Token ids of each document (untruncated), aligned with `definition.documents`.
    public let tokens: [[Int32]]

    /// A runner over `tokens` (from `InterferenceDocuments.tokenize`).
    public init(context: ProbeContext, definition: InterferenceDefinition, tokens: [[Int32]]) {
        self.context = context
        self.definition = definition
        self.tokens = tokens
    }

    /// The result of a run.
    public struct Result: Sendable {
        /// Cells in flat order (`InterferenceDefinition.flatIndex`).
        public var cells: [InterferenceCell]
        /// The layout of each context length, aligned with `definition.contextLengths`.
        public var layouts: [InterferenceLayout]
    }

    /// The scaling at window length `length` (`--rope` resolved with L as target, else declared).
    public func scaling(length: Int) throws -> RoPEScaling {
        try context.scaling(definition.spec, targetLength: length)
    }

    /// Runs every cell. `progress(done, total)` counts forward passes' windows (alone documents
    /// included). Throws `ProbeError` (attention that does not match the estimator, a missing
    /// EOD token, non-finite results) or `InferenceError`.
    public func run(progress: (Int, Int) -> Void = { _, _ in }) throws -> Result {
        let attention = definition.attention
        let estimator = definition.interferenceEstimator
        switch estimator {
        case .chainRule where attention != .causal, .maskedDiffusion where attention != .bidirectional:
            throw ProbeError.invalidParameter(
                name: "attention", value: attention.rawValue,
                allowed: "causal for chain-rule, bidirectional for masked-diffusion")
        default: break
        }
        guard tokens.count == definition.documents.count else {
            throw ProbeError.invalidParameter(name: "token lists", value: "\(tokens.count)",
                                              allowed: "one per document (\(definition.documents.count))")
        }
        if let short = tokens.indices.first(where: { tokens[$0].count < 2 }) {
            throw ProbeError.invalidDocument(label: definition.documents[short].label,
                                             reason: "\(tokens[short].count) tokens: allowed documents of at least 2 tokens")
        }
        let layouts = try definition.contextLengths.map {
            try InterferenceLayout(tokenCounts: tokens.map(\.count), contextLength: $0, seed: definition.seed)
        }
        let combinations = definition.packings.count * definition.positions.count
        let total = layouts.reduce(0) { $0 + tokens.count + combinations * $1.windows.count }
        var done = 0
        var cells = [InterferenceCell?](repeating: nil, count: definition.cellCount)
        for (lengthIndex, layout) in layouts.enumerated() {
            let scaling = try scaling(length: layout.contextLength)
            let scorer = try InterferenceScorer(model: context.model, frequencies: try context.frequencies(scaling), estimator: estimator)
            var alone: [[Double]] = []
            for (document, list) in tokens.enumerated() {
                let truncated = Array(list.prefix(layout.documentLengths[document]))
                alone.append(try scorer.score(InterferenceScorer.alone(truncated, attention: attention), documents: [document],
                                              lengths: [truncated.count])[0])
                done += 1
                progress(done, total)
            }
            for (p, packing) in definition.packings.enumerated() {
                for (q, mode) in definition.positions.enumerated() {
                    let cell = try runCell(layout: layout, packing: packing, positions: mode, scorer: scorer, alone: alone) {
                        done += 1
                        progress(done, total)
                    }
                    var resolved = cell
                    resolved.resolvedSpec = scaling.canonicalSpec
                    cells[definition.flatIndex(packing: p, positions: q, length: lengthIndex)] = resolved
                }
            }
        }
        return Result(cells: cells.compactMap { $0 }, layouts: layouts)
    }

    private func runCell(layout: InterferenceLayout, packing: DocumentPacking, positions: PositionMode,
                         scorer: InterferenceScorer, alone: [[Double]], windowDone: () -> Void) throws -> InterferenceCell {
        var cell = InterferenceCell(
            packing: packing, positions: positions, contextLength: layout.contextLength, resolvedSpec: "",
            documents: tokens.count, windows: layout.windows.count, seconds: 0, deltaNLL: [], packedNLL: [], aloneNLL: [],
            tokenDocument: [], documentPosition: [], windowPosition: [], tokenWindow: [])
        for (window, documents) in layout.windows.enumerated() {
            let input = try layout.input(window: window, documents: tokens, packing: packing, positions: positions,
                                         eodToken: definition.eodToken, within: definition.attention)
            let lengths = documents.map { layout.documentLengths[$0] }
            let start = DispatchTime.now().uptimeNanoseconds
            let packed = try scorer.score(input, documents: documents, lengths: lengths)
            cell.seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            for (slot, document) in documents.enumerated() {
                for j in 1..<lengths[slot] {
                    let (value, baseline) = (packed[slot][j], alone[document][j])
                    guard value.isFinite, baseline.isFinite else {
                        throw ProbeError.nonFiniteResult(
                            quantity: "NLL \(value) (alone \(baseline))",
                            location: "document '\(definition.documents[document].label)' position \(j), window \(window), "
                                + "packing \(packing.rawValue), positions \(positions.rawValue), L \(layout.contextLength)")
                    }
                    cell.deltaNLL.append(value - baseline)
                    cell.packedNLL.append(value)
                    cell.aloneNLL.append(baseline)
                    cell.tokenDocument.append(Int32(document))
                    cell.documentPosition.append(Int32(j))
                    cell.windowPosition.append(Int32(input.offsets[slot] + j))
                    cell.tokenWindow.append(Int32(window))
                }
            }
            windowDone()
        }
        return cell
    }
}
