import Foundation

/// The target path of an archive and the temporary file written in its place until commit.
///
/// The temporary file lives in the target's directory (`.<name>.tmp-<pid>-<16 hex digits>`), so
/// the final `rename(2)` is atomic: readers see either the old target or the complete new file.
/// While it exists it is registered with `TemporaryFileRegistry`, so SIGINT/SIGTERM/SIGHUP delete
/// it; the pid in the name lets a later writer recognise and delete one left by SIGKILL.
struct AtomicTarget {
    /// The path the caller asked for.
    let targetPath: String
    /// The hidden sibling file HDF5 writes into.
    let temporaryPath: String
    /// Temporary files of dead writers to the same target that `prepare` deleted.
    let removedStaleTemporaries: [String]
    /// The `TemporaryFileRegistry` slot of `temporaryPath` (nil: not registered).
    private let registration: Int32?

    /// Checks that `path` can be written (`OutputTarget.check`, without inputs), deletes stale
    /// temporary files of the same target, and creates the (empty) temporary file.
    ///
    /// Throws `.targetIsDirectory`, `.targetNotRegularFile`, `.targetNotWritable` or
    /// `.cannotCreateFile` naming `path`.
    static func prepare(path: String) throws -> AtomicTarget {
        try OutputTarget.checkExisting(path)
        let directory = try OutputTarget.checkDirectory(path)
        let name = URL(fileURLWithPath: path).lastPathComponent
        let removed = removeStaleTemporaries(directory: directory, targetName: name)
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let padded = String(repeating: "0", count: 16 - suffix.count) + suffix
        let temporary = (directory as NSString).appendingPathComponent("\(temporaryPrefix(targetName: name))\(getpid())-\(padded)")
        // Registered before it exists, so there is no moment when a signal could leave it behind.
        let registration = TemporaryFileRegistry.register(temporary)
        let descriptor = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o666)
        if descriptor < 0 {
            let reason = String(cString: strerror(errno))
            TemporaryFileRegistry.unregister(registration)
            throw TensorArchiveError.cannotCreateFile(
                path: path, reason: "cannot create a file in '\(directory)' (\(reason))")
        }
        close(descriptor)
        return AtomicTarget(
            targetPath: path, temporaryPath: temporary, removedStaleTemporaries: removed, registration: registration)
    }

    /// `.<name>.tmp-`: the start of every temporary file name for target file `name`.
    static func temporaryPrefix(targetName name: String) -> String { ".\(name).tmp-" }

    /// Deletes `.<targetName>.tmp-<pid>-<hex>` files in `directory` whose writer process no longer
    /// exists (`kill(pid, 0)` fails with ESRCH) and returns their paths. Files of a live process
    /// (another writer at work), and names without a pid, are left alone.
    static func removeStaleTemporaries(directory: String, targetName: String) -> [String] {
        let prefix = temporaryPrefix(targetName: targetName)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var removed: [String] = []
        for entry in entries where entry.hasPrefix(prefix) {
            let parts = entry.dropFirst(prefix.count).split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[1].count == 16, parts[1].allSatisfy(\.isHexDigit),
                  let pid = pid_t(parts[0]), pid > 0, pid != getpid() else { continue }
            guard kill(pid, 0) != 0, errno == ESRCH else { continue }
            let stale = (directory as NSString).appendingPathComponent(entry)
            if unlink(stale) == 0 { removed.append(stale) }
        }
        return removed.sorted()
    }

    /// Flushes the finished temporary file to disk and renames it over the target, after checking
    /// again that the target is still absent or a writable regular file (it may have changed
    /// during a long run).
    func commit() throws {
        let descriptor = open(temporaryPath, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            _ = fsync(descriptor)
            close(descriptor)
        }
        try OutputTarget.checkExisting(targetPath)
        if rename(temporaryPath, targetPath) != 0 {
            let reason = String(cString: strerror(errno))
            throw TensorArchiveError.commitFailed(path: targetPath, temporaryPath: temporaryPath, reason: reason)
        }
        TemporaryFileRegistry.unregister(registration)
    }

    /// Deletes the temporary file (ignoring a file that is already gone).
    func removeTemporary() {
        _ = unlink(temporaryPath)
        TemporaryFileRegistry.unregister(registration)
    }
}

extension OutputTarget {
    /// Writes `data` to `path` atomically: a registered hidden temporary file beside it (deleted on
    /// SIGINT/SIGTERM/SIGHUP and on any failure), flushed and renamed over the target. Throws the
    /// `TensorArchiveError` of `OutputTarget.check`'s rules, or `.commitFailed` / `.cannotCreateFile`.
    public static func writeAtomically(_ data: Data, to path: String) throws {
        let target = try AtomicTarget.prepare(path: path)
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: target.temporaryPath))
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            target.removeTemporary()
            throw TensorArchiveError.cannotCreateFile(path: path, reason: "writing the temporary file failed (\(error))")
        }
        do {
            try target.commit()
        } catch {
            target.removeTemporary()
            throw error
        }
    }
}
