import Dispatch
import Foundation

extension LlamaModel {
    /// Output projection of the final normalised residual (`w.normed`, [L, d_model]) fused with
    /// the NLL of each target, computing only the rows that are returned, scored or hooked:
    /// ```
    /// for each block of ≤ outputBlockRows positions:
    ///     for each slice of ≤ vocabularySliceRows vocabulary rows v0…v1 of W_out:
    ///         z = x_block · W_out[v0…v1]ᵀ            ([rows, width], one sgemm, OpenBLAS threads;
    ///                                                  integer dots for a quantized W_out and a
    ///                                                  block of ≤ Linear.smallRowLimit rows, the
    ///                                                  integer GEMM for more rows of a K-quant W_out)
    ///         copy z to the requested logits / hook_logits rows;  pick x[target] if in the slice
    ///         fold z into each row's online logsumexp        (rows split across cores)
    /// nll = logsumexp(x) − x[target]
    /// ```
    /// The only temporaries are [outputBlockRows, d_model] and [outputBlockRows,
    /// vocabularySliceRows] floats (4.5 + 16 MiB with the defaults), whatever L is.
    /// Returns the requested logits [rows.count, V] and the NLL of each target (nats, Double).
    func outputs(_ w: Workspace, rows: [Int], targets: [TokenTarget], emitter: HookEmitter) -> ([Float], [Double]) {
        let vocabulary = configuration.vocabularySize
        let routes = OutputRoutes(length: w.length, rows: rows, targets: targets, everyRow: emitter.wants(.logits))
        let hook = OptionalBuffer(routes.everyRow, count: w.length * vocabulary)
        let nll = UnsafeMutablePointer<Double>.allocate(capacity: max(1, targets.count))
        defer { hook.release(); nll.deallocate() }
        let logits = [Float](unsafeUninitializedCapacity: rows.count * vocabulary) { buffer, initialized in
            project(w, routes: routes, into: OutputBuffers(logits: buffer.baseAddress, hook: hook.pointer, nll: nll))
            initialized = rows.count * vocabulary
        }
        if let pointer = hook.pointer { emitter.emit(.logits, shape: [w.length, vocabulary], pointer) }
        return (logits, Array(UnsafeBufferPointer(start: nll, count: targets.count)))
    }

    /// The block/slice loop of `outputs`: fills every requested logits row, the hook rows and
    /// `nll[target]` for every target.
    private func project(_ w: Workspace, routes: OutputRoutes, into out: OutputBuffers) {
        let vocabulary = configuration.vocabularySize, model = configuration.embeddingSize
        let needed = routes.neededRows
        guard !needed.isEmpty else { return }
        let blockRows = max(1, min(outputBlockRows, needed.count))
        // Integer dots (a decode step's few rows): the whole vocabulary is one parallel region,
        // as the temporary is only [≤ smallRowLimit, V]; sgemm keeps its slices.
        let quantized = weights.quantizedOutputProjection
        let integer = quantized.map { Linear.usesIntegerDot($0, rows: blockRows) } ?? false
        let gemm = quantized.map { Linear.usesIntegerGemm($0, rows: blockRows) } ?? false
        let sliceRows = integer ? vocabulary : max(1, min(vocabularySliceRows, vocabulary))
        let input = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * model)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * sliceRows)
        let states = UnsafeMutablePointer<OnlineLogSumExp>.allocate(capacity: blockRows)
        let targetLogits = UnsafeMutablePointer<Float>.allocate(capacity: max(1, routes.targets.count))
        defer { input.deallocate(); scratch.deallocate(); states.deallocate(); targetLogits.deallocate() }
        let shared = SharedOutputState(scratch: scratch, states: states, targetLogits: targetLogits)
        let workers = Cores.available

        // Quantized and widened (neither integer dots nor the integer GEMM): one
        // [vocabularySliceRows, d_model] float panel, refilled per slice.
        let panel = quantized.flatMap { _ in integer || gemm ? nil : UnsafeMutablePointer<Float>.allocate(capacity: sliceRows * model) }
        defer { panel?.deallocate() }
        weights.outputProjection.withUnsafeBufferPointer { projection in
            // nil only on the integer paths (no float panel): every block there takes integer dots
            // or the integer GEMM.
            let projection = panel.map { UnsafePointer($0) } ?? projection.baseAddress
            guard integer || gemm || projection != nil else { return }
            for blockStart in stride(from: 0, to: needed.count, by: blockRows) {
                let block = Array(needed[blockStart..<min(needed.count, blockStart + blockRows)])
                for (k, row) in block.enumerated() {
                    (input + k * model).update(from: w.normed + row * model, count: model)
                }
                states.initialize(repeating: OnlineLogSumExp(), count: block.count)
                let parts = min(block.count, 4 * workers)
                for sliceStart in stride(from: 0, to: vocabulary, by: sliceRows) {
                    let slice = sliceStart..<min(vocabulary, sliceStart + sliceRows)
                    if let quantized, Linear.usesIntegerDot(quantized, rows: block.count) {
                        Linear.applyIntegerDot(input, rows: block.count, inFeatures: model, weight: quantized,
                                               outputRows: slice, into: scratch)
                    } else if let quantized, Linear.usesIntegerGemm(quantized, rows: block.count) {
                        Linear.applyIntegerGemm(input, rows: block.count, inFeatures: model, weight: quantized,
                                                outputRows: slice, into: scratch)
                    } else if let projection {
                        if let quantized, let panel { quantized.dequantize(rows: slice, into: panel) }
                        let offset = quantized == nil ? sliceStart * model : 0
                        Linear.apply(input, rows: block.count, inFeatures: model, weight: projection + offset,
                                     outFeatures: slice.count, into: scratch)
                    }
                    DispatchQueue.concurrentPerform(iterations: parts) { part in
                        for k in (part * block.count / parts)..<((part + 1) * block.count / parts) {
                            shared.fold(line: k, row: block[k], slice: slice, vocabulary: vocabulary, routes: routes, out: out)
                        }
                    }
                }
                for (k, row) in block.enumerated() {
                    let logSumExp = states[k].logSumExp
                    for index in routes.targetIndices[row] { out.nll[index] = logSumExp - Double(targetLogits[index]) }
                }
            }
        }
    }
}

/// Which outputs each window position feeds: indices into the requested logits rows and into
/// the targets, and the positions that need a projection at all (sorted).
struct OutputRoutes: Sendable {
    let targets: [TokenTarget]
    /// resultIndices[row]: indices i with rows[i] == row.
    let resultIndices: [[Int]]
    /// targetIndices[row]: indices i with targets[i].row == row.
    let targetIndices: [[Int]]
    /// True when every row is hooked (`hook_logits`).
    let everyRow: Bool
    let neededRows: [Int]

    init(length: Int, rows: [Int], targets: [TokenTarget], everyRow: Bool) {
        var results = [[Int]](repeating: [], count: length)
        for (index, row) in rows.enumerated() { results[row].append(index) }
        var scored = [[Int]](repeating: [], count: length)
        for (index, target) in targets.enumerated() { scored[target.row].append(index) }
        self.targets = targets
        resultIndices = results
        targetIndices = scored
        self.everyRow = everyRow
        neededRows = (0..<length).filter { everyRow || !results[$0].isEmpty || !scored[$0].isEmpty }
    }
}

/// Destinations of `outputs`: requested logits [rows.count, V], hook_logits [L, V], NLL [targets].
struct OutputBuffers: @unchecked Sendable {
    let logits: UnsafeMutablePointer<Float>?
    let hook: UnsafeMutablePointer<Float>?
    let nll: UnsafeMutablePointer<Double>
}

/// Per-block state shared by the fold workers; each worker touches only its own lines `k`.
private struct SharedOutputState: @unchecked Sendable {
    /// [block rows, slice width] logits of the current slice.
    let scratch: UnsafeMutablePointer<Float>
    /// Online logsumexp of each block row.
    let states: UnsafeMutablePointer<OnlineLogSumExp>
    /// x[target] of each target, filled by the slice that holds the target token.
    let targetLogits: UnsafeMutablePointer<Float>

    /// Copies line `k` (window position `row`) of the slice's logits to its destinations, picks
    /// its target logits, then folds it into its logsumexp (which overwrites the line).
    func fold(line k: Int, row: Int, slice: Range<Int>, vocabulary: Int, routes: OutputRoutes, out: OutputBuffers) {
        let width = slice.count
        let line = scratch + k * width
        if let logits = out.logits {
            for index in routes.resultIndices[row] {
                (logits + index * vocabulary + slice.lowerBound).update(from: line, count: width)
            }
        }
        out.hook?.advanced(by: row * vocabulary + slice.lowerBound).update(from: line, count: width)
        for index in routes.targetIndices[row] {
            let token = Int(routes.targets[index].token)
            if slice.contains(token) { targetLogits[index] = line[token - slice.lowerBound] }
        }
        states[k].fold(line, count: width)
    }
}
