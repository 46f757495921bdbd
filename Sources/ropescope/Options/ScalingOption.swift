import Analyzers
import ArgumentParser
import RoPE

/// --rope SPEC for analyzers that study one scaling choice.
struct ScalingOption: ParsableArguments {
    @Option(name: .customLong("rope"), help: ArgumentHelp(
        "Scaling spec METHOD[:key=value,...], e.g. yarn:factor=4 or diffusion-ntk:target-length=128k.",
        valueName: "spec"))
    var spec: String = "none"

    /// Parses the spec with lengths from `model`, then builds and checks the setup.
    func setup(model: ModelOptions) throws -> AnalysisSetup {
        let geometry = try model.geometry()
        let train = try model.requiredTrainLength()
        let target = try model.requiredTargetLength()
        return try ValidatedRoPE.call {
            let scaling = try RoPESpec.parse(spec, defaults: model.specDefaults)
            let setup = try AnalysisSetup(geometry: geometry, scaling: scaling, trainLength: train, targetLength: target)
            _ = try scaling.frequencies(for: geometry)  // surface parameter errors before any work
            return setup
        }
    }
}
