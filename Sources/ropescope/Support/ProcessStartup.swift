import Analyzers
import ArgumentParser
import Foundation
import Validation
import GGUF
import Inference
import Probes
import RoPE
import Spectra
import TensorArchive
import Tokenizers

/// What the process does before and after a subcommand: the process-wide signal handler for
/// temporary output files, the refusal of arguments that are not UTF-8, and the mapping of every
/// error that escapes a command to a README exit code.
enum ProcessStartup {
    /// Runs `command` as `ParsableCommand.main()` does, with the additions above; never returns.
    static func main<Command: ParsableCommand>(_ command: Command.Type, arguments: [String]? = nil) -> Never {
        TemporaryFileRegistry.installSignalHandlers()
        if let problem = ArgumentEncoding.firstInvalidArgument() {
            // Already escaped byte by byte (`ArgumentEncoding.problem`): printed as is, so the
            // \xFF it shows is not doubled by `TerminalText`.
            FileHandle.standardError.write(Data("Error: \(problem)\n".utf8))
            Foundation.exit(ExitMapping.usage)
        }
        do {
            var parsed = try command.parseAsRoot(arguments)
            try parsed.run()
            command.exit()
        } catch {
            command.exit(withError: ExitMapping.mapped(error, command: command))
        }
    }
}

/// Arguments whose bytes are not valid UTF-8. Swift decodes `argv` with repair (U+FFFD), so a
/// path such as `out-\xFF.h5` would otherwise be written or read under a different name.
enum ArgumentEncoding {
    /// A one-line error for the first argument of `CommandLine.unsafeArgv` that is not valid
    /// UTF-8, or nil when all are.
    static func firstInvalidArgument() -> String? {
        for index in 1..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self),
                                                  count: strlen(pointer)))
            if let problem = problem(in: bytes, index: index) { return problem }
        }
        return nil
    }

    /// The error for argument `index` with `bytes`, or nil when they are valid UTF-8.
    static func problem(in bytes: [UInt8], index: Int) -> String? {
        guard String(validating: bytes, as: UTF8.self) == nil else { return nil }
        let shown = bytes.map { (0x20..<0x7F).contains($0) ? String(UnicodeScalar($0)) : String(format: "\\x%02X", $0) }.joined()
        return "argument \(index) '\(shown)' is not valid UTF-8: ropescope takes paths and values as UTF-8 "
            + "and never reads or writes a file under a repaired name; rename the file"
    }
}

/// The fallback from error types to README exit codes, for errors that escape a command without
/// an explicit mapping (commands that map their errors themselves throw `ExitCode`, which passes
/// through, as do ArgumentParser's own usage errors).
///
/// Codes (sysexits.h): 64 usage, 65 malformed input data, 66 unreadable input, 74 output not
/// written, 70 internal failure (a library failed on values that passed validation, or an error
/// type this table does not know: a bug to report).
enum ExitMapping {
    static let usage: Int32 = 64
    static let malformedInput: Int32 = 65
    static let unreadableInput: Int32 = 66
    static let internalFailure: Int32 = 70
    static let outputFailed: Int32 = 74

    /// `error` itself when ArgumentParser gives it a code other than 1; otherwise prints
    /// "Error: <description>" of the error (unwrapped from ArgumentParser's wrapper when a
    /// `validate()` threw it) and returns the `ExitCode` from `code(for:)`.
    static func mapped<Command: ParsableCommand>(_ error: Error, command: Command.Type) -> Error {
        if error is ExitCode || command.exitCode(for: error) != .failure { return error }
        let inner = underlying(error)
        if inner is ExitCode { return inner }
        let code = code(for: inner)
        Output.printError(code == internalFailure ? "internal error (please report): \(inner)" : "\(inner)")
        return ExitCode(code)
    }

    /// The error a `validate()` threw, which ArgumentParser wraps in its internal `CommandError`
    /// (`parserError: .userValidationError(error)`) and would exit 1 for; other errors as given.
    static func underlying(_ error: Error) -> Error {
        guard String(describing: type(of: error)) == "CommandError" else { return error }
        for child in Mirror(reflecting: error).children where child.label == "parserError" {
            for payload in Mirror(reflecting: child.value).children {
                if let wrapped = payload.value as? Error { return wrapped }
            }
        }
        return error
    }

    /// The README exit code for an error that a command did not map itself.
    static func code(for error: Error) -> Int32 {
        switch error {
        case let error as TensorArchiveError:
            switch error {
            case .cannotOpenFile: return unreadableInput
            case .notFound, .typeMismatch: return malformedInput
            case .targetIsInput: return usage
            default: return outputFailed
            }
        case let error as GGUFError:
            switch error {
            case .cannotOpen: return unreadableInput
            case .writeFailed: return outputFailed
            case .invalidWriterInput: return internalFailure
            default: return malformedInput
            }
        case is RoPEError: return usage
        case let error as SpectraError:
            switch error {
            case .fftPlanFailed, .lapackFailed: return internalFailure
            default: return usage
            }
        case let error as AnalyzerError:
            switch error {
            case .configUnreadable: return unreadableInput
            case .limitExceeded: return usage
            case let .configMalformed(path, _), let .unknownConfigKey(path, _, _),
                 let .invalidConfigValue(path, _, _, _), let .invalidSpec(path, _, _):
                return path.hasPrefix("--") ? usage : malformedInput
            }
        case let error as InferenceError:
            switch error {
            case .unknownHook, .invalidHookRestriction, .invalidTarget, .invalidFrequencies: return usage
            default: return malformedInput
            }
        case let error as ProbeError:
            switch error {
            case .nothingToScore, .insufficientMemory, .invalidParameter, .journalExists,
                 .hookDimensionConflict:
                return usage
            case .unreadableFile: return unreadableInput
            case .unwritable: return outputFailed
            default: return malformedInput
            }
        case let error as VerdictError: return error.exitCode
        case is TokenizerError, is DecodingError: return malformedInput
        case let error as CocoaError where (error as NSError).domain == NSCocoaErrorDomain && error.isFileError:
            return error.code.rawValue >= CocoaError.fileWriteUnknown.rawValue ? outputFailed : unreadableInput
        case let error as POSIXError:
            switch error.code {
            case .ENOENT, .EACCES, .EPERM, .EISDIR, .ENOTDIR: return unreadableInput
            default: return outputFailed
            }
        default: return internalFailure
        }
    }
}
