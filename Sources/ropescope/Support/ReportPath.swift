import ArgumentParser
import Foundation
import TensorArchive

/// `--report report.html`: checked before any work like `--output` (`OutputTarget.check`), then
/// written through the same atomic temporary-file-and-rename as the HDF5 writer
/// (`OutputTarget.writeAtomically`), so a failed run leaves nothing under the requested name.
enum ReportPath {
    /// 64 for a path that cannot be meant (a directory, a missing or unwritable directory, an
    /// input); 74 for something at the path that must not be replaced.
    static func check(_ path: String, inputs: [String?]) throws {
        do {
            try OutputTarget.check(path, inputs: inputs.compactMap { $0 })
        } catch let error as TensorArchiveError {
            switch error {
            case .targetIsDirectory:
                throw ValidationError("--report '\(path)' is a directory: allowed a file path such as out/report.html")
            case let .cannotCreateFile(_, reason):
                throw ValidationError("--report '\(path)': \(reason)")
            case .targetIsInput:
                throw ValidationError("--report: \(error)")
            default:
                throw Failure.writeFailed("--report: \(error)")
            }
        }
    }

    static func write(_ data: Data, to path: String) throws {
        do {
            try OutputTarget.writeAtomically(data, to: path)
        } catch {
            throw Failure.writeFailed("could not write --report '\(path)': \(error)")
        }
    }
}
