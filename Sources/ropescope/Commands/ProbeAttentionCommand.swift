import ArgumentParser
import BLASRuntime
import Foundation
import Inference
import Probes

/// `ropescope probe attention MODEL --text-file F --context-length 2k,8k [--rope S ...]`: where
/// attention goes, by relative distance, per layer × head, over specs × lengths × directions.
struct ProbeAttentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attention",
        abstract: "Attention mass by relative distance per layer × head, over RoPE specs × context lengths × attention directions.",
        discussion: """
            Streams each query row's softmax inside the attention tiles (no L×L matrix): mass per distance bin \
            (left keys j <= i, then right keys j > i under bidirectional attention), mean distance, entropy, \
            sink mass (first k positions) and local mass (distance < w), averaged over every query row of the \
            windows. Without --rope: the GGUF's own scaling plus, past the trained context, the standard candidates.
            """)

    @OptionGroup var modelOptions: GGUFModelOptions

    @Option(name: .customLong("text-file"), help: ArgumentHelp("UTF-8 text file ('-' for standard input).", valueName: "file"))
    var textFile: String

    @OptionGroup var rope: RoPESpecOptions

    @Option(name: .customLong("context-length"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Comma-separated window lengths (k suffix allowed), e.g. 2k,8k (repeatable).", valueName: "lengths"))
    var contextLengthLists: [String] = []

    @Option(name: .customLong("attention"), help: ArgumentHelp(
        "Comma-separated directions: causal, bidirectional or both (default: the model's).", valueName: "directions"))
    var attentionList: String?

    @OptionGroup var profile: AttentionProfileOptions

    @Option(parsing: .unconditional, help: "Run at most N windows per cell.")
    var windows: Int?

    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        if let windows, windows < 1 { throw ValidationError("invalid --windows \(windows): allowed an integer >= 1") }
        guard !contextLengthLists.isEmpty else { throw ValidationError("missing --context-length") }
        let lengths = try self.lengths()
        guard Set(lengths).count == lengths.count else { throw ValidationError("a context length is given twice: allowed distinct lengths") }
        guard Set(rope.specs).count == rope.specs.count else { throw ValidationError("a --rope spec is given twice: allowed distinct specs") }
        _ = try attentions(default: .causal)
        if let output = outputOptions.output { try OutputPath.check(output, inputs: [modelOptions.model, textFile]) }
    }

    private func lengths() throws -> [Int] {
        try contextLengthLists.flatMap { list in
            try list.split(separator: ",", omittingEmptySubsequences: false).map { item in
                guard let length = parseGridLength(String(item)), (2...(1 << 20)).contains(length) else {
                    throw ValidationError("invalid --context-length entry '\(item)': allowed 2...1048576 tokens (k/m suffix allowed), comma-separated")
                }
                return length
            }
        }
    }

    private func attentions(default direction: AttentionDirection) throws -> [AttentionDirection] {
        guard let attentionList else { return [direction] }
        var result: [AttentionDirection] = []
        for item in attentionList.split(separator: ",", omittingEmptySubsequences: false) {
            let values: [AttentionDirection]
            if item == "both" { values = [.causal, .bidirectional] } else if let value = AttentionDirection(rawValue: String(item)) {
                values = [value]
            } else {
                throw ValidationError("invalid --attention '\(item)': allowed causal, bidirectional or both, comma-separated")
            }
            for value in values where !result.contains(value) { result.append(value) }
        }
        return result
    }

    func run() throws {
        let lengths = try lengths()
        let layout = try profile.layout(maximumLength: lengths.max() ?? 2)
        let text = try TextSource.read(textFile)
        let context = try modelOptions.context()
        let attentions = try attentions(default: context.configuration.defaultAttention)
        for length in lengths { try ProbeFailure.call { try ForwardMemory.check(context, contextLength: length) } }
        let tokens = context.tokens(text)
        guard !tokens.isEmpty else { throw Failure.malformedInput("text file '\(textFile)' is empty after tokenisation: nothing to run") }
        let specs = GridSpec.axis(rope.specs, lengths: lengths, context: context)
        if let duplicate = specs.indices.first(where: { index in specs[..<index].contains { $0.label == specs[index].label } }) {
            throw Failure.usage("two --rope specs are the same spec (\(specs[duplicate].label)): allowed distinct specs")
        }
        let definition = AttentionProfileGridDefinition(
            modelSHA256: outputOptions.output == nil ? "not computed (no --output)" : try ProbeFailure.call { try context.modelSHA256() },
            text: GridText(label: textFile, sha256: SHA256.hex(Array(text.utf8)), tokenCount: tokens.count),
            specs: specs, contextLengths: lengths, attentions: attentions, layout: layout, maximumWindows: windows)
        let runner = AttentionProfileRunner(context: context, definition: definition, tokens: tokens)
        try ValidatedRoPE.call { try runner.validateSpecs() }
        if let threads = modelOptions.threads { BLASThreading.setThreadCount(threads) }
        let interactive = isatty(STDERR_FILENO) != 0
        let cells = try ProbeFailure.call {
            try runner.run { flat, done, total in
                guard interactive else { return }
                let key = definition.cell(flat)
                Output.progress("probe attention: cell \(flat + 1)/\(definition.cellCount) (\(definition.specs[key.spec].label), "
                    + "L=\(definition.contextLengths[key.length]), \(definition.attentions[key.attention].rawValue)): window \(done)/\(total)   ")
            }
        }
        if interactive { Output.progress("\n") }
        let c = context.configuration
        if let output = outputOptions.output {
            try Export.write(path: output, configurationJSON: try definition.json()) { writer in
                try AttentionProfileArchive.write(definition, cells: cells, layers: c.layerCount, heads: c.headCount,
                                                  modelPath: modelOptions.model, metadata: context.provenanceMetadata, to: writer)
            }
        }
        for cell in cells {
            if let reason = cell.skipReason {
                FileHandle.standardError.write(Data("note: skipped \(definition.specs[cell.key.spec].label) at L=\(definition.contextLengths[cell.key.length]) "
                    .utf8) + Data("(\(definition.attentions[cell.key.attention].rawValue)): \(reason)\n".utf8))
            }
        }
        let report = AttentionReport(definition, cells: cells, layers: c.layerCount, heads: c.headCount)
        if outputOptions.json { try Output.printJSON(report) } else { print(report.table()) }
    }
}

/// `--json` of `probe attention`: exactly `distance_bins` and the per layer × head cells.
struct AttentionReport: Encodable {
    struct Cell: Encodable {
        var spec: String
        var contextLength: Int
        var attention: String
        var layer: Int
        var head: Int
        /// Left bins, then right bins under bidirectional attention.
        var mass: [Double]
        var meanDistance: Double
        var entropy: Double
        var sinkMass: Double
        var localMass: Double
    }

    var distanceBins: [Int]
    var cells: [Cell]

    init(_ definition: AttentionProfileGridDefinition, cells results: [AttentionCellResult], layers: Int, heads: Int) {
        distanceBins = definition.distanceBinBounds
        let bins = definition.distanceEdges.count
        cells = results.flatMap { result -> [Cell] in
            guard let profile = result.profile else { return [] }
            let attention = definition.attentions[result.key.attention]
            return (0..<layers).flatMap { layer in
                (0..<heads).map { head in
                    let mean = profile.mean(layer: layer, head: head)
                    return Cell(spec: result.resolvedSpec, contextLength: definition.contextLengths[result.key.length],
                                attention: attention.rawValue, layer: layer, head: head,
                                mass: attention == .causal ? Array(mean.mass.prefix(bins)) : mean.mass,
                                meanDistance: mean.distance, entropy: mean.entropy, sinkMass: mean.sink, localMass: mean.local)
                }
            }
        }
    }

    /// One line per spec × length × direction: the means over layers and heads.
    func table() -> String {
        var table = TextTable("spec", "L", "attention", "mean distance", "entropy", "sink mass", "local mass")
        var groups: [(key: String, cells: [Cell])] = []
        for cell in cells {
            let key = "\(cell.spec)|\(cell.contextLength)|\(cell.attention)"
            if let index = groups.firstIndex(where: { $0.key == key }) { groups[index].cells.append(cell) } else { groups.append((key, [cell])) }
        }
        for group in groups {
            let first = group.cells[0], n = Double(group.cells.count)
            func mean(_ value: (Cell) -> Double) -> String { Output.number(group.cells.map(value).reduce(0, +) / n, digits: 4) }
            table.add([first.spec, "\(first.contextLength)", first.attention, mean(\.meanDistance), mean(\.entropy),
                       mean(\.sinkMass), mean(\.localMass)])
        }
        return "means over layers and heads (per layer × head: --json or --output)\n" + table.render()
    }
}
