import ArgumentParser
import Inference

/// --attention causal|bidirectional.
struct AttentionOptions: ParsableArguments {
    @Option(help: "Attention: causal or bidirectional (default: the model's).")
    var attention: AttentionDirection?
}

extension AttentionDirection: ExpressibleByArgument {}
