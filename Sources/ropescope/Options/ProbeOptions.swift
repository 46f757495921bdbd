import ArgumentParser
import Foundation
import Inference
import Probes
import RoPE

/// MODEL.gguf and --threads, shared by `score` and every probe: opens the GGUF and builds the
/// `ProbeContext` (tokenizer, model, declared scaling).
struct GGUFModelOptions: ParsableArguments {
    @Argument(help: "GGUF model file.")
    var model: String

    @Option(help: "OpenBLAS threads (default: all cores).")
    var threads: Int?

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("invalid --threads \(threads): allowed 1...256") }
    }

    /// Opens the model: missing/unreadable 66, malformed 65 (the message names the file and key).
    func context() throws -> ProbeContext {
        let file = try ModelFile.open(model)
        return try ProbeFailure.call { try ProbeContext(file: file, path: model, threads: threads) }
    }
}

/// --rope SPEC (repeatable where a command takes several).
struct RoPESpecOptions: ParsableArguments {
    @Option(name: .customLong("rope"), help: ArgumentHelp(
        "RoPE scaling spec METHOD[:key=value,...] (default: what the GGUF declares); original-context and "
            + "target-length default to the GGUF's trained context and the window length.",
        valueName: "spec"))
    var specs: [String] = []
}

/// --attention causal|bidirectional.
struct AttentionOptions: ParsableArguments {
    @Option(help: "Attention: causal or bidirectional (default: the model's).")
    var attention: AttentionDirection?
}

/// --windows N and --score/--scored-span all|second-half|last:N.
struct ScoredWindowOptions: ParsableArguments {
    @Option(help: "Score at most N windows per text.")
    var windows: Int?

    @Option(name: [.customLong("score"), .customLong("scored-span")],
            help: ArgumentHelp("Targets to score in each window: all, second-half or last:N.", valueName: "span"))
    var span: ScoredTargets = .all

    func validate() throws {
        if let windows, windows < 1 { throw ValidationError("invalid --windows \(windows): allowed an integer >= 1") }
    }

    /// Throws ValidationError when the span scores nothing in a window of `contextLength`.
    func check(contextLength: Int) throws {
        guard !span.targetPositions(contextLength: contextLength).isEmpty else {
            throw ValidationError("--score \(span.rawValue) with --context-length \(contextLength) scores 0 tokens per window: "
                + "allowed \(span.allowedContextLengths)")
        }
    }
}

extension AttentionDirection: ExpressibleByArgument {}
extension ScoredTargets: ExpressibleByArgument {}

/// Maps library errors of the probes to README exit codes: text, model and result problems are
/// data errors (65), unreadable files 66, hook restrictions, spans and memory limits usage
/// errors (64), RoPE spec problems usage errors (64).
enum ProbeFailure {
    static func call<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw mapped(error) }
    }

    /// The exit-code carrying error for a library error (others pass through unchanged).
    static func mapped(_ error: Error) -> Error {
        switch error {
        case let error as ProbeError:
            switch error {
            case .nothingToScore, .insufficientMemory, .invalidParameter, .estimatorUnavailable, .journalExists:
                return Failure.usage("\(error)")
            case .unreadableFile: return Failure.unreadableInput("\(error)")
            case .unwritable: return Failure.writeFailed("\(error)")
            default: return Failure.malformedInput("\(error)")
            }
        case let error as InferenceError:
            switch error {
            case .unknownHook, .invalidHookRestriction: return Failure.usage("\(error)")
            default: return Failure.malformedInput("\(error)")
            }
        case let error as RoPEError:
            return ValidationError(error.description)
        default:
            return error
        }
    }
}
