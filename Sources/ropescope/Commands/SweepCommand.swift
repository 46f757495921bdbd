import Analyzers
import ArgumentParser
import Foundation
import RoPE

/// `ropescope sweep`: a grid of scaling choices into one HDF5 file.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Sweep methods × factors × target lengths (× d × b) into one netCDF-4 HDF5 file.",
        discussion: """
            With --config, reads a JSON sweep configuration (see experiments/README.md). With --rope \
            (repeatable) builds one from flags. With neither, runs the embedded default \
            (experiments/smollm2-135m-sweep.json). Rows are computed in parallel; the output is \
            deterministic.
            """)

    @Option(help: ArgumentHelp("JSON sweep configuration.", valueName: "file.json"))
    var config: String?

    @OptionGroup var model: ModelOptions

    @Option(name: .customLong("rope"), parsing: .singleValue, help: ArgumentHelp(
        "Spec template (repeatable); combined with --factors when given.", valueName: "spec"))
    var specs: [String] = []

    @Option(parsing: .unconditional, help: "Comma-separated target lengths (k/m suffixes allowed); defaults to --target-length.")
    var targetLengths: String?

    @Option(parsing: .unconditional, help: "Comma-separated factors applied to every --rope template that takes one.")
    var factors: String?

    @OptionGroup var limits: LimitOptions

    @OptionGroup var output: OutputOptions

    /// The grid flags given on the command line; each is a contradiction with --config or the
    /// embedded default, which define the grid themselves.
    private var gridFlags: [String] {
        var given: [String] = []
        if model.preset != nil { given.append("--preset") }
        if model.rotaryDimension != nil { given.append("--dim") }
        if model.base != nil { given.append("--base") }
        if model.trainLength != nil { given.append("--train-length") }
        if model.targetLength != nil { given.append("--target-length") }
        if targetLengths != nil { given.append("--target-lengths") }
        if factors != nil { given.append("--factors") }
        return given
    }

    mutating func validate() throws {
        if config != nil, !specs.isEmpty {
            throw ValidationError("--config and --rope are exclusive: put the methods in the configuration file")
        }
        if config != nil, let flag = gridFlags.first {
            throw ValidationError("\(flag) cannot be combined with --config: the configuration file defines the grid "
                + "(edit the file, or use --rope with flags instead)")
        }
        if config == nil, specs.isEmpty, let flag = gridFlags.first {
            throw ValidationError("\(flag) needs at least one --rope spec (or --config FILE): without either the embedded "
                + "default sweep runs and defines its own grid")
        }
        if config == nil { _ = try grid() }
        if let path = output.output { try OutputPath.check(path, inputs: [config]) }
    }

    /// The configuration from --config, flags, or the embedded default.
    func configuration() throws -> (SweepConfiguration, String) {
        if let config {
            do {
                return (try SweepConfiguration.load(path: config), config)
            } catch let error as AnalyzerError {
                if case .configUnreadable = error { throw Failure.unreadableInput(error.description) }
                throw Failure.malformedInput(error.description)
            }
        }
        if specs.isEmpty { return (try DefaultSweep.configuration(), DefaultSweep.label) }
        var configuration = SweepConfiguration(
            name: "command-line", targetLengths: try lengths(), methods: try methods())
        configuration.preset = model.preset
        if let d = model.rotaryDimension { configuration.rotaryDimensions = [d] }
        if let b = model.base { configuration.bases = [b] }
        configuration.trainLength = model.trainLength
        return (configuration, "--rope")
    }

    private func lengths() throws -> [Int] {
        guard let text = targetLengths else {
            return [try model.requiredTargetLength()]
        }
        if model.targetLength != nil {
            throw ValidationError("--target-length and --target-lengths are exclusive: list every target in --target-lengths")
        }
        return try Self.items(text, flag: "--target-lengths").map { try LengthArgument.parse($0) }
    }

    /// Comma-separated items, each trimmed; an empty item is an error, not skipped.
    static func items(_ text: String, flag: String) throws -> [String] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if let empty = items.firstIndex(of: "") {
            throw ValidationError("invalid \(flag) '\(text)': item \(empty + 1) is empty (allowed comma-separated values, none empty)")
        }
        return items
    }

    private func methods() throws -> [SweepMethod] {
        let range = RoPESpec.allowedRange("factor") ?? 1e-3...1e6
        let factorValues: [Double]? = try factors.map { text in
            try Self.items(text, flag: "--factors").map { item in
                guard let value = Double(item), value.isFinite, range.contains(value) else {
                    throw ValidationError(
                        "invalid --factors entry '\(item)': allowed finite numbers in \(range.lowerBound)...\(range.upperBound), comma-separated")
                }
                return value
            }
        }
        var applied = false
        let methods = try specs.map { spec -> SweepMethod in
            let method = RoPEMethod(rawValue: spec.split(separator: ":").first.map { $0.lowercased() } ?? spec)
            let takesFactor = method.map { RoPESpec.allowedKeys($0).contains("factor") } ?? false
            let hasFactor = spec.split(separator: ":", maxSplits: 1).dropFirst().first.map { body in
                body.split(separator: ",").contains { $0.split(separator: "=").first?.trimmingCharacters(in: .whitespaces).lowercased() == "factor" }
            } ?? false
            if factorValues != nil, hasFactor {
                throw ValidationError("--factors contradicts --rope '\(spec)', which sets factor itself: drop one of them")
            }
            applied = applied || (takesFactor && factorValues != nil)
            return SweepMethod(spec: spec, factors: takesFactor && !hasFactor ? factorValues : nil)
        }
        if factorValues != nil, !applied {
            throw ValidationError("--factors applies to no --rope spec: none of \(specs.joined(separator: ", ")) takes a factor")
        }
        return methods
    }

    /// The expanded grid, after its size is checked against --max-memory/--max-work (exit 64);
    /// configuration problems from a file exit 65 (with line and column), from flags exit 64.
    func grid() throws -> SweepGrid {
        let (configuration, label) = try configuration()
        do {
            let (rows, estimate) = try ResourceEstimate.sweep(configuration, path: label)
            do {
                try limits.limits.check(estimate, what: "sweep of \(String(format: "%.0f", rows)) rows")
            } catch let error as AnalyzerError {
                throw Failure.usage(error.description)
            }
            return try SweepGrid(configuration, path: label)
        } catch let error as AnalyzerError {
            if let config {
                let data = (try? Data(contentsOf: URL(fileURLWithPath: config))) ?? Data()
                throw Failure.malformedInput(SweepConfiguration.locate(error, in: data).description)
            }
            throw ValidationError(error.description)
        }
    }

    func run() throws { try LibraryErrors.mapped { try execute() } }

    private func execute() throws {
        let grid = try grid()
        let interactive = isatty(STDERR_FILENO) != 0
        let results = try SweepAnalysis.run(grid) { done, total in
            if interactive { Output.progress("sweep: \(done)/\(total) analyses") }
        }
        if interactive { Output.progress("sweep: \(results.count) rows done\n") }
        if let path = output.output {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            let configurationJSON = String(decoding: try encoder.encode(grid.configuration), as: UTF8.self)
            try Export.write(path: path, configurationJSON: configurationJSON) { writer in
                try writer.setAttribute("sweep_name", .string(grid.configuration.name))
                if let description = grid.configuration.description {
                    try writer.setAttribute("sweep_description", .string(description))
                }
                try AnalysisArchive.writeRows(results, to: writer)
            }
        }
        let summary = results.map(SweepSummaryRow.init)
        if output.json {
            try Output.printJSON(SweepReport(name: grid.configuration.name, output: output.output, rows: summary))
            return
        }
        print("sweep \(grid.configuration.name): \(results.count) rows" + (output.output.map { " → \($0)" } ?? ""))
        var table = TextTable("target", "spec", "d_crit c/b", "T_extra causal", "T_extra bidir", "oor causal", "oor bidir")
        for row in summary {
            table.add([String(row.targetLength), row.label,
                       "\(row.criticalDimensionCausal)/\(row.criticalDimensionBidirectional)",
                       row.extrapolationBoundCausal.map { Output.number($0, digits: 5) } ?? "-",
                       row.extrapolationBoundBidirectional.map { Output.number($0, digits: 5) } ?? "-",
                       Output.number(row.outOfRangeFractionCausal, digits: 3),
                       Output.number(row.outOfRangeFractionBidirectional, digits: 3)])
        }
        print(table.render())
    }
}

/// One summary row of `sweep --json`.
struct SweepSummaryRow: Encodable {
    var spec: String
    var label: String
    var targetLength: Int
    var rotaryDimension: Int
    var base: Double
    var attentionFactor: Double
    var criticalDimensionCausal: Int
    var criticalDimensionBidirectional: Int
    @EncodeNull var extrapolationBoundCausal: Double?
    @EncodeNull var extrapolationBoundBidirectional: Double?
    var outOfRangeFractionCausal: Double
    var outOfRangeFractionBidirectional: Double
    @EncodeNull var scalingFactor: Double?

    init(_ result: SweepRowResult) {
        spec = result.row.spec
        label = result.row.label
        targetLength = result.row.setup.targetLength
        rotaryDimension = result.row.setup.geometry.rotaryDimension
        base = result.row.setup.geometry.base
        attentionFactor = result.table.frequencies.attentionFactor
        criticalDimensionCausal = result.coverage[.causal].criticalDimension
        criticalDimensionBidirectional = result.coverage[.bidirectional].criticalDimension
        extrapolationBoundCausal = Output.finite(result.coverage[.causal].extrapolationBound)
        extrapolationBoundBidirectional = Output.finite(result.coverage[.bidirectional].extrapolationBound)
        outOfRangeFractionCausal = result.coverage[.causal].outOfRange.outOfRangeFraction
        outOfRangeFractionBidirectional = result.coverage[.bidirectional].outOfRange.outOfRangeFraction
        scalingFactor = result.table.frequencies.criticalRule?.scalingFactor
    }
}

struct SweepReport: Encodable {
    var name: String
    @EncodeNull var output: String?
    var rows: [SweepSummaryRow]
}
