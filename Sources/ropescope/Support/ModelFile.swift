import Foundation
import GGUF

/// Opens a GGUF model for a subcommand. The path is stat'ed before it is opened: a missing file
/// exits 66 with a hint on how to fetch the default model; a directory, FIFO, device or socket, or
/// an unreadable file, exits 66 saying which; a malformed file exits 65 naming the defect.
enum ModelFile {
    static let fetchHint = "fetch the default model with scripts/fetch-model.sh (→ models/SmolLM2-135M-Instruct.Q4_1.gguf)"

    static func open(_ path: String, role: String = "model file", missingHint: String? = fetchHint) throws -> GGUFFile {
        let kind = try InputFile.kind(of: path, role: role, missingHint: missingHint)
        guard case .regular = kind else {
            throw Failure.unreadableInput(
                "\(role) '\(path)' is \(kind.description): allowed a regular GGUF file (it is memory-mapped)")
        }
        try InputFile.checkReadable(path, role: role)
        do {
            return try GGUFFile(path: path)
        } catch let error as GGUFError {
            if case .cannotOpen = error { throw Failure.unreadableInput("\(error)") }
            throw Failure.malformedInput("'\(path)' is not a valid GGUF file: \(error)")
        }
    }
}
