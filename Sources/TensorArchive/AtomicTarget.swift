import Foundation

/// The target path of an archive and the temporary file written in its place until commit.
///
/// The temporary file lives in the target's directory (`.<name>.tmp-<16 hex digits>`), so the
/// final `rename(2)` is atomic: readers see either the old target or the complete new file.
struct AtomicTarget {
    /// The path the caller asked for.
    let targetPath: String
    /// The hidden sibling file HDF5 writes into.
    let temporaryPath: String

    /// Checks that `path` can be written and creates the (empty) temporary file.
    ///
    /// Throws `.targetIsDirectory` or `.cannotCreateFile` naming `path` when the directory is
    /// missing, is not a directory, or does not let us create files.
    static func prepare(path: String) throws -> AtomicTarget {
        guard !path.isEmpty else {
            throw TensorArchiveError.cannotCreateFile(path: path, reason: "the path is empty")
        }
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if path.hasSuffix("/") || (manager.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue) {
            throw TensorArchiveError.targetIsDirectory(path: path)
        }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        if !manager.fileExists(atPath: directory, isDirectory: &isDirectory) {
            throw TensorArchiveError.cannotCreateFile(path: path, reason: "directory '\(directory)' does not exist")
        }
        if !isDirectory.boolValue {
            throw TensorArchiveError.cannotCreateFile(path: path, reason: "'\(directory)' is not a directory")
        }
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let padded = String(repeating: "0", count: 16 - suffix.count) + suffix
        let temporary = (directory as NSString).appendingPathComponent(".\(url.lastPathComponent).tmp-\(padded)")
        let descriptor = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o666)
        if descriptor < 0 {
            let reason = String(cString: strerror(errno))
            throw TensorArchiveError.cannotCreateFile(
                path: path, reason: "cannot create a file in '\(directory)' (\(reason))")
        }
        close(descriptor)
        return AtomicTarget(targetPath: path, temporaryPath: temporary)
    }

    /// Flushes the finished temporary file to disk and renames it over the target.
    func commit() throws {
        let descriptor = open(temporaryPath, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            _ = fsync(descriptor)
            close(descriptor)
        }
        if rename(temporaryPath, targetPath) != 0 {
            let reason = String(cString: strerror(errno))
            throw TensorArchiveError.commitFailed(path: targetPath, temporaryPath: temporaryPath, reason: reason)
        }
    }

    /// Deletes the temporary file (ignoring a file that is already gone).
    func removeTemporary() {
        _ = unlink(temporaryPath)
    }
}
