import TensorArchive

/// A passkey grid as a netCDF-4 file.
///
/// Coordinates: `spec` (label as given, or "declared"), `context_length` (prompt tokens), `depth`
/// (requested, 0…1), `trial`, `distractor`, `answer_token` (index in the answer).
/// Per trial × cell over (spec, context_length, depth, trial): `exact_match` (int8 0/1),
/// `answer_log_prob` (nats), `rank` (1 = the true key is the most probable), `generated`
/// (…, answer_token; −1 past a shorter answer); `distractor_log_prob` (…, distractor).
/// Per prompt over (context_length, depth, trial): `needle_position` (token index), `actual_depth`.
/// Per trial: `key`. Per cell over (spec, context_length, depth): `exact_match_fraction`,
/// `mean_log_prob`, `mean_rank`, `seconds`. Root attributes: the template texts, `haystack`,
/// `seed`, `estimator_statement`, `resolved_specs` (one line per spec × length), `gguf:<key>`.
public enum PasskeyArchive {
    public static func write(_ definition: PasskeyGridDefinition, cells: [PasskeyCellResult], haystack: Haystack,
                             method: PasskeyMethod, modelPath: String, metadata: [(key: String, value: String)],
                             to container: ArchiveContainer) throws {
        let d = definition
        let (S, L, K, T, D) = (d.specs.count, d.contextLengths.count, d.depths.count, d.trials, d.distractors)
        let answerLength = cells.flatMap(\.trials).map(\.score.generated.count).max() ?? 1
        try container.setAttribute("title", .string("ropescope passkey grid"))
        try container.setAttribute("model_path", .string(modelPath))
        for (key, value) in metadata { try container.setAttribute("gguf:\(key)", .string(value)) }
        for (name, value) in [("task", d.template.task), ("needle", d.template.needle), ("question", d.template.question),
                              ("answer", d.template.answer), ("haystack", haystack.label), ("seed", "\(d.seed)")] {
            try container.setAttribute(name, .string(value))
        }
        try container.setAttribute("estimator_statement", .string(statement(method)))

        try container.writeCoordinate("spec", values: .strings(d.specs.map { $0 ?? "declared" }), units: "1",
                                      longName: "RoPE scaling spec as given (declared = the GGUF's own)")
        try container.writeCoordinate("context_length", values: .ints(d.contextLengths), units: "tokens",
                                      longName: "prompt length L (BOS, task, haystack, needle and question)")
        try container.writeCoordinate("depth", values: .float64(d.depths), units: "1", longName: "requested needle depth")
        try container.writeCoordinate("trial", values: .ints(Array(0..<T)), units: "1", longName: "trial (one key each)")
        try container.writeCoordinate("distractor", values: .ints(Array(0..<D)), units: "1", longName: "distractor key index")
        try container.writeCoordinate("answer_token", values: .ints(Array(0..<answerLength)), units: "1",
                                      longName: "token index within the answer")

        var exact = [Int8](repeating: -1, count: S * L * K * T), rank = [Int32](repeating: -1, count: S * L * K * T)
        var logProb = [Double](repeating: .nan, count: S * L * K * T)
        var distractorLogProb = [Double](repeating: .nan, count: S * L * K * T * D)
        var generated = [Int32](repeating: -1, count: S * L * K * T * answerLength)
        var needle = [Int32](repeating: -1, count: L * K * T), depth = [Double](repeating: .nan, count: L * K * T)
        var fraction = [Double](repeating: .nan, count: S * L * K), meanLogProb = fraction, meanRank = fraction, seconds = fraction
        var resolved = [String](repeating: "", count: S * L)
        var keys = [String](repeating: "", count: T)
        for cell in cells {
            let flat = (cell.spec * L + cell.length) * K + cell.depth
            fraction[flat] = cell.exactMatch
            meanLogProb[flat] = cell.meanLogProbability
            meanRank[flat] = cell.meanRank
            seconds[flat] = cell.seconds
            resolved[cell.spec * L + cell.length] = cell.resolvedSpec
            for (t, trial) in cell.trials.enumerated() {
                let index = flat * T + t
                exact[index] = trial.score.exactMatch ? 1 : 0
                rank[index] = Int32(trial.score.rank)
                logProb[index] = trial.score.answerLogProbability
                for (j, value) in trial.score.distractorLogProbabilities.prefix(D).enumerated() { distractorLogProb[index * D + j] = value }
                for (j, token) in trial.score.generated.prefix(answerLength).enumerated() { generated[index * answerLength + j] = token }
                needle[(cell.length * K + cell.depth) * T + t] = Int32(trial.needlePosition)
                depth[(cell.length * K + cell.depth) * T + t] = trial.actualDepth
                keys[t] = trial.key
            }
        }
        let trialDimensions = ["spec", "context_length", "depth", "trial"]
        try container.writeVariable("exact_match", dimensions: trialDimensions, values: .int8(exact), units: "1",
                                    longName: "generated answer equals the true answer (1), else 0; -1 not run")
        try container.writeVariable("answer_log_prob", dimensions: trialDimensions, values: .float64(logProb), units: "nats",
                                    longName: "log-probability of the true answer given the prompt")
        try container.writeVariable("rank", dimensions: trialDimensions, values: .int32(rank), units: "1",
                                    longName: "1 + distractors more probable than the true answer")
        try container.writeVariable("distractor_log_prob", dimensions: trialDimensions + ["distractor"],
                                    values: .float64(distractorLogProb), units: "nats", longName: "log-probability of each distractor")
        try container.writeVariable("generated", dimensions: trialDimensions + ["answer_token"], values: .int32(generated),
                                    units: "1", longName: "generated answer token ids (-1 past the answer)")
        try container.writeVariable("needle_position", dimensions: ["context_length", "depth", "trial"], values: .int32(needle),
                                    units: "tokens", longName: "prompt index of the needle's first token")
        try container.writeVariable("actual_depth", dimensions: ["context_length", "depth", "trial"], values: .float64(depth),
                                    units: "1", longName: "needle depth after snapping to a sentence boundary (b/H)")
        try container.writeVariable("key", dimensions: ["trial"], values: .strings(keys), units: "1", longName: "the trial's key")
        let cellDimensions = ["spec", "context_length", "depth"]
        for (name, values, units, longName) in [
            ("exact_match_fraction", fraction, "1", "fraction of trials answered exactly"),
            ("mean_log_prob", meanLogProb, "nats", "mean log-probability of the true answer"),
            ("mean_rank", meanRank, "1", "mean rank of the true key among itself and the distractors"),
            ("seconds", seconds, "s", "wall time of the cell (timing; differs between runs)"),
        ] {
            try container.writeVariable(name, dimensions: cellDimensions, values: .float64(values), units: units, longName: longName)
        }
        let lines = (0..<(S * L)).map { "\(d.specs[$0 / L] ?? "declared") @ L=\(d.contextLengths[$0 % L]): \(resolved[$0])" }
        try container.setAttribute("resolved_specs", .string(lines.joined(separator: "\n")))
    }

    /// The estimator statement stored with the results.
    public static func statement(_ method: PasskeyMethod) -> String {
        switch method {
        case .causal:
            return "causal: exact match of the greedy continuation (KV-cached decoding) against the answer's tokens; "
                + "answer log-probability by the chain rule with the answer teacher-forced; rank among distractor keys of "
                + "the same length scored the same way."
        case let .maskedDiffusion(sampler):
            return "masked diffusion: exact match of LLaDA's low-confidence remasking sampler (temperature 0, steps "
                + "\(sampler.steps), block length \(sampler.blockLength)); answer log-probability = sum over answer positions "
                + "of log softmax from one bidirectional pass with every answer position masked (not a chain rule); rank "
                + "among distractor keys of the same token count scored from the same pass."
        }
    }
}
