import Foundation
import GGUF

/// Opens a GGUF model for a subcommand: a missing/unreadable file exits 66 with a hint on how to
/// fetch the default model; a malformed file exits 65 naming the defect.
enum ModelFile {
    static let fetchHint = "fetch the default model with scripts/fetch-model.sh (→ models/SmolLM2-135M-Instruct.Q4_1.gguf)"

    static func open(_ path: String) throws -> GGUFFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw Failure.unreadableInput("model file '\(path)' does not exist; \(fetchHint)")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw Failure.unreadableInput("model file '\(path)' is not readable")
        }
        do {
            return try GGUFFile(path: path)
        } catch let error as GGUFError {
            if case .cannotOpen = error { throw Failure.unreadableInput("\(error)") }
            throw Failure.malformedInput("'\(path)' is not a valid GGUF file: \(error)")
        }
    }
}
