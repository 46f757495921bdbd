import ArgumentParser
import Inference

/// --temperature / --top-k / --top-p / --seed: how `generate` chooses tokens (greedy by default).
struct SamplingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Sampling temperature T >= 0 (default 0: greedy, the most probable token).")
    var temperature: Double = 0

    @Option(name: .customLong("top-k"), parsing: .unconditional,
            help: "Keep the k most probable tokens before drawing (0 = all; needs --temperature > 0).")
    var topK: Int?

    @Option(name: .customLong("top-p"), parsing: .unconditional,
            help: "Keep the smallest most-probable set of mass >= p, 0 < p <= 1 (needs --temperature > 0).")
    var topP: Double?

    @Option(parsing: .unconditional, help: "Seed of the SplitMix64 draws (same seed, same tokens; default 0).")
    var seed: UInt64 = 0

    func validate() throws {
        _ = try parameters()
        if temperature == 0, topK != nil || topP != nil {
            throw ValidationError("--top-k and --top-p restrict sampling: they need --temperature > 0 (T = 0 is greedy)")
        }
    }

    /// The checked parameters; a bad value is a usage error naming the option and its range.
    func parameters() throws -> SamplingParameters {
        do {
            return try SamplingParameters(temperature: temperature, topK: topK ?? 0, topP: topP ?? 1)
        } catch let error as InferenceError {
            throw ValidationError("--\(error.description.replacingOccurrences(of: "invalid ", with: ""))")
        }
    }
}
