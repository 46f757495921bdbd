import Foundation
import Inference
import TensorArchive

/// An attention-profile grid as a netCDF-4 file.
///
/// Coordinates: `spec` (label), `context_length` (tokens), `attention` (causal/bidirectional),
/// `layer`, `head`, `side` (left: keys j ≤ i, right: j > i), `distance_bin` (lower edge, tokens;
/// `distance_bin_end` the exclusive upper edge, the last the longest L), `query_bin` (lower edge,
/// window position; `query_bin_end`), `cell` (flat index (spec·C + length)·A + attention).
/// Means over every query row of a cell's windows, NaN where a cell is not done:
/// `mass` (…, layer, head, side, distance_bin; probability), `mean_distance` (tokens), `entropy`
/// (nats), `sink_mass`, `local_mass` over (spec, context_length, attention, layer, head); the same
/// per query bin as `*_by_query` (…, query_bin[, side, distance_bin]) with `query_rows`.
/// Per cell: `status` (1 done, 2 skipped), `windows`, `seconds`; over `cell`: `cell_spec`,
/// `cell_reason`. Root attributes: `grid_hash`, `grid_definition`, `estimator_statement`,
/// `sink_tokens`, `local_window`, `model_sha256`, `model_path`, `gguf:<key>` metadata.
public enum AttentionProfileArchive {
    public static let done: Int8 = 1, skipped: Int8 = 2

    /// What the numbers are.
    public static let statement = "attention profile: for every query row i of every window, the softmax p_ij over "
        + "its allowed keys (float32 scores, the model's own kernel) gives mass per |i-j| bin and side (left j<=i, right j>i), "
        + "mean distance sum p|i-j| (tokens), entropy -sum p ln p (nats), sink mass sum_{j<k} p and local mass sum_{|i-j|<w} p; "
        + "each is averaged over rows with weight 1 (streamed in the attention tiles, no LxL matrix)."

    public static func write(_ definition: AttentionProfileGridDefinition, cells: [AttentionCellResult], layers: Int, heads: Int,
                             modelPath: String, metadata: [(key: String, value: String)], to container: ArchiveContainer) throws {
        let bins = definition.distanceEdges.count, qBins = definition.queryEdges.count
        try container.setAttribute("title", .string("ropescope attention profile grid"))
        try container.setAttribute("grid_hash", .string(definition.hash))
        try container.setAttribute("grid_definition", .string(try definition.json()))
        try container.setAttribute("estimator_statement", .string(statement))
        try container.setAttribute("sink_tokens", .int64(Int64(definition.sinkTokens)))
        try container.setAttribute("local_window", .int64(Int64(definition.localWindow)))
        try container.setAttribute("text", .string(definition.text.label))
        try container.setAttribute("text_sha256", .string(definition.text.sha256))
        try container.setAttribute("model_sha256", .string(definition.modelSHA256))
        try container.setAttribute("model_path", .string(modelPath))
        for (key, value) in metadata { try container.setAttribute("gguf:\(key)", .string(value)) }

        let bounds = definition.distanceBinBounds
        let longest = definition.contextLengths.max() ?? 1
        try container.writeCoordinate("spec", values: .strings(definition.specs.map(\.label)), units: "1",
                                      longName: "RoPE scaling spec (canonical; as given where it depends on the context length)")
        try container.writeCoordinate("context_length", values: .ints(definition.contextLengths), units: "tokens", longName: "window length L")
        try container.writeCoordinate("attention", values: .strings(definition.attentions.map(\.rawValue)), units: "1",
                                      longName: "attention mask direction")
        try container.writeCoordinate("layer", values: .ints(Array(0..<layers)), units: "1", longName: "block index")
        try container.writeCoordinate("head", values: .ints(Array(0..<heads)), units: "1", longName: "query head index")
        try container.writeCoordinate("side", values: .strings(["left", "right"]), units: "1",
                                      longName: "key side: left j <= i (the query itself included), right j > i")
        try container.writeCoordinate("distance_bin", values: .ints(definition.distanceEdges), units: "tokens",
                                      longName: "smallest |i-j| of the bin")
        try container.writeVariable("distance_bin_end", dimensions: ["distance_bin"], values: .ints(Array(bounds.dropFirst())),
                                    units: "tokens", longName: "|i-j| after the bin's largest (exclusive)")
        try container.writeCoordinate("query_bin", values: .ints(definition.queryEdges), units: "tokens",
                                      longName: "first query window position of the bin")
        try container.writeVariable("query_bin_end", dimensions: ["query_bin"],
                                    values: .ints(Array(definition.queryEdges.dropFirst()) + [max(longest, (definition.queryEdges.last ?? 0) + 1)]),
                                    units: "tokens", longName: "query window position after the bin's last (exclusive)")
        try container.writeCoordinate("cell", values: .ints(Array(0..<definition.cellCount)), units: "1",
                                      longName: "flat cell index (spec*C + context_length)*A + attention")

        let n = definition.cellCount, perCell = layers * heads
        var status = [Int8](repeating: 0, count: n), windows = [Int](repeating: 0, count: n)
        var seconds = [Double](repeating: .nan, count: n)
        var specs = [String](repeating: "", count: n), reasons = specs
        var mass = [Double](repeating: .nan, count: n * perCell * 2 * bins)
        var scalars = [[Double]](repeating: [Double](repeating: .nan, count: n * perCell), count: 4)
        var massByQuery = [Double](repeating: .nan, count: n * perCell * qBins * 2 * bins)
        var scalarsByQuery = [[Double]](repeating: [Double](repeating: .nan, count: n * perCell * qBins), count: 4)
        var rows = [Int](repeating: 0, count: n * qBins)
        for cell in cells {
            let flat = definition.flatIndex(cell.key)
            specs[flat] = cell.resolvedSpec
            switch cell.status {
            case let .skipped(reason):
                status[flat] = skipped
                reasons[flat] = reason
            case let .done(profile, count, time):
                status[flat] = done
                windows[flat] = count
                seconds[flat] = time
                for bin in 0..<qBins { rows[flat * qBins + bin] = profile.queries[bin] }  // layer 0; equal for every layer
                for layer in 0..<layers {
                    for head in 0..<heads {
                        let index = flat * perCell + layer * heads + head
                        let mean = profile.mean(layer: layer, head: head)
                        mass.replaceSubrange(index * 2 * bins..<(index + 1) * 2 * bins, with: mean.mass)
                        for (k, value) in [mean.distance, mean.entropy, mean.sink, mean.local].enumerated() { scalars[k][index] = value }
                        for bin in 0..<qBins {
                            let source = (layer * heads + head) * qBins + bin, target = index * qBins + bin
                            let count = Double(profile.queries[layer * qBins + bin])
                            for b in 0..<(2 * bins) { massByQuery[target * 2 * bins + b] = profile.mass[source * 2 * bins + b] / count }
                            for (k, sums) in [profile.distance, profile.entropy, profile.sink, profile.local].enumerated() {
                                scalarsByQuery[k][target] = sums[source] / count
                            }
                        }
                    }
                }
            }
        }
        let cellDimensions = ["spec", "context_length", "attention"]
        let headDimensions = cellDimensions + ["layer", "head"]
        try container.writeVariable("status", dimensions: cellDimensions, values: .int8(status), units: "1", longName: "cell status",
                                    attributes: ["flag_values": .int32Array([0, 1, 2]),
                                                 "flag_meanings": .string("not_in_this_file done skipped")])
        try container.writeVariable("windows", dimensions: cellDimensions, values: .ints(windows), units: "1", longName: "windows run")
        try container.writeVariable("seconds", dimensions: cellDimensions, values: .float64(seconds), units: "s",
                                    longName: "forward-pass wall time (timing; differs between runs)")
        try container.writeVariable("query_rows", dimensions: cellDimensions + ["query_bin"], values: .ints(rows), units: "1",
                                    longName: "query rows averaged per layer and head in each query bin")
        let names = [("mean_distance", "tokens", "mean attention distance sum_j p_ij |i-j|"),
                     ("entropy", "nats", "attention entropy -sum_j p_ij ln p_ij"),
                     ("sink_mass", "probability", "attention mass on the first sink_tokens window positions"),
                     ("local_mass", "probability", "attention mass on keys with |i-j| < local_window")]
        try container.writeVariable("mass", dimensions: headDimensions + ["side", "distance_bin"], values: .float64(mass),
                                    units: "probability", longName: "attention mass per side and distance bin, mean over query rows")
        try container.writeVariable("mass_by_query", dimensions: headDimensions + ["query_bin", "side", "distance_bin"],
                                    values: .float64(massByQuery), units: "probability",
                                    longName: "attention mass per side and distance bin, mean over the query rows of each query bin")
        for (k, (name, units, longName)) in names.enumerated() {
            try container.writeVariable(name, dimensions: headDimensions, values: .float64(scalars[k]), units: units,
                                        longName: longName + ", mean over query rows")
            try container.writeVariable(name + "_by_query", dimensions: headDimensions + ["query_bin"], values: .float64(scalarsByQuery[k]),
                                        units: units, longName: longName + ", mean over the query rows of each query bin")
        }
        try container.writeVariable("cell_spec", dimensions: ["cell"], values: .strings(specs), units: "1",
                                    longName: "resolved canonical RoPE spec of the cell")
        try container.writeVariable("cell_reason", dimensions: ["cell"], values: .strings(reasons), units: "1",
                                    longName: "why the cell was skipped (empty otherwise)")
    }
}
