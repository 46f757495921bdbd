import Analyzers
import ArgumentParser
import RoPE
import Spectra

/// `ropescope conditioning`: singular values of the position features before and after scaling.
struct ConditioningCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conditioning",
        abstract: "Singular values of the [distances × 2·pairs] cos/sin feature matrix before and after scaling: "
            + "how distinguishable positions stay (condition number, effective rank).")

    @OptionGroup var model: ModelOptions
    @OptionGroup var scaling: ScalingOption
    @OptionGroup var window: WindowOptions

    @OptionGroup var limits: LimitOptions

    @OptionGroup var output: OutputOptions

    static let maximumLength = 1 << 20

    mutating func validate() throws {
        let setup = try scaling.setup(model: model, windowLength: window.length)
        _ = try window.resolvedLength(model: model, maximum: Self.maximumLength, setup: setup)
    }

    func run() throws { try LibraryErrors.mapped { try execute() } }

    private func execute() throws {
        let (setup, notes) = try scaling.resolve(model: model, windowLength: window.length)
        let length = try window.resolvedLength(model: model, maximum: Self.maximumLength, setup: setup)
        // The HDF5 schema holds both regimes, so --output computes both whatever --regime says.
        let computed = output.output == nil ? window.regime.regimes : RelativeDistanceRegime.allCases
        let pairs = setup.geometry.pairCount
        guard pairs <= PositionFeatures.maximumPairCount else {
            throw Failure.usage("invalid --dim \(setup.geometry.rotaryDimension) for conditioning: allowed an even integer in "
                + "2...\(2 * PositionFeatures.maximumPairCount) (at most \(PositionFeatures.maximumPairCount) pairs)")
        }
        try limits.limits.check(
            ResourceEstimate.conditioning(pairCount: pairs, length: length, regimes: computed),
            what: "conditioning of \(pairs) pairs over \(length) tokens (\(computed.map(\.rawValue).joined(separator: " + ")))")
        let coverage = try ValidatedRoPE.call { try CoverageAnalysis(setup) }
        let all = try computed.map { try ConditioningComparison(table: coverage.table, regime: $0, length: length) }
        let comparisons = all.filter { window.regime.regimes.contains($0.scaled.regime) }
        if let path = output.output {
            try Export.writeSingle(path: path, spec: scaling.spec, coverage: coverage, conditioning: all)
        }
        if output.json {
            try Output.printJSON(ConditioningReport(spec: scaling.spec, length: length, comparisons: comparisons, notes: notes))
            return
        }
        for note in notes { print("note: \(note)") }
        print("spec \(scaling.spec)  L=\(length)  (condition number = σ_max/σ_min as numpy.linalg.cond)")
        var text = TextTable("regime", "features", "cond_unscaled", "cond_scaled", "eff_rank_unscaled", "eff_rank_scaled",
                             "rank_unscaled", "rank_scaled")
        for c in comparisons {
            text.add([c.scaled.regime.rawValue, "\(c.scaled.rowCount)x\(c.scaled.columnCount)",
                      Output.number(c.unscaled.singularValueRatio, digits: 4), Output.number(c.scaled.singularValueRatio, digits: 4),
                      Output.number(c.unscaled.effectiveRank, digits: 4), Output.number(c.scaled.effectiveRank, digits: 4),
                      String(c.unscaled.numericalRank), String(c.scaled.numericalRank)])
        }
        print(text.render())
    }
}

/// JSON of `conditioning`.
struct ConditioningReport: Encodable {
    struct Features: Encodable {
        var singularValues: [Double]
        var conditionNumber: Double
        var effectiveRank: Double
        var numericalRank: Int

        init(_ c: PositionFeatureConditioning) {
            singularValues = c.singularValues
            conditionNumber = c.singularValueRatio
            effectiveRank = c.effectiveRank
            numericalRank = c.numericalRank
        }
    }

    struct Regime: Encodable {
        var regime: String
        var rows: Int
        var columns: Int
        var unscaled: Features
        var scaled: Features
    }

    var spec: String
    var length: Int
    var regimes: [Regime]
    /// Lengths defaulted from the spec rather than given as flags (empty when none).
    var notes: [String]

    init(spec: String, length: Int, comparisons: [ConditioningComparison], notes: [String] = []) {
        self.notes = notes
        self.spec = spec
        self.length = length
        regimes = comparisons.map {
            Regime(regime: $0.scaled.regime.rawValue, rows: $0.scaled.rowCount, columns: $0.scaled.columnCount,
                   unscaled: Features($0.unscaled), scaled: Features($0.scaled))
        }
    }
}
