import ArgumentParser

/// `ropescope probe VERB`: probes that run the model over grids of texts, specs and lengths.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Run a probe over a grid of texts × RoPE specs × context lengths.",
        subcommands: [ProbePerplexityCommand.self, ProbePasskeyCommand.self, ProbeInterferenceCommand.self,
                      ProbeAttentionCommand.self])
}
