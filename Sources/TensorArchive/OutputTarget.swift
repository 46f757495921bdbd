import Foundation

/// The checks every output path passes before anything is written, shared by `AtomicTarget`
/// (when the writer opens and again just before the final rename) and by callers that want to
/// refuse a bad path before a long computation.
///
/// Rules: the path is not empty and does not end in "/"; its directory exists; if something
/// exists at the path it must be a writable regular file (a symbolic link is refused, not
/// followed, so `--output link` can never replace the link's target or a device such as
/// /dev/null); and the path must not be the same file as any input (compared by device and
/// inode after resolving symbolic links, which also catches hard links and `./x` vs `x`).
public enum OutputTarget {
    /// Throws a `TensorArchiveError` naming `path` when it must not be written; see the type's
    /// rules. `inputs` are the paths of files the caller reads (missing ones are skipped).
    public static func check(_ path: String, inputs: [String] = []) throws {
        try checkIdentity(path, inputs: inputs)
        try checkExisting(path)
        try checkDirectory(path)
    }

    /// Throws `.targetIsInput` when `path` and one of `inputs` are the same file.
    public static func checkIdentity(_ path: String, inputs: [String]) throws {
        guard let output = FileIdentity(path) else { return }
        for input in inputs where FileIdentity(input) == output {
            throw TensorArchiveError.targetIsInput(path: path, input: input)
        }
    }

    /// Throws unless nothing exists at `path` or it is a writable regular file (not followed
    /// through a symbolic link).
    static func checkExisting(_ path: String) throws {
        if path.isEmpty { throw TensorArchiveError.cannotCreateFile(path: path, reason: "the path is empty") }
        if path.hasSuffix("/") { throw TensorArchiveError.targetIsDirectory(path: path) }
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            // No write bit at all is read-only even for root, whom access(2) always lets write.
            let writeBits = mode_t(S_IWUSR | S_IWGRP | S_IWOTH)
            if access(path, W_OK) != 0 || status.st_mode & writeBits == 0 {
                throw TensorArchiveError.targetNotWritable(path: path)
            }
        case S_IFDIR: throw TensorArchiveError.targetIsDirectory(path: path)
        case S_IFLNK: throw TensorArchiveError.targetNotRegularFile(path: path, kind: "a symbolic link")
        case S_IFIFO: throw TensorArchiveError.targetNotRegularFile(path: path, kind: "a FIFO")
        case S_IFSOCK: throw TensorArchiveError.targetNotRegularFile(path: path, kind: "a socket")
        case S_IFCHR: throw TensorArchiveError.targetNotRegularFile(path: path, kind: "a character device")
        case S_IFBLK: throw TensorArchiveError.targetNotRegularFile(path: path, kind: "a block device")
        default: throw TensorArchiveError.targetNotRegularFile(path: path, kind: "not a regular file")
        }
    }

    /// The directory that will hold `path`; throws `.cannotCreateFile` when it is missing, not a
    /// directory, or not writable.
    @discardableResult
    static func checkDirectory(_ path: String) throws -> String {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var status = stat()
        guard stat(directory, &status) == 0 else {
            throw TensorArchiveError.cannotCreateFile(path: path, reason: "directory '\(directory)' does not exist")
        }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw TensorArchiveError.cannotCreateFile(path: path, reason: "'\(directory)' is not a directory")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            let reason = String(cString: strerror(errno))
            throw TensorArchiveError.cannotCreateFile(path: path, reason: "directory '\(directory)' is not writable (\(reason))")
        }
        return directory
    }
}

/// Device and inode of a file after resolving symbolic links (`stat(2)`); nil when it does not exist.
struct FileIdentity: Equatable {
    let device: UInt64
    let inode: UInt64

    init?(_ path: String) {
        var status = stat()
        guard !path.isEmpty, stat(path, &status) == 0 else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
    }
}
