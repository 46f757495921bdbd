import ArgumentParser
import Inference
import Probes
import RoPE

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
            case .nothingToScore, .insufficientMemory, .invalidParameter, .journalExists:
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
