import ArgumentParser
import Foundation
import TensorArchive

/// The one check every `--output` path passes before a command computes anything
/// (`TensorArchive.OutputTarget.check`, which the writer repeats when it opens and commits).
///
/// Exit codes: 64 when the path cannot be meant as given (empty, a directory, a missing or
/// unwritable directory, or the same file as an input: `--output model.gguf`); 74 when something
/// at the path must not be replaced (a symbolic link, FIFO, socket, device, read-only file).
enum OutputPath {
    /// Throws (see the type) naming `path` when it must not be written; `inputs` are every file
    /// the command reads (nil entries are skipped).
    static func check(_ path: String, inputs: [String?] = []) throws {
        do {
            try OutputTarget.check(path, inputs: inputs.compactMap { $0 })
        } catch let error as TensorArchiveError {
            switch error {
            case .targetIsDirectory:
                throw ValidationError("--output '\(path)' is a directory: allowed a file path such as out/result.h5")
            case let .cannotCreateFile(_, reason):
                throw ValidationError("--output '\(path)': \(reason)")
            case .targetIsInput:
                throw ValidationError("--output: \(error)")
            default:
                throw Failure.writeFailed("--output: \(error)")
            }
        }
    }
}
