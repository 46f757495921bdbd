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

    @Option(help: "Comma-separated target lengths (k/m suffixes allowed); defaults to --target-length.")
    var targetLengths: String?

    @Option(help: "Comma-separated factors applied to every --rope template that takes one.")
    var factors: String?

    @OptionGroup var output: OutputOptions

    mutating func validate() throws {
        if config != nil, !specs.isEmpty {
            throw ValidationError("--config and --rope are exclusive: put the methods in the configuration file")
        }
        if config == nil, specs.isEmpty, model.preset != nil || model.rotaryDimension != nil || factors != nil {
            throw ValidationError("give at least one --rope spec (or --config FILE) with --preset/--dim/--factors")
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
        return try text.split(separator: ",").map { try LengthArgument.parse(String($0).trimmingCharacters(in: .whitespaces)) }
    }

    private func methods() throws -> [SweepMethod] {
        let factorValues: [Double]? = try factors.map { text in
            try text.split(separator: ",").map { item in
                guard let value = Double(item.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0 else {
                    throw ValidationError("invalid --factors entry '\(item)': allowed finite numbers > 0, comma-separated")
                }
                return value
            }
        }
        return specs.map { spec in
            let method = RoPEMethod(rawValue: spec.split(separator: ":").first.map(String.init) ?? spec)
            let takesFactor = method.map { RoPESpec.allowedKeys($0).contains("factor") } ?? false
            let hasFactor = spec.contains("factor=")
            return SweepMethod(spec: spec, factors: takesFactor && !hasFactor ? factorValues : nil)
        }
    }

    /// The expanded grid; configuration problems from a file exit 65, from flags exit 64.
    func grid() throws -> SweepGrid {
        let (configuration, label) = try configuration()
        do {
            return try SweepGrid(configuration, path: label)
        } catch let error as AnalyzerError {
            if config != nil { throw Failure.malformedInput(error.description) }
            throw ValidationError(error.description)
        }
    }

    func run() throws {
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
