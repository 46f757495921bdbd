import ArgumentParser
import BLASRuntime
import Foundation
import Inference
import Probes

/// `ropescope probe interference MODEL --documents DIR --context-length 2k --packing direct,eod,mask`:
/// each document's per-token NLL packed with others minus alone (`InterferenceRunner`).
struct ProbeInterferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interference",
        abstract: "Cross-document interference: per-token NLL packed (direct, EOD, attention mask) minus alone.",
        discussion: """
            Documents are truncated to L, shuffled by --seed and packed next-fit into windows of at most L \
            tokens; every document is also scored alone (its own window, positions from 0). ΔNLL = NLL(packed) \
            − NLL(alone) per scored token (chain rule for causal models, the masked-diffusion bound with the same \
            masks alone and packed for bidirectional ones). Under --packing mask with --positions restart ΔNLL \
            is 0 up to float rounding.
            """)

    @OptionGroup var modelOptions: GGUFModelOptions

    @Option(help: ArgumentHelp("Directory of documents (its regular, non-hidden files, one document each).", valueName: "dir"))
    var documents: String?

    @Option(name: .customLong("document-file"), help: ArgumentHelp("One document per file (repeatable).", valueName: "file"))
    var documentFiles: [String] = []

    @Option(name: .customLong("text-file"), help: ArgumentHelp("One file holding every document, cut on --separator.", valueName: "file"))
    var textFile: String?

    @Option(help: ArgumentHelp(#"Separator of --text-file (e.g. % for fortune files, '\n\n' for blank lines; escapes \n \t \\); "#
                               + "pieces are trimmed, empty ones dropped.", valueName: "text"))
    var separator: String?

    @Option(name: .customLong("context-length"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Comma-separated window lengths L (k suffix allowed), e.g. 2k,8k (repeatable).", valueName: "lengths"))
    var contextLengthLists: [String] = []

    @Option(help: ArgumentHelp("Comma-separated packings: direct, eod, mask.", valueName: "list"))
    var packing: String = "direct,eod,mask"

    @Option(help: ArgumentHelp("Comma-separated RoPE position modes: continue, restart.", valueName: "list"))
    var positions: String = "continue,restart"

    @Option(parsing: .unconditional,
            help: "End-of-document token id for --packing eod (default: the GGUF's tokenizer.ggml.eos_token_id).")
    var eodToken: Int32?

    @OptionGroup var rope: RoPESpecOptions
    @OptionGroup var attentionOptions: AttentionOptions
    /// --seed orders the documents and (masked diffusion) draws the masks.
    @OptionGroup var masked: MaskedEstimatorOptions
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        let sources = [documents != nil, !documentFiles.isEmpty, textFile != nil].filter { $0 }.count
        guard sources == 1 else {
            throw ValidationError("give exactly one of --documents DIR, --document-file F (repeatable) or --text-file F --separator S")
        }
        if (textFile == nil) != (separator == nil) { throw ValidationError("--text-file and --separator go together") }
        if separator == "" { throw ValidationError("invalid --separator '': allowed a non-empty string such as %") }
        guard !contextLengthLists.isEmpty else { throw ValidationError("missing --context-length") }
        _ = try lengths()
        _ = try Self.list(packing, flag: "--packing", as: DocumentPacking.self)
        _ = try Self.list(positions, flag: "--positions", as: PositionMode.self)
        if rope.specs.count > 1 { throw ValidationError("--rope is given \(rope.specs.count) times: allowed one spec per run") }
        if let eodToken, eodToken < 0 { throw ValidationError("invalid --eod-token \(eodToken): allowed a token id >= 0") }
        if masked.exportMasks != nil {
            throw ValidationError("--export-masks is not supported by probe interference (masks are drawn per document)")
        }
        if let output = outputOptions.output {
            try OutputPath.check(output, inputs: [modelOptions.model, documents, textFile] + documentFiles)
        }
    }

    func lengths() throws -> [Int] {
        let values = try contextLengthLists.flatMap { list in
            try list.split(separator: ",", omittingEmptySubsequences: false).map { item in
                guard let length = parseGridLength(String(item)), (2...(1 << 20)).contains(length) else {
                    throw ValidationError("invalid --context-length entry '\(item)': allowed 2...1048576 tokens (k/m suffix allowed), comma-separated")
                }
                return length
            }
        }
        guard Set(values).count == values.count else { throw ValidationError("a context length is given twice: allowed distinct lengths") }
        return values
    }

    /// `\n`, `\t` and `\\` in a separator become a newline, a tab and a backslash (other text is kept).
    static func unescaped(_ text: String) -> String {
        var result = "", escaping = false
        for character in text {
            if escaping {
                switch character {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "\\": result.append("\\")
                default: result.append("\\"); result.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return escaping ? result + "\\" : result
    }

    static func list<T: RawRepresentable & CaseIterable>(_ text: String, flag: String, as: T.Type) throws -> [T] where T.RawValue == String {
        let values = try text.split(separator: ",", omittingEmptySubsequences: false).map { item in
            guard let value = T(rawValue: String(item)) else {
                throw ValidationError("invalid \(flag) entry '\(item)': allowed \(T.allCases.map(\.rawValue).joined(separator: ", ")), comma-separated")
            }
            return value
        }
        guard Set(values.map(\.rawValue)).count == values.count else { throw ValidationError("\(flag) lists an entry twice") }
        return values
    }

    func run() throws {
        let lengths = try lengths()
        let packings = try Self.list(packing, flag: "--packing", as: DocumentPacking.self)
        let modes = try Self.list(positions, flag: "--positions", as: PositionMode.self)
        let source: DocumentSource = documents.map { .directory($0) }
            ?? textFile.map { .split(file: $0, separator: Self.unescaped(separator ?? "")) }
            ?? .files(documentFiles)
        let loaded = try ProbeFailure.call { try InterferenceDocuments.load(source, read: TextSource.read) }
        let context = try modelOptions.context()
        let attention = context.attention(attentionOptions.attention)
        let estimator: InterferenceEstimator
        if attention == .causal {
            if masked.samples != nil || masked.maskCount != nil || masked.maskTokenId != nil {
                throw Failure.usage("--samples, --mask-count and --mask-token-id apply to bidirectional (masked-diffusion) runs only; "
                    + "this run is causal (the model's default or --attention) and uses the chain rule")
            }
            estimator = .chainRule
        } else {
            estimator = .maskedDiffusion(try masked.options(context: context))
        }
        var eod: Int32?
        if packings.contains(.eod) {
            do { eod = try EndOfDocument.token(context: context, override: eodToken) } catch let error as ProbeError {
                throw Failure.usage("\(error)")
            }
        } else if eodToken != nil {
            throw Failure.usage("--eod-token applies to --packing eod only")
        }
        for length in lengths { try ProbeFailure.call { try ForwardMemory.check(context, contextLength: length) } }
        let tokens = try ProbeFailure.call { try InterferenceDocuments.tokenize(loaded, context: context) }
        let definition = InterferenceDefinition(
            modelSHA256: outputOptions.output == nil ? "not computed (no --output)" : try ProbeFailure.call { try context.modelSHA256() },
            documents: zip(loaded, tokens).map { GridText(label: $0.label, sha256: $0.sha256, tokenCount: $1.count) },
            spec: rope.specs.first, contextLengths: lengths, packings: packings, positions: modes, seed: masked.seed ?? 0,
            attention: attention, estimator: estimator, eodToken: eod,
            positionBinEdges: PerplexityGridDefinition.logBinEdges(maximumLength: lengths.max() ?? 2))
        let runner = InterferenceRunner(context: context, definition: definition, tokens: tokens)
        for length in lengths { _ = try ValidatedRoPE.call { try runner.scaling(length: length) } }
        if let threads = modelOptions.threads { BLASThreading.setThreadCount(threads) }
        let interactive = isatty(STDERR_FILENO) != 0
        let result = try ProbeFailure.call {
            try runner.run { done, total in
                if interactive { Output.progress("probe interference: window \(done)/\(total)   ") }
            }
        }
        if interactive { Output.progress("\n") }
        if let output = outputOptions.output {
            try Export.write(path: output, configurationJSON: try definition.json()) { writer in
                try InterferenceArchive.write(definition, result: result, modelPath: modelOptions.model,
                                              metadata: context.provenanceMetadata, to: writer)
            }
        }
        if outputOptions.json {
            try Output.printJSON(InterferenceReport(cells: result.cells.map(InterferenceReport.Cell.init)))
        } else {
            print(InterferenceReport.table(result.cells, estimator: definition.estimator))
        }
    }
}

/// `--json` of `probe interference`: exactly the documented keys.
struct InterferenceReport: Encodable {
    struct Cell: Encodable {
        var packing: String
        var positions: String
        var contextLength: Int
        var documents: Int
        var tokens: Int
        @EncodeNull var meanDeltaNll: Double?
        @EncodeNull var maxAbsDeltaNll: Double?

        init(_ cell: InterferenceCell) {
            packing = cell.packing.rawValue
            positions = cell.positions.rawValue
            contextLength = cell.contextLength
            documents = cell.documents
            tokens = cell.tokens
            meanDeltaNll = Output.finite(cell.meanDeltaNLL)
            maxAbsDeltaNll = Output.finite(cell.maxAbsDeltaNLL)
        }
    }

    var cells: [Cell]

    static func table(_ cells: [InterferenceCell], estimator: String) -> String {
        var table = TextTable("packing", "positions", "L", "windows", "documents", "tokens", "mean ΔNLL", "max |ΔNLL|", "mean NLL alone")
        for cell in cells {
            table.add([cell.packing.rawValue, cell.positions.rawValue, "\(cell.contextLength)", "\(cell.windows)", "\(cell.documents)",
                       "\(cell.tokens)", Output.number(cell.meanDeltaNLL, digits: 4), Output.number(cell.maxAbsDeltaNLL, digits: 4),
                       Output.number(cell.meanAloneNLL, digits: 6)])
        }
        return table.render() + "\n(nats per token; estimator \(estimator))"
    }
}
