import Analyzers
import ArgumentParser
import RoPE

/// `ropescope rope`: the per-pair table of one scaling spec.
struct RopeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rope",
        abstract: "Per-pair inverse frequency, wavelength and rotations for one scaling spec.")

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
        let table = coverage.table
        if let path = output.output { try Export.writeSingle(path: path, spec: scaling.spec, coverage: coverage) }
        if output.json {
            try Output.printJSON(RopeReport(table, spec: scaling.spec, notes: notes))
            return
        }
        let f = table.frequencies
        for note in notes { print("note: \(note)") }
        print(Output.header(setup, spec: scaling.spec))
        print("attention factor \(Output.number(f.attentionFactor))  effective base "
            + (f.effectiveBase.map { Output.number($0) } ?? "n/a (not a single-base scaling)"))
        if let rule = f.criticalRule {
            print("critical dimension \(rule.criticalDimension)  λ exact \(Output.number(rule.exactScalingFactor))"
                + "  λ applied \(Output.number(rule.scalingFactor))")
        }
        var text = TextTable("pair", "theta", "theta_scaled", "wavelength", "rot_train", "rot_target")
        for i in 0..<setup.geometry.pairCount {
            text.add([String(i), Output.number(table.baseInverseFrequency[i]), Output.number(table.inverseFrequency[i]),
                      Output.number(table.wavelength[i]), Output.number(table.rotationsInTrainLength[i], digits: 4),
                      Output.number(table.rotationsInTargetLength[i], digits: 4)])
        }
        print(text.render())
    }
}

/// JSON of `rope`.
struct RopeReport: Encodable {
    var spec: String
    var method: String
    var rotaryDimension: Int
    var base: Double
    var trainLength: Int
    var targetLength: Int
    var baseInverseFrequency: [Double]
    var inverseFrequency: [Double]
    var wavelength: [Double]
    var rotationsTrain: [Double]
    var rotationsTarget: [Double]
    var attentionFactor: Double
    @EncodeNull var effectiveBase: Double?
    @EncodeNull var criticalDimension: Int?
    @EncodeNull var scalingFactor: Double?
    @EncodeNull var exactScalingFactor: Double?
    /// Lengths defaulted from the spec rather than given as flags (empty when none).
    var notes: [String]

    init(_ table: PairTable, spec: String, notes: [String] = []) {
        self.notes = notes
        let setup = table.setup
        self.spec = spec
        method = setup.scaling.method.rawValue
        rotaryDimension = setup.geometry.rotaryDimension
        base = setup.geometry.base
        trainLength = setup.trainLength
        targetLength = setup.targetLength
        baseInverseFrequency = table.baseInverseFrequency
        inverseFrequency = table.inverseFrequency
        wavelength = table.wavelength
        rotationsTrain = table.rotationsInTrainLength
        rotationsTarget = table.rotationsInTargetLength
        attentionFactor = table.frequencies.attentionFactor
        effectiveBase = table.frequencies.effectiveBase
        criticalDimension = table.frequencies.criticalRule?.criticalDimension
        scalingFactor = table.frequencies.criticalRule?.scalingFactor
        exactScalingFactor = table.frequencies.criticalRule?.exactScalingFactor
    }
}
