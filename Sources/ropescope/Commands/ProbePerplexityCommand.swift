import ArgumentParser
import BLASRuntime
import Foundation
import Inference
import Probes
import RoPE

/// `ropescope probe perplexity MODEL --text-file A ... --rope S ... --context-length 2k,4k ...`:
/// one `score` run per cell of texts × specs × context lengths, in one netCDF-4 file.
struct ProbePerplexityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Perplexity over a grid of texts × RoPE specs × context lengths (each cell follows the score protocol).",
        discussion: """
            Without --rope the grid holds the GGUF's own scaling and, for lengths past the trained context \
            T, the candidates linear, ntk, yarn (factor L/T), critical-ntk and diffusion-ntk (target L). \
            A text shorter than a context length gives a skipped cell (status skipped, with the reason). \
            Each finished cell is committed to OUTPUT.journal/; --resume continues an interrupted run; \
            --shard i/n (0 <= i < n) runs a deterministic subset, combined with `ropescope merge`.
            """)

    @OptionGroup var modelOptions: GGUFModelOptions

    @Option(name: .customLong("text-file"), help: ArgumentHelp("UTF-8 text file (repeatable).", valueName: "file"))
    var textFiles: [String] = []

    @OptionGroup var rope: RoPESpecOptions

    @Option(name: .customLong("context-length"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Comma-separated window lengths (k suffix allowed), e.g. 2k,4k,8k (repeatable).", valueName: "lengths"))
    var contextLengthLists: [String] = []

    @Option(help: "Estimator: chain-rule (causal models), masked-diffusion or masked-ce (default: by model kind).")
    var estimator: GridEstimator?

    @Option(help: ArgumentHelp("Grid JSON (keys text_files, rope, context_lengths, estimator, scored_span, windows, attention, position_bins).",
                               valueName: "grid.json"))
    var config: String?

    @OptionGroup var attentionOptions: AttentionOptions

    @Option(parsing: .unconditional, help: "Score at most N windows per cell.")
    var windows: Int?

    @Option(help: ArgumentHelp("Targets per window: all, second-half or last:N.", valueName: "span"))
    var scoredSpan: ScoredTargets?

    @Option(help: ArgumentHelp("Position bins: log (1, 2, 4, ...) or ascending lower edges such as 1,64,512.", valueName: "bins"))
    var positionBins: String?

    @Option(help: ArgumentHelp("Run shard i of n (0 <= i < n) into its own --output file.", valueName: "i/n"))
    var shard: String?

    @OptionGroup var masked: MaskedEstimatorOptions

    @Flag(help: "Continue an interrupted run from OUTPUT.journal/ (refused if the grid differs).")
    var resume = false

    @OptionGroup var outputOptions: OutputOptions

    /// The resolved grid axes and options.
    struct Plan {
        var textFiles: [String]
        var specs: [String]
        var lengths: [Int]
        var estimator: GridEstimator?
        var span: ScoredTargets
        var windows: Int?
        var attention: AttentionDirection?
        var positionBins: String?
        var shard: (index: Int, count: Int)?
    }

    func validate() throws {
        if let windows, windows < 1 { throw ValidationError("invalid --windows \(windows): allowed an integer >= 1") }
        if let exportMasks = masked.exportMasks { try OutputPath.check(exportMasks, inputs: [modelOptions.model, config] + textFiles) }
        if let shard { _ = try Self.parseShard(shard) }
        if shard != nil, outputOptions.output == nil { throw ValidationError("--shard needs --output FILE.h5 (one file per shard)") }
        if resume, outputOptions.output == nil { throw ValidationError("--resume needs the --output FILE.h5 of the interrupted run") }
        if let output = outputOptions.output { try OutputPath.check(output, inputs: [modelOptions.model, config] + textFiles) }
        if config == nil {
            guard !textFiles.isEmpty else { throw ValidationError("missing --text-file (or --config with text_files)") }
            guard !contextLengthLists.isEmpty else { throw ValidationError("missing --context-length (or --config with context_lengths)") }
        }
        _ = try lengthsFromFlags()
    }

    static func parseShard(_ text: String) throws -> (index: Int, count: Int) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let index = parts[0], let count = parts[1], count >= 1, count <= 100_000, (0..<count).contains(index) else {
            throw ValidationError("invalid --shard '\(text)': allowed i/n with 1 <= n <= 100000 and 0 <= i < n (e.g. $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT with --array=0-(n-1))")
        }
        return (index, count)
    }

    private func lengthsFromFlags() throws -> [Int] {
        try contextLengthLists.flatMap { list in
            try list.split(separator: ",", omittingEmptySubsequences: false).map { item in
                guard let length = parseGridLength(String(item)), (2...(1 << 20)).contains(length) else {
                    throw ValidationError("invalid --context-length entry '\(item)': allowed 2...1048576 tokens (k/m suffix allowed), comma-separated")
                }
                return length
            }
        }
    }

    /// Flags and --config merged; a field given both ways is a usage error.
    func plan() throws -> Plan {
        let file = try config.map { path in try ProbeFailure.call { try PerplexityGridConfiguration.load(path: path) } }
        func pick<T>(_ flag: T?, _ fromFile: T?, _ name: String, _ key: String) throws -> T? {
            if flag != nil, fromFile != nil {
                throw Failure.usage("\(name) is given on the command line and as '\(key)' in --config: give it once")
            }
            return flag ?? fromFile
        }
        let texts = try pick(textFiles.isEmpty ? nil : textFiles, file?.textFiles, "--text-file", "text_files") ?? []
        let lengths = try pick(contextLengthLists.isEmpty ? nil : try lengthsFromFlags(), file?.contextLengths,
                               "--context-length", "context_lengths") ?? []
        guard !texts.isEmpty else { throw Failure.usage("missing --text-file (or text_files in --config)") }
        guard !lengths.isEmpty else { throw Failure.usage("missing --context-length (or context_lengths in --config)") }
        guard Set(texts).count == texts.count else { throw Failure.usage("a text file is given twice: allowed distinct files") }
        guard Set(lengths).count == lengths.count else { throw Failure.usage("a context length is given twice: allowed distinct lengths") }
        if let bad = lengths.first(where: { !(2...(1 << 20)).contains($0) }) {
            throw Failure.usage("invalid context length \(bad): allowed 2...1048576 tokens")
        }
        let specs = try pick(rope.specs.isEmpty ? nil : rope.specs, file?.specs, "--rope", "rope") ?? []
        guard Set(specs).count == specs.count else { throw Failure.usage("a --rope spec is given twice: allowed distinct specs") }
        let span = try pick(scoredSpan, file?.scoredSpan, "--scored-span", "scored_span") ?? .all
        for length in lengths where span.targetPositions(contextLength: length).isEmpty {
            throw Failure.usage("--scored-span \(span.rawValue) scores 0 tokens in a window of \(length): allowed \(span.allowedContextLengths)")
        }
        return Plan(textFiles: texts, specs: specs, lengths: lengths,
                    estimator: try pick(estimator, file?.estimator, "--estimator", "estimator"), span: span,
                    windows: try pick(windows, file?.windows, "--windows", "windows"),
                    attention: try pick(attentionOptions.attention, file?.attention, "--attention", "attention"),
                    positionBins: try pick(positionBins, file?.positionBins, "--position-bins", "position_bins"),
                    shard: try shard.map(Self.parseShard))
    }

    func run() throws {
        let plan = try plan()
        var texts: [(label: String, text: String)] = []
        for path in plan.textFiles {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Failure.unreadableInput("cannot read text file '\(path)' (missing or not readable)")
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                throw Failure.malformedInput("text file '\(path)' is not valid UTF-8")
            }
            texts.append((path, text))
        }
        let context = try modelOptions.context()
        let attention = context.attention(plan.attention)
        let estimator = plan.estimator ?? GridEstimator.defaultFor(context.configuration.defaultAttention)
        if estimator != .chainRule, attention == .causal {
            throw Failure.usage("--estimator \(estimator.rawValue) needs bidirectional attention (a masked-diffusion model), but this run "
                + "is causal (the model's default or --attention): allowed --attention bidirectional, or --estimator chain-rule")
        }
        let maskedOptions = estimator == .chainRule ? nil : try masked.options(context: context)
        if estimator == .chainRule, masked.isSet {
            throw Failure.usage("--samples, --mask-count, --seed, --mask-token-id and --export-masks apply to the masked estimators only, "
                + "not to --estimator chain-rule")
        }
        if estimator == .chainRule, attention == .bidirectional {
            throw Failure.usage("--estimator chain-rule needs causal attention, but this run is bidirectional "
                + "(the model's default or --attention): allowed --attention causal, or a masked estimator for bidirectional models")
        }
        let edges = try ProbeFailure.call { try positionBinEdges(plan.positionBins, maximumLength: plan.lengths.max() ?? 2) }
        for length in plan.lengths { try ProbeFailure.call { try ForwardMemory.check(context, contextLength: length) } }
        let tokens = texts.map { context.tokens($0.text) }
        for (index, list) in tokens.enumerated() where list.isEmpty {
            throw Failure.malformedInput("text file '\(texts[index].label)' is empty after tokenisation: nothing to score")
        }
        let specs = GridSpec.axis(plan.specs, lengths: plan.lengths, context: context)
        for (index, spec) in specs.enumerated() {
            if let earlier = specs[..<index].first(where: { $0.label == spec.label }), case let .user(a) = earlier.source,
               case let .user(b) = spec.source {
                throw Failure.usage("--rope '\(a)' and '\(b)' are the same spec (\(spec.label)): allowed distinct specs")
            }
        }
        let definition = PerplexityGridDefinition(
            // The digest identifies the grid in files (provenance, journal, shards); a run that
            // writes no file skips reading the whole model again.
            modelSHA256: outputOptions.output == nil ? "not computed (no --output)" : try ProbeFailure.call { try context.modelSHA256() },
            texts: zip(texts, tokens).map { GridText(label: $0.0.label, sha256: SHA256.hex(Array($0.0.text.utf8)), tokenCount: $0.1.count) },
            specs: specs, contextLengths: plan.lengths, estimator: estimator, scoredSpan: plan.span,
            maximumWindows: plan.windows, attention: attention, positionBinEdges: edges, maskedDiffusion: maskedOptions)
        let runner = PerplexityGridRunner(context: context, definition: definition, tokens: tokens)
        try ValidatedRoPE.call { try runner.validateSpecs() }
        if let threads = modelOptions.threads { BLASThreading.setThreadCount(threads) }

        if let maskedOptions, let path = masked.exportMasks {
            try MaskedEstimatorOptions.exportMasks(to: path, options: maskedOptions, definition: definition)
        }
        let selected = plan.shard.map { definition.shardCells(index: $0.index, count: $0.count) } ?? Array(0..<definition.cellCount)
        let shardLabel = plan.shard.map { "\($0.index)/\($0.count)" } ?? "all"
        var finished: [GridCellResult] = []
        var journal: PerplexityGridJournal?
        if let output = outputOptions.output {
            do {
                (journal, finished) = try PerplexityGridJournal.open(
                    output: output, definition: definition, resume: resume, modelPath: modelOptions.model,
                    metadata: context.provenanceMetadata)
            } catch let error as ProbeError {
                switch error {
                case .gridMismatch, .journalExists: throw Failure.usage("\(error)")  // this command line, not the data
                default: throw ProbeFailure.mapped(error)
                }
            }
        }
        let done = Set(finished.map { definition.flatIndex($0.key) })
        let pending = selected.filter { !done.contains($0) }
        if pending.count < selected.count {
            Output.progress("resuming: \(selected.count - pending.count) of \(selected.count) cells already finished\n")
        }
        var progress = GridProgress(definition: definition, pending: pending)
        let cells = try ProbeFailure.call {
            try runner.run(selected: selected, finished: finished, commit: { cell in try journal?.commit(cell) },
                           progress: { progress.window(flat: $0, done: $1, total: $2, rate: $3) },
                           cellDone: { progress.finish(flat: $0) })
        }
        progress.end()
        if let output = outputOptions.output {
            try Export.write(path: output, configurationJSON: try definition.json()) { writer in
                try PerplexityGridArchive.write(definition, cells: cells, shard: shardLabel, modelPath: modelOptions.model,
                                                metadata: context.provenanceMetadata, to: writer)
            }
            journal?.remove()
        }
        if outputOptions.json {
            try Output.printJSON(GridReport(cells: cells.map { GridReport.Cell($0, definition) }))
        } else {
            print(GridReport.table(cells, definition))
        }
    }
}

extension GridEstimator: ExpressibleByArgument {}

/// Progress with an ETA on stderr (TTY only): cost of what remains from the rate so far.
struct GridProgress {
    let definition: PerplexityGridDefinition
    let interactive = isatty(STDERR_FILENO) != 0
    var remainingCells: Int
    var started = DispatchTime.now().uptimeNanoseconds
    var finishedTokens = 0.0
    var remainingTokens: Double
    var tokens: [Int: Double] = [:]

    init(definition: PerplexityGridDefinition, pending: [Int]) {
        self.definition = definition
        remainingCells = pending.count
        for flat in pending {
            let key = definition.cell(flat), length = definition.contextLengths[key.length]
            let windows = min(definition.texts[key.text].tokenCount / length, definition.maximumWindows ?? .max)
            tokens[flat] = Double(windows * length)
        }
        remainingTokens = tokens.values.reduce(0, +)
    }

    mutating func window(flat: Int, done: Int, total: Int, rate: Double) {
        guard interactive else { return }
        let key = definition.cell(flat)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let cellDone = (tokens[flat] ?? 0) * Double(done) / Double(max(total, 1))
        let processed = finishedTokens + cellDone
        let eta = processed > 0 ? elapsed / processed * (remainingTokens - cellDone) : 0
        Output.progress("probe perplexity: \(remainingCells) cells left; \(definition.texts[key.text].label) × "
            + "\(definition.specs[key.spec].label) × L=\(definition.contextLengths[key.length]): window \(done)/\(total), "
            + "\(Int(rate)) tokens/s, ETA \(Int(eta)) s   ")
    }

    mutating func finish(flat: Int) {
        remainingCells -= 1
        finishedTokens += tokens[flat] ?? 0
        remainingTokens -= tokens[flat] ?? 0
    }

    func end() {
        if interactive { Output.progress("\n") }
    }
}

/// `--json` of `probe perplexity`: exactly the documented keys, numbers as numbers (null when skipped).
struct GridReport: Encodable {
    struct Cell: Encodable {
        var text: String
        var spec: String
        var contextLength: Int
        var estimator: String
        var status: String
        @EncodeNull var tokensScored: Int?
        @EncodeNull var meanNll: Double?
        @EncodeNull var perplexity: Double?
        @EncodeNull var standardError: Double?
        @EncodeNull var tokensPerSecond: Double?
        var reason: String?

        init(_ cell: GridCellResult, _ definition: PerplexityGridDefinition) {
            text = definition.texts[cell.key.text].label
            spec = cell.resolvedSpec.isEmpty ? definition.specs[cell.key.spec].label : cell.resolvedSpec
            contextLength = definition.contextLengths[cell.key.length]
            estimator = definition.estimator.rawValue
            status = cell.summary == nil ? "skipped" : "done"
            tokensScored = cell.summary?.tokensScored
            meanNll = cell.summary?.meanNLL
            perplexity = cell.summary?.perplexity
            standardError = cell.summary?.standardError
            tokensPerSecond = cell.summary?.tokensPerSecond
            reason = cell.skipReason
        }
    }

    var cells: [Cell]

    static func table(_ cells: [GridCellResult], _ definition: PerplexityGridDefinition) -> String {
        let (meanLabel, expLabel): (String, String)
        switch definition.estimator {
        case .chainRule: (meanLabel, expLabel) = ("mean NLL", "PPL")
        case .maskedDiffusion: (meanLabel, expLabel) = ("NLL bound", "PPL bound")
        case .maskedCE: (meanLabel, expLabel) = ("masked CE", "exp(masked CE)")
        }
        var table = TextTable("text", "spec", "L", "status", "tokens", meanLabel, "± SE", expLabel, "tokens/s")
        for cell in cells {
            let row = Cell(cell, definition)
            let label = definition.specs[cell.key.spec].label
            if let summary = cell.summary {
                table.add([row.text, label, "\(row.contextLength)", "done", "\(summary.tokensScored)",
                           Output.number(summary.meanNLL, digits: 6), summary.standardError.isFinite ? Output.number(summary.standardError, digits: 3) : "n/a",
                           Output.number(summary.perplexity, digits: 6), "\(Int(summary.tokensPerSecond))"])
            } else {
                table.add([row.text, label, "\(row.contextLength)", "skipped", "-", "-", "-", "-", "-"])
            }
        }
        var lines = [table.render()]
        for cell in cells { if let reason = cell.skipReason { lines.append("skipped \(definition.cellID(cell.key)): \(reason)") } }
        return lines.joined(separator: "\n")
    }
}
