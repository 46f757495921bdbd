import Analyzers
import ArgumentParser
import Foundation
import RoPE

/// --rope SPEC for analyzers that study one scaling choice.
struct ScalingOption: ParsableArguments {
    @Option(name: .customLong("rope"), parsing: .unconditional, help: ArgumentHelp(
        "Scaling spec METHOD[:key=value,...], e.g. yarn:factor=4 or diffusion-ntk:target-length=128k.",
        valueName: "spec"))
    var spec: String = "none"

    /// Parses the spec with lengths from `model`, then builds and checks the setup.
    func setup(model: ModelOptions, windowLength: Int? = nil) throws -> AnalysisSetup {
        try resolve(model: model, windowLength: windowLength).setup
    }

    /// The setup and one note per length that was not given as a flag but defaulted: T_train from
    /// the spec's original-context/train-length, T_target from the spec's sequence-length/
    /// target-length, else T_train × the spec's factor; required when the spec has none of these.
    /// Ask only for what is missing: a length is required only when neither flag, preset nor spec gives it.
    /// `windowLength` (`spectrum`/`conditioning` --length) stands in for T_target when nothing else gives one.
    func resolve(model: ModelOptions, windowLength: Int? = nil) throws -> (setup: AnalysisSetup, notes: [String]) {
        let geometry = try model.geometry()
        return try ValidatedRoPE.call {
            var defaults = model.specDefaults
            defaults.targetLength = defaults.targetLength ?? windowLength
            let scaling = try RoPESpec.parse(spec, defaults: defaults)
            var notes: [String] = []
            let train: Int
            if let given = model.resolvedTrainLength {
                train = given
            } else if let implied = scaling.impliedTrainLength {
                train = implied
                notes.append("T_train = \(implied) taken from the spec (no --train-length given)")
            } else {
                throw ValidationError(
                    "missing --train-length (or --preset): the training context in tokens, an integer >= 1 "
                        + "(the spec '\(spec)' states none: it has no original-context or train-length)")
            }
            let target: Int
            if let given = model.targetLength {
                target = given
            } else if let implied = scaling.impliedTargetLength {
                target = implied
                notes.append("T_target = \(implied) taken from the spec (no --target-length given)")
            } else if let windowLength {
                target = windowLength
                notes.append("T_target = \(windowLength) = the window length --length (no --target-length given)")
            } else if let factor = scaling.factor {
                let product = (Double(train) * factor).rounded()
                guard product >= 1, product <= Double(RoPESpec.maximumLength) else {
                    throw ValidationError("missing --target-length: T_train × factor = \(product) is not a length in 1...\(RoPESpec.maximumLength)")
                }
                target = Int(product)
                notes.append("T_target = \(target) = T_train × factor \(Output.number(factor)) (no --target-length given)")
            } else {
                throw ValidationError(
                    "missing --target-length: the target context in tokens, an integer >= 1 (the spec '\(spec)' "
                        + "has no factor or target length to default it from)")
            }
            let setup = try AnalysisSetup(geometry: geometry, scaling: scaling, trainLength: train, targetLength: target)
            _ = try scaling.frequencies(for: geometry)  // surface parameter and θ' errors before any work
            return (setup, notes)
        }
    }
}
