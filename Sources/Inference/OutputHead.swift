import Dispatch

extension LlamaModel {
    /// Output projection of the final normalised residual (`w.normed`, [L, d_model]) in chunks of
    /// `logitChunkRows` positions, computing only the rows that are returned, scored or hooked.
    /// Returns the requested logits [rows.count, V] and the NLL of each target (Double).
    func outputs(_ w: Workspace, rows: [Int], targets: [TokenTarget], emitter: HookEmitter) -> ([Float], [Double]) {
        let c = configuration, vocabulary = c.vocabularySize, model = c.embeddingSize
        let wantsHook = emitter.wants(.logits)
        var resultIndices: [Int: [Int]] = [:]
        for (index, row) in rows.enumerated() { resultIndices[row, default: []].append(index) }
        var targetIndices: [Int: [Int]] = [:]
        for (index, target) in targets.enumerated() { targetIndices[target.row, default: []].append(index) }
        let needed = wantsHook ? Array(0..<w.length) : Set(rows).union(targets.map(\.row)).sorted()

        var logits = [Float](repeating: 0, count: rows.count * vocabulary)
        var nll = [Double](repeating: 0, count: targets.count)
        let hook = OptionalBuffer(wantsHook, count: w.length * vocabulary)
        let chunk = max(1, min(logitChunkRows, max(1, needed.count)))
        let input = UnsafeMutablePointer<Float>.allocate(capacity: chunk * model)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: chunk * vocabulary)
        defer { input.deallocate(); output.deallocate(); hook.release() }
        let projection = weights.outputProjection

        for start in stride(from: 0, to: needed.count, by: chunk) {
            let chunkRows = needed[start..<min(needed.count, start + chunk)]
            for (k, row) in chunkRows.enumerated() {
                (input + k * model).update(from: w.normed + row * model, count: model)
            }
            Linear.apply(input, rows: chunkRows.count, inFeatures: model, weight: projection,
                         outFeatures: vocabulary, into: output)
            var scored: [(target: Int, line: Int, token: Int)] = []
            for (k, row) in chunkRows.enumerated() {
                let line = output + k * vocabulary
                for index in resultIndices[row] ?? [] {
                    logits.withUnsafeMutableBufferPointer { all in
                        all.baseAddress?.advanced(by: index * vocabulary).update(from: line, count: vocabulary)
                    }
                }
                hook.pointer?.advanced(by: row * vocabulary).update(from: line, count: vocabulary)
                for index in targetIndices[row] ?? [] { scored.append((index, k, Int(targets[index].token))) }
            }
            let items = scored, lines = SharedPointer(output)
            nll.withUnsafeMutableBufferPointer { results in
                guard let base = results.baseAddress else { return }
                let shared = SharedPointer(base)
                DispatchQueue.concurrentPerform(iterations: items.count) { item in
                    let (target, line, token) = items[item]
                    let row = UnsafeBufferPointer(start: lines.base + line * vocabulary, count: vocabulary)
                    shared.base[target] = Scoring.negativeLogLikelihood(row, token: token)
                }
            }
        }
        if let pointer = hook.pointer { emitter.emit(.logits, shape: [w.length, vocabulary], pointer) }
        return (logits, nll)
    }
}
