import ArgumentParser

/// --rope SPEC (repeatable where a command takes several).
struct RoPESpecOptions: ParsableArguments {
    @Option(name: .customLong("rope"), help: ArgumentHelp(
        "RoPE scaling spec METHOD[:key=value,...] (default: what the GGUF declares); original-context and "
            + "target-length default to the GGUF's trained context and the window length. Probes also take "
            + "'declared': the GGUF's own scaling alone (no candidates past the trained context).",
        valueName: "spec"))
    var specs: [String] = []
}
