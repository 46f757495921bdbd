import Analyzers
import ArgumentParser
import RoPE

/// `ropescope coverage`: causal versus bidirectional coverage and out-of-range pairs.
struct CoverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coverage",
        abstract: "Angle coverage per pair for causal [0,T] and bidirectional [-T,T] distances, critical dimensions, "
            + "extrapolation bounds and the pairs a scaling pushes out of the trained range.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var scaling: ScalingOption
    @OptionGroup var output: OutputOptions

    mutating func validate() throws {
        _ = try scaling.setup(model: model)
    }

    func run() throws { try LibraryErrors.mapped { try execute() } }

    private func execute() throws {
        let (setup, notes) = try scaling.resolve(model: model)
        let coverage = try ValidatedRoPE.call { try CoverageAnalysis(setup) }
        if let path = output.output { try Export.writeSingle(path: path, spec: scaling.spec, coverage: coverage) }
        if output.json {
            try Output.printJSON(CoverageReport(coverage, spec: scaling.spec, notes: notes))
            return
        }
        for note in notes { print("note: \(note)") }
        print(Output.header(setup, spec: scaling.spec))
        var summary = TextTable("regime", "d_crit", "T_extra", "covered_train", "covered_target", "out_of_range", "worst_excess_rad")
        for r in coverage.regimes {
            summary.add([r.regime.rawValue, String(r.criticalDimension),
                         r.extrapolationBound.map { Output.number($0, digits: 6) } ?? "all covered",
                         "\(r.training.fullyCoveredPairCount)/\(setup.geometry.pairCount)",
                         "\(r.target.fullyCoveredPairCount)/\(setup.geometry.pairCount)",
                         Output.number(r.outOfRange.outOfRangeFraction, digits: 4),
                         Output.number(r.outOfRange.worstExcessAngle, digits: 4)])
        }
        print(summary.render())
        print("")
        let causal = coverage[.causal], bidirectional = coverage[.bidirectional]
        var pairs = TextTable("pair", "wavelength", "causal_train", "causal_target", "causal_oor",
                              "bidir_train", "bidir_target", "bidir_oor")
        for i in 0..<setup.geometry.pairCount {
            pairs.add([String(i), Output.number(coverage.table.wavelength[i]),
                       Output.number(causal.training.periodFraction[i], digits: 4),
                       Output.number(causal.target.periodFraction[i], digits: 4),
                       causal.outOfRange.outOfRange[i] ? "x" : "",
                       Output.number(bidirectional.training.periodFraction[i], digits: 4),
                       Output.number(bidirectional.target.periodFraction[i], digits: 4),
                       bidirectional.outOfRange.outOfRange[i] ? "x" : ""])
        }
        print(pairs.render())
    }
}

/// JSON of `coverage`.
struct CoverageReport: Encodable {
    struct PerRegime: Encodable {
        @EncodeNull var causal: Double?
        @EncodeNull var bidirectional: Double?
    }

    struct RegimeDetail: Encodable {
        var periodFractionTrain: [Double]
        var periodFractionTarget: [Double]
        var angleSpanTrain: [Double]
        var angleSpanTarget: [Double]
        var outOfRange: [Bool]
        var excessAngle: [Double]
        var outOfRangeFraction: Double
        var worstExcessAngle: Double
        var worstSpanRatio: Double
        var fullyCoveredPairsTrain: Int
        var fullyCoveredPairsTarget: Int
    }

    var spec: String
    var method: String
    var rotaryDimension: Int
    var base: Double
    var trainLength: Int
    var targetLength: Int
    var inverseFrequency: [Double]
    var wavelength: [Double]
    var attentionFactor: Double
    @EncodeNull var effectiveBase: Double?
    var criticalDimension: PerRegime
    var extrapolationBound: PerRegime
    var regimes: [String: RegimeDetail]
    /// Lengths defaulted from the spec rather than given as flags (empty when none).
    var notes: [String]

    init(_ coverage: CoverageAnalysis, spec: String, notes: [String] = []) {
        self.notes = notes
        let setup = coverage.table.setup
        self.spec = spec
        method = setup.scaling.method.rawValue
        rotaryDimension = setup.geometry.rotaryDimension
        base = setup.geometry.base
        trainLength = setup.trainLength
        targetLength = setup.targetLength
        inverseFrequency = coverage.table.inverseFrequency
        wavelength = coverage.table.wavelength
        attentionFactor = coverage.table.frequencies.attentionFactor
        effectiveBase = coverage.table.frequencies.effectiveBase
        criticalDimension = PerRegime(
            causal: Double(coverage[.causal].criticalDimension),
            bidirectional: Double(coverage[.bidirectional].criticalDimension))
        extrapolationBound = PerRegime(
            causal: Output.finite(coverage[.causal].extrapolationBound),
            bidirectional: Output.finite(coverage[.bidirectional].extrapolationBound))
        var details: [String: RegimeDetail] = [:]
        for r in coverage.regimes {
            details[r.regime.rawValue] = RegimeDetail(
                periodFractionTrain: r.training.periodFraction, periodFractionTarget: r.target.periodFraction,
                angleSpanTrain: r.training.angleSpan, angleSpanTarget: r.target.angleSpan,
                outOfRange: r.outOfRange.outOfRange, excessAngle: r.outOfRange.excessAngle,
                outOfRangeFraction: r.outOfRange.outOfRangeFraction, worstExcessAngle: r.outOfRange.worstExcessAngle,
                worstSpanRatio: r.outOfRange.worstSpanRatio, fullyCoveredPairsTrain: r.training.fullyCoveredPairCount,
                fullyCoveredPairsTarget: r.target.fullyCoveredPairCount)
        }
        regimes = details
    }
}
