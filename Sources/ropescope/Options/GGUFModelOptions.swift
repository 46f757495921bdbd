import ArgumentParser
import Foundation
import Inference
import Probes

extension WeightStorage: ExpressibleByArgument {}

/// MODEL.gguf and --threads, shared by `score` and every probe: opens the GGUF and builds the
/// `ProbeContext` (tokenizer, model, declared scaling).
struct GGUFModelOptions: ParsableArguments {
    @Argument(help: "GGUF model file.")
    var model: String

    @Option(parsing: .unconditional, help: "OpenBLAS threads (default: all cores).")
    var threads: Int?

    @Option(help: "How weights are held: float32 (dequantised at load, default) or quantized (kept in the GGUF encoding, memory-mapped, widened per tile; about the file's size in memory).")
    var weights: WeightStorage = .float32

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("invalid --threads \(threads): allowed 1...256") }
    }

    /// Opens the model: missing/unreadable 66, malformed 65 (the message names the file and key).
    func context() throws -> ProbeContext {
        let file = try ModelFile.open(model)
        return try ProbeFailure.call { try ProbeContext(file: file, path: model, threads: threads, weights: weights) }
    }
}
extension KeyValuePrecision: ExpressibleByArgument {}
