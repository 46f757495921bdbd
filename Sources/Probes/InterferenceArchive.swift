import Foundation
import TensorArchive

/// An interference run as a netCDF-4 file.
///
/// Coordinates: `packing` (direct/eod/mask), `positions` (continue/restart), `context_length`
/// (tokens), `document_position_bin` and `window_position_bin` (lower edges, tokens), `document`
/// (load-order index), `cell` (flat index (packing·P + positions)·C + context_length).
/// Per cell over (packing, positions, context_length): `mean_delta_nll`, `max_abs_delta_nll`,
/// `mean_nll_packed`, `mean_nll_alone` (nats), `tokens`, `documents`, `windows`, `seconds`; over
/// (…, document_position_bin), (…, window_position_bin) and (…, document_position_bin,
/// window_position_bin): mean ΔNLL and token counts; over (…, document): `delta_nll_by_document`.
/// Per document: `document_label`, `document_sha256`, `document_tokens`; per (context_length,
/// document): `document_window`, `document_slot`, `document_length` (after truncation to L).
/// Per token over `token` (cells in flat order, ragged by `token_count`, a CF contiguous ragged
/// array): `token_delta_nll`, `token_nll_packed`, `token_nll_alone`, `token_document`,
/// `token_document_position`, `token_window_position`, `token_window`. Empty bins are NaN.
public enum InterferenceArchive {
    /// The estimator statement stored with the results.
    public static func statement(_ definition: InterferenceDefinition) -> String {
        let value = definition.maskedDiffusion == nil
            ? "chain-rule next-token NLL -log p(x_j | window before j)"
            : "masked-diffusion bound contribution (1/n) sum_i [j in M_i] CE_ij / t_i with the same per-document masks alone and packed"
        return "delta_nll = value(packed) - value(alone) per scored token j >= 1 of each document (nats); value: \(value); "
            + "alone = the document in its own window, positions from 0, same spec. Documents are truncated to L, shuffled by the "
            + "seed and packed next-fit into windows of at most L tokens (room for EOD separators reserved under every packing)."
    }

    /// Writes `result` of `definition` into `container`; `metadata` become `gguf:<key>` attributes.
    public static func write(_ definition: InterferenceDefinition, result: InterferenceRunner.Result, modelPath: String,
                             metadata: [(key: String, value: String)], to container: ArchiveContainer) throws {
        let edges = definition.positionBinEdges, bins = edges.count
        let documents = definition.documents.count, lengths = definition.contextLengths
        try container.setAttribute("title", .string("ropescope cross-document interference"))
        try container.setAttribute("interference_hash", .string(definition.hash))
        try container.setAttribute("interference_definition", .string(try definition.json()))
        try container.setAttribute("estimator", .string(definition.estimator))
        try container.setAttribute("estimator_statement", .string(statement(definition)))
        try container.setAttribute("model_sha256", .string(definition.modelSHA256))
        try container.setAttribute("model_path", .string(modelPath))
        for (key, value) in metadata { try container.setAttribute("gguf:\(key)", .string(value)) }

        try container.writeCoordinate("packing", values: .strings(definition.packings.map(\.rawValue)), units: "1",
                                      longName: "document packing (direct, eod separator, mask = attention within documents)")
        try container.writeCoordinate("positions", values: .strings(definition.positions.map(\.rawValue)), units: "1",
                                      longName: "RoPE positions (continue through the window, restart per document)")
        try container.writeCoordinate("context_length", values: .ints(lengths), units: "tokens", longName: "window length L")
        try container.writeCoordinate("document_position_bin", values: .ints(edges), units: "tokens",
                                      longName: "first position in the document of the bin")
        try container.writeCoordinate("window_position_bin", values: .ints(edges), units: "tokens",
                                      longName: "first position in the window of the bin")
        try container.writeCoordinate("document", values: .ints(Array(0..<documents)), units: "1", longName: "document index (load order)")
        try container.writeCoordinate("cell", values: .ints(Array(0..<definition.cellCount)), units: "1",
                                      longName: "flat cell index (packing*P + positions)*C + context_length")
        try container.writeVariable("document_label", dimensions: ["document"], values: .strings(definition.documents.map(\.label)),
                                    units: "1", longName: "document file (path#k for a piece of a split file)")
        try container.writeVariable("document_sha256", dimensions: ["document"], values: .strings(definition.documents.map(\.sha256)),
                                    units: "1", longName: "SHA-256 of the document's UTF-8 text")
        try container.writeVariable("document_tokens", dimensions: ["document"], values: .ints(definition.documents.map(\.tokenCount)),
                                    units: "tokens", longName: "tokens of the document before truncation")
        var windowOf = [Int](repeating: -1, count: lengths.count * documents), slotOf = windowOf, lengthOf = windowOf
        for (l, layout) in result.layouts.enumerated() {
            for (window, members) in layout.windows.enumerated() {
                for (slot, document) in members.enumerated() {
                    windowOf[l * documents + document] = window
                    slotOf[l * documents + document] = slot
                }
            }
            for document in 0..<documents { lengthOf[l * documents + document] = layout.documentLengths[document] }
        }
        for (name, values, units, longName) in [
            ("document_window", windowOf, "1", "window holding the document"),
            ("document_slot", slotOf, "1", "order of the document in its window (0 = first)"),
            ("document_length", lengthOf, "tokens", "tokens of the document in the window (truncated to L)"),
        ] {
            try container.writeVariable(name, dimensions: ["context_length", "document"], values: .ints(values), units: units, longName: longName)
        }
        try writeCells(definition, result.cells, bins: bins, to: container)
    }

    private static func writeCells(_ definition: InterferenceDefinition, _ cells: [InterferenceCell], bins: Int,
                                   to container: ArchiveContainer) throws {
        let edges = definition.positionBinEdges, n = definition.cellCount, documents = definition.documents.count
        var mean = [Double](repeating: .nan, count: n), maxAbs = mean, packed = mean, alone = mean, seconds = mean
        var tokens = [Int](repeating: 0, count: n), documentCount = tokens, windows = tokens
        var byDocumentPosition = [Double](repeating: .nan, count: n * bins), countDocumentPosition = [Int](repeating: 0, count: n * bins)
        var byWindowPosition = byDocumentPosition, countWindowPosition = countDocumentPosition
        var byBoth = [Double](repeating: .nan, count: n * bins * bins), countBoth = [Int](repeating: 0, count: n * bins * bins)
        var byDocument = [Double](repeating: .nan, count: n * documents)
        var specs = [String](repeating: "", count: n)
        for (flat, cell) in cells.enumerated() {
            mean[flat] = cell.meanDeltaNLL
            maxAbs[flat] = cell.maxAbsDeltaNLL
            packed[flat] = cell.meanPackedNLL
            alone[flat] = cell.meanAloneNLL
            seconds[flat] = cell.seconds
            tokens[flat] = cell.tokens
            documentCount[flat] = cell.documents
            windows[flat] = cell.windows
            specs[flat] = cell.resolvedSpec
            let d = InterferenceCell.binned(cell.deltaNLL, by: cell.documentPosition, edges: edges)
            byDocumentPosition.replaceSubrange(flat * bins..<(flat + 1) * bins, with: d.mean)
            countDocumentPosition.replaceSubrange(flat * bins..<(flat + 1) * bins, with: d.count)
            let w = InterferenceCell.binned(cell.deltaNLL, by: cell.windowPosition, edges: edges)
            byWindowPosition.replaceSubrange(flat * bins..<(flat + 1) * bins, with: w.mean)
            countWindowPosition.replaceSubrange(flat * bins..<(flat + 1) * bins, with: w.count)
            let joint = zip(cell.documentPosition, cell.windowPosition).map {
                Int32(InterferenceCell.bin(Int($0), edges: edges) * bins + InterferenceCell.bin(Int($1), edges: edges))
            }
            let b = InterferenceCell.grouped(cell.deltaNLL, by: joint, count: bins * bins)
            byBoth.replaceSubrange(flat * bins * bins..<(flat + 1) * bins * bins, with: b.mean)
            countBoth.replaceSubrange(flat * bins * bins..<(flat + 1) * bins * bins, with: b.count)
            let perDocument = InterferenceCell.grouped(cell.deltaNLL, by: cell.tokenDocument, count: documents)
            byDocument.replaceSubrange(flat * documents..<(flat + 1) * documents, with: perDocument.mean)
        }
        let cellDimensions = ["packing", "positions", "context_length"]
        for (name, values, units, longName) in [
            ("mean_delta_nll", mean, "nats", "mean over scored tokens of NLL(packed) - NLL(alone)"),
            ("max_abs_delta_nll", maxAbs, "nats", "largest |NLL(packed) - NLL(alone)| of a scored token"),
            ("mean_nll_packed", packed, "nats", "mean NLL (or bound contribution) of the scored tokens packed"),
            ("mean_nll_alone", alone, "nats", "mean NLL (or bound contribution) of the scored tokens alone"),
            ("seconds", seconds, "s", "forward-pass wall time of the packed windows (timing; differs between runs)"),
        ] {
            try container.writeVariable(name, dimensions: cellDimensions, values: .float64(values), units: units, longName: longName)
        }
        for (name, values, units, longName) in [
            ("tokens", tokens, "tokens", "scored tokens"), ("documents", documentCount, "1", "documents scored"),
            ("windows", windows, "1", "packed windows"),
        ] {
            try container.writeVariable(name, dimensions: cellDimensions, values: .ints(values), units: units, longName: longName)
        }
        try container.writeVariable("delta_nll_by_document_position", dimensions: cellDimensions + ["document_position_bin"],
                                    values: .float64(byDocumentPosition), units: "nats", longName: "mean delta NLL per document-position bin")
        try container.writeVariable("tokens_by_document_position", dimensions: cellDimensions + ["document_position_bin"],
                                    values: .ints(countDocumentPosition), units: "tokens", longName: "scored tokens per document-position bin")
        try container.writeVariable("delta_nll_by_window_position", dimensions: cellDimensions + ["window_position_bin"],
                                    values: .float64(byWindowPosition), units: "nats", longName: "mean delta NLL per window-position bin")
        try container.writeVariable("tokens_by_window_position", dimensions: cellDimensions + ["window_position_bin"],
                                    values: .ints(countWindowPosition), units: "tokens", longName: "scored tokens per window-position bin")
        let both = cellDimensions + ["document_position_bin", "window_position_bin"]
        try container.writeVariable("delta_nll_by_position", dimensions: both, values: .float64(byBoth), units: "nats",
                                    longName: "mean delta NLL per (document-position bin, window-position bin)")
        try container.writeVariable("tokens_by_position", dimensions: both, values: .ints(countBoth), units: "tokens",
                                    longName: "scored tokens per (document-position bin, window-position bin)")
        try container.writeVariable("delta_nll_by_document", dimensions: cellDimensions + ["document"], values: .float64(byDocument),
                                    units: "nats", longName: "mean delta NLL of each document's scored tokens")
        try container.writeVariable("cell_spec", dimensions: ["cell"], values: .strings(specs), units: "1",
                                    longName: "resolved canonical RoPE spec of the cell")
        try container.writeVariable("token_count", dimensions: ["cell"], values: .ints(cells.map(\.tokens)), units: "1",
                                    longName: "per-token entries of the cell in the token dimension",
                                    attributes: ["sample_dimension": .string("token")])
        try writeTokens(cells, to: container)
    }

    private static func writeTokens(_ cells: [InterferenceCell], to container: ArchiveContainer) throws {
        try container.defineUnlimitedDimension("token")
        let doubles: [(String, String, KeyPath<InterferenceCell, [Double]>)] = [
            ("token_delta_nll", "NLL(packed) - NLL(alone) of the token", \.deltaNLL),
            ("token_nll_packed", "NLL (or bound contribution) of the token packed", \.packedNLL),
            ("token_nll_alone", "NLL (or bound contribution) of the token alone", \.aloneNLL),
        ]
        for (name, longName, path) in doubles {
            let variable = try container.makeAppendable(name, dimensions: ["token"], type: .float64, units: "nats", longName: longName)
            let values = cells.flatMap { $0[keyPath: path] }
            if !values.isEmpty { try variable.append(.float64(values)) }
        }
        let ints: [(String, String, String, KeyPath<InterferenceCell, [Int32]>)] = [
            ("token_document", "1", "document index of the token", \.tokenDocument),
            ("token_document_position", "tokens", "position of the token in its document", \.documentPosition),
            ("token_window_position", "tokens", "position of the token in its packed window", \.windowPosition),
            ("token_window", "1", "packed window of the token", \.tokenWindow),
        ]
        for (name, units, longName, path) in ints {
            let variable = try container.makeAppendable(name, dimensions: ["token"], type: .int32, units: units, longName: longName)
            let values = cells.flatMap { $0[keyPath: path] }
            if !values.isEmpty { try variable.append(.int32(values)) }
        }
    }
}
