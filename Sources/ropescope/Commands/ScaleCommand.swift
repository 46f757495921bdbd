import Analyzers
import ArgumentParser
import RoPE

/// `ropescope scale`: recommend a base and factor for a model and a target length.
struct ScaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Recommend a RoPE base for a target length: critical-dimension NTK (causal, LongLLaDA) "
            + "and diffusion-aware NTK (bidirectional, UltraLLaDA).")

    @OptionGroup var model: ModelOptions

    @Option(help: "Regime whose rule fills the top-level JSON keys: causal or bidirectional (default: the preset's, else causal).")
    var regime: RelativeDistanceRegime?

    @Option(parsing: .unconditional, help: "Bidirectional range multiplier m (T_cap = m·T_train, T_Ecap = m·T_target), > 0.")
    var rangeMultiplier: Double = 2

    @Flag(help: "Round the factor λ up to an integer, as LongLLaDA did.")
    var roundUp = false

    @OptionGroup var output: OutputOptions

    mutating func validate() throws {
        _ = try recommendation()
    }

    func recommendation() throws -> ScaleRecommendation {
        let geometry = try model.geometry()
        let train = try model.requiredTrainLength()
        let target = try model.requiredTargetLength()
        guard rangeMultiplier.isFinite, (1e-3...1e3).contains(rangeMultiplier) else {
            throw ValidationError("invalid --range-multiplier \(rangeMultiplier): allowed a finite number > 0, in 0.001...1000")
        }
        return try ValidatedRoPE.call {
            try ScaleRecommendation(
                geometry: geometry, trainLength: train, targetLength: target, roundUp: roundUp,
                bidirectionalMultiplier: rangeMultiplier)
        }
    }

    func run() throws { try LibraryErrors.mapped { try execute() } }

    private func execute() throws {
        let recommendation = try recommendation()
        let chosen = regime ?? model.preset?.regime ?? .causal
        if let path = output.output {
            let geometry = try model.geometry()
            let configuration: [String: Any] = [
                "rotary_dimension": geometry.rotaryDimension, "base": geometry.base,
                "train_length": try model.requiredTrainLength(), "target_length": try model.requiredTargetLength(),
                "round_up": roundUp, "range_multiplier": rangeMultiplier,
            ]
            try Export.write(path: path, configurationJSON: Export.json(configuration)) {
                try AnalysisArchive.writeScale(recommendation, geometry: geometry, to: $0)
            }
        }
        if output.json {
            try Output.printJSON(ScaleReport(recommendation, chosen: chosen))
            return
        }
        print("length ratio s = T_target/T_train = \(Output.number(recommendation.lengthRatio))"
            + " (the factor linear, YaRN or dynamic NTK would take)")
        var text = TextTable("regime", "d_crit", "lambda_exact", "lambda", "new_base", "spec")
        for rule in recommendation.rules {
            text.add([rule.regime.rawValue + (rule.regime == chosen ? " *" : ""), String(rule.result.criticalDimension),
                      Output.number(rule.result.exactScalingFactor), Output.number(rule.result.scalingFactor),
                      Output.number(rule.base), rule.spec])
        }
        print(text.render())
    }
}

extension RelativeDistanceRegime: ExpressibleByArgument {}

/// JSON of `scale`: top-level keys for the chosen regime, both rules under `rules`.
struct ScaleReport: Encodable {
    struct Rule: Encodable {
        var spec: String
        var criticalDimension: Int
        var exactScalingFactor: Double
        var scalingFactor: Double
        var base: Double
        var capturedLength: Double
        var extendedLength: Double
    }

    var regime: String
    var spec: String
    var scalingFactor: Double
    var exactScalingFactor: Double
    var base: Double
    var criticalDimension: Int
    var lengthRatio: Double
    var rules: [String: Rule]

    init(_ recommendation: ScaleRecommendation, chosen: RelativeDistanceRegime) {
        var all: [String: Rule] = [:]
        for r in recommendation.rules {
            all[r.regime.rawValue] = Rule(
                spec: r.spec, criticalDimension: r.result.criticalDimension,
                exactScalingFactor: r.result.exactScalingFactor, scalingFactor: r.result.scalingFactor, base: r.base,
                capturedLength: r.result.capturedLength, extendedLength: r.result.extendedLength)
        }
        let rule = recommendation[chosen]
        regime = chosen.rawValue
        spec = rule.spec
        scalingFactor = rule.result.scalingFactor
        exactScalingFactor = rule.result.exactScalingFactor
        base = rule.base
        criticalDimension = rule.result.criticalDimension
        lengthRatio = recommendation.lengthRatio
        rules = all
    }
}
