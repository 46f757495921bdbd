import Foundation
import TensorArchive

/// A perplexity grid as a netCDF-4 file: all of a grid's coordinates, and the cells this file
/// holds (all of them, one shard's, or one journal entry's).
///
/// Coordinates: `text` (label), `spec` (label: canonical spec, or as given when it depends on
/// L), `context_length` (tokens), `position_bin` (lower edge, window position), `cell` (flat
/// index (text·S + spec)·C + length).
/// Per cell over (text, spec, context_length): `status` (0 not in this file, 1 done, 2 skipped),
/// `mean_nll`, `perplexity`, `standard_error` (nats), `tokens_scored`, `windows`,
/// `tokens_per_second`, `seconds`; over (…, position_bin): `nll_by_position`, `tokens_by_position`.
/// Per cell over `cell`: `cell_id`, `cell_spec` (resolved canonical spec), `cell_reason` (why
/// skipped), `token_count` (a CF contiguous ragged array count, `sample_dimension = "token"`).
/// Per token over `token` (cells in flat order): `token_nll` (nats), `token_position`, `token_window`.
/// Undefined values (cells not done, empty bins) are NaN; `status` says which.
/// Root attributes: `grid_hash`, `grid_definition` (JSON), `estimator`, `estimator_statement`,
/// `shard`, `model_sha256`, `model_path`, `gguf:<key>` metadata.
public enum PerplexityGridArchive {
    /// Status codes of the `status` variable.
    public static let notInFile: Int8 = 0, done: Int8 = 1, skipped: Int8 = 2

    /// Estimator statements stored with the results.
    public static func statement(_ estimator: GridEstimator) -> String {
        switch estimator {
        case .chainRule:
            return "chain-rule: autoregressive next-token NLL, -log softmax(logits_{t-1})[x_t] in nats, over consecutive "
                + "non-overlapping windows of L tokens each run from position 0 (llama.cpp perplexity protocol); "
                + "perplexity = exp(mean NLL); standard error sqrt(Var_pop/(n-1)). Exact likelihood for causal attention only."
        case .maskedDiffusion:
            return "masked-diffusion: Monte Carlo upper bound on the NLL (LLaDA/SMDM)."
        case .maskedCE:
            return "masked-ce: masked-token cross-entropy at a random ratio without the 1/t weight (LongLLaDA); not a likelihood."
        }
    }

    /// Writes `cells` of `definition` into `container`. `metadata` become `gguf:<key>` attributes.
    public static func write(
        _ definition: PerplexityGridDefinition, cells: [GridCellResult], shard: String, modelPath: String,
        metadata: [(key: String, value: String)], to container: ArchiveContainer
    ) throws {
        let edges = definition.positionBinEdges
        let maximumLength = definition.contextLengths.max() ?? 1
        try container.setAttribute("title", .string("ropescope perplexity grid"))
        try container.setAttribute("grid_hash", .string(definition.hash))
        try container.setAttribute("grid_definition", .string(try definition.json()))
        try container.setAttribute("estimator", .string(definition.estimator.rawValue))
        try container.setAttribute("estimator_statement", .string(statement(definition.estimator)))
        try container.setAttribute("shard", .string(shard))
        try container.setAttribute("model_sha256", .string(definition.modelSHA256))
        try container.setAttribute("model_path", .string(modelPath))
        for (key, value) in metadata { try container.setAttribute("gguf:\(key)", .string(value)) }

        try container.writeCoordinate("text", values: .strings(definition.texts.map(\.label)), units: "1", longName: "text")
        try container.writeCoordinate("spec", values: .strings(definition.specs.map(\.label)), units: "1",
                                      longName: "RoPE scaling spec (canonical; as given where it depends on the context length)")
        try container.writeCoordinate("context_length", values: .ints(definition.contextLengths), units: "tokens",
                                      longName: "window length L")
        try container.writeCoordinate("position_bin", values: .ints(edges), units: "tokens",
                                      longName: "first window position of the bin")
        try container.writeCoordinate("cell", values: .ints(Array(0..<definition.cellCount)), units: "1",
                                      longName: "flat cell index (text*S + spec)*C + context_length")
        try container.writeVariable("position_bin_end", dimensions: ["position_bin"],
                                    values: .ints(Array(edges.dropFirst()) + [maximumLength]), units: "tokens",
                                    longName: "window position after the bin's last (exclusive)")
        try container.writeVariable("text_sha256", dimensions: ["text"], values: .strings(definition.texts.map(\.sha256)),
                                    units: "1", longName: "SHA-256 of the text's UTF-8 bytes")
        try container.writeVariable("text_tokens", dimensions: ["text"], values: .ints(definition.texts.map(\.tokenCount)),
                                    units: "tokens", longName: "tokens in the text")

        var byFlat = [Int: GridCellResult]()
        for cell in cells { byFlat[definition.flatIndex(cell.key)] = cell }
        let n = definition.cellCount, bins = edges.count
        var status = [Int8](repeating: notInFile, count: n)
        var mean = [Double](repeating: .nan, count: n), perplexity = mean, error = mean, rate = mean, seconds = mean
        var scored = [Int](repeating: 0, count: n), windows = scored, tokenCount = scored
        var binMean = [Double](repeating: .nan, count: n * bins), binCount = [Int](repeating: 0, count: n * bins)
        var ids = [String](), specs = [String](repeating: "", count: n), reasons = specs
        var tokenNLL = [Double](), tokenPosition = [Int32](), tokenWindow = [Int32]()
        for flat in 0..<n {
            ids.append(definition.cellID(definition.cell(flat)))
            guard let cell = byFlat[flat] else { continue }
            specs[flat] = cell.resolvedSpec
            switch cell.status {
            case let .skipped(reason):
                status[flat] = skipped
                reasons[flat] = reason
            case let .done(summary):
                status[flat] = done
                mean[flat] = summary.meanNLL
                perplexity[flat] = summary.perplexity
                error[flat] = summary.standardError
                rate[flat] = summary.tokensPerSecond
                seconds[flat] = summary.seconds
                scored[flat] = summary.tokensScored
                windows[flat] = summary.windows
                tokenCount[flat] = summary.tokenNLL.count
                let binned = summary.binned(edges: edges)
                binMean.replaceSubrange(flat * bins..<(flat + 1) * bins, with: binned.mean)
                binCount.replaceSubrange(flat * bins..<(flat + 1) * bins, with: binned.count)
                tokenNLL += summary.tokenNLL
                tokenPosition += summary.tokenPosition
                tokenWindow += summary.tokenWindow
            }
        }
        let cellDimensions = ["text", "spec", "context_length"]
        try container.writeVariable("status", dimensions: cellDimensions, values: .int8(status), units: "1",
                                    longName: "cell status", attributes: [
                                        "flag_values": .int32Array([0, 1, 2]),
                                        "flag_meanings": .string("not_in_this_file done skipped"),
                                    ])
        for (name, values, units, longName) in [
            ("mean_nll", mean, "nats", "mean negative log-likelihood per scored token"),
            ("perplexity", perplexity, "1", "exp(mean_nll)"),
            ("standard_error", error, "nats", "standard error of mean_nll, sqrt(Var_pop/(n-1))"),
            ("tokens_per_second", rate, "tokens/s", "window tokens processed per second (timing; differs between runs)"),
            ("seconds", seconds, "s", "forward-pass wall time (timing; differs between runs)"),
        ] {
            try container.writeVariable(name, dimensions: cellDimensions, values: .float64(values), units: units, longName: longName)
        }
        try container.writeVariable("tokens_scored", dimensions: cellDimensions, values: .ints(scored), units: "tokens",
                                    longName: "scored targets")
        try container.writeVariable("windows", dimensions: cellDimensions, values: .ints(windows), units: "1",
                                    longName: "windows scored")
        try container.writeVariable("nll_by_position", dimensions: cellDimensions + ["position_bin"], values: .float64(binMean),
                                    units: "nats", longName: "mean NLL of the scored targets in each window-position bin")
        try container.writeVariable("tokens_by_position", dimensions: cellDimensions + ["position_bin"], values: .ints(binCount),
                                    units: "tokens", longName: "scored targets in each window-position bin")
        try container.writeVariable("cell_id", dimensions: ["cell"], values: .strings(ids), units: "1",
                                    longName: "deterministic cell ID t<text>.s<spec>.L<context_length>")
        try container.writeVariable("cell_spec", dimensions: ["cell"], values: .strings(specs), units: "1",
                                    longName: "resolved canonical RoPE spec of the cell (score --rope reproduces it)")
        try container.writeVariable("cell_reason", dimensions: ["cell"], values: .strings(reasons), units: "1",
                                    longName: "why the cell was skipped (empty otherwise)")
        try container.writeVariable("token_count", dimensions: ["cell"], values: .ints(tokenCount), units: "1",
                                    longName: "per-token entries of the cell in the token dimension",
                                    attributes: ["sample_dimension": .string("token")])
        try container.defineUnlimitedDimension("token")
        let nll = try container.makeAppendable("token_nll", dimensions: ["token"], type: .float64, units: "nats",
                                               longName: "NLL of each scored target (cells in flat order)")
        let position = try container.makeAppendable("token_position", dimensions: ["token"], type: .int32, units: "tokens",
                                                    longName: "window position of the target")
        let window = try container.makeAppendable("token_window", dimensions: ["token"], type: .int32, units: "1",
                                                  longName: "window index of the target")
        if !tokenNLL.isEmpty {
            try nll.append(.float64(tokenNLL))
            try position.append(.int32(tokenPosition))
            try window.append(.int32(tokenWindow))
        }
    }

    /// What a grid file holds.
    public struct Contents: Sendable {
        public var definition: PerplexityGridDefinition
        public var hash: String
        public var shard: String
        public var cells: [GridCellResult]
    }

    /// Reads a file written by `write` back into cells (exactly the values written).
    public static func read(path: String) throws -> Contents {
        do { return try readChecked(path: path) } catch let error as TensorArchiveError {
            throw ProbeError.invalidGridFile(path: path, reason: "\(error)")
        }
    }

    private static func readChecked(path: String) throws -> Contents {
        let reader = try ArchiveReader(path: path)
        func string(_ name: String) throws -> String {
            guard let value = try reader.attribute(name, of: "/").stringValue else {
                throw ProbeError.invalidGridFile(path: path, reason: "attribute '\(name)' is not a string")
            }
            return value
        }
        let definition: PerplexityGridDefinition
        do { definition = try PerplexityGridDefinition.parse(try string("grid_definition")) } catch let error as DecodingError {
            throw ProbeError.invalidGridFile(path: path, reason: "grid_definition: \(error)")
        }
        let hash = try string("grid_hash")
        guard hash == definition.hash else {
            throw ProbeError.invalidGridFile(path: path, reason: "grid_hash \(hash) does not match its grid_definition")
        }
        let n = definition.cellCount
        let status = try reader.readInt64s("status"), mean = try reader.readDoubles("mean_nll")
        let error = try reader.readDoubles("standard_error"), rate = try reader.readDoubles("tokens_per_second")
        let seconds = try reader.readDoubles("seconds"), scored = try reader.readInt64s("tokens_scored")
        let windows = try reader.readInt64s("windows"), counts = try reader.readInt64s("token_count")
        let specs = try reader.readStrings("cell_spec"), reasons = try reader.readStrings("cell_reason")
        let nll = try reader.readDoubles("token_nll"), positions = try reader.readInt64s("token_position")
        let tokenWindows = try reader.readInt64s("token_window")
        guard [status.count, mean.count, counts.count, specs.count, reasons.count].allSatisfy({ $0 == n }),
              nll.count == positions.count, nll.count == tokenWindows.count,
              counts.reduce(0, +) == Int64(nll.count) else {
            throw ProbeError.invalidGridFile(path: path, reason: "variables disagree with the grid's \(n) cells")
        }
        var cells: [GridCellResult] = []
        var offset = 0
        for flat in 0..<n {
            let key = definition.cell(flat), count = Int(counts[flat])
            switch Int8(truncatingIfNeeded: status[flat]) {
            case done:
                let range = offset..<(offset + count)
                cells.append(GridCellResult(key: key, resolvedSpec: specs[flat], status: .done(GridCellSummary(
                    meanNLL: mean[flat], standardError: error[flat], tokensScored: Int(scored[flat]), windows: Int(windows[flat]),
                    seconds: seconds[flat], tokensPerSecond: rate[flat], tokenNLL: Array(nll[range]),
                    tokenPosition: positions[range].map { Int32(truncatingIfNeeded: $0) },
                    tokenWindow: tokenWindows[range].map { Int32(truncatingIfNeeded: $0) }))))
            case skipped:
                cells.append(GridCellResult(key: key, resolvedSpec: specs[flat], status: .skipped(reason: reasons[flat])))
            default:
                break
            }
            offset += count
        }
        return Contents(definition: definition, hash: hash, shard: try string("shard"), cells: cells)
    }
}
