import Foundation

/// What a path names, found with `stat` (following symbolic links) before anything opens it, so
/// that a FIFO, device or directory is refused (or streamed on purpose) instead of blocking an
/// `open`.
enum InputFile {
    /// The kind of file at a path.
    enum Kind: Equatable {
        case regular(size: Int)
        case directory
        case fifo
        case characterDevice
        case blockDevice
        case socket
        case other

        /// "a directory", "a FIFO (named pipe)", … for messages.
        var description: String {
            switch self {
            case .regular: return "a regular file"
            case .directory: return "a directory"
            case .fifo: return "a FIFO (named pipe)"
            case .characterDevice: return "a character device"
            case .blockDevice: return "a block device"
            case .socket: return "a socket"
            case .other: return "not a regular file"
            }
        }
    }

    /// The kind of `path`, or a `Failure.unreadableInput` (exit 66) naming `role` and `path` when
    /// it cannot be stat'ed: "does not exist" (plus `missingHint`), "permission denied", or, for
    /// `file.gguf/` where `file.gguf` is a file, a note that the trailing '/' names a directory.
    static func kind(of path: String, role: String, missingHint: String? = nil) throws -> Kind {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
                switch code {
            case ENOENT:
                throw Failure.unreadableInput("\(role) '\(path)' does not exist" + (missingHint.map { "; \($0)" } ?? ""))
            case ENOTDIR where path.hasSuffix("/"):
                throw Failure.unreadableInput(
                    "\(role) '\(path)' ends in '/' (a directory) but names a file: remove the trailing '/'")
            default:
                throw Failure.unreadableInput("\(role) '\(path)': \(String(cString: strerror(code)))")
            }
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular(size: Int(info.st_size))
        case S_IFDIR: return .directory
        case S_IFIFO: return .fifo
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        case S_IFSOCK: return .socket
        default: return .other
        }
    }

    /// Throws `Failure.unreadableInput` (exit 66) unless the current user may read `path`.
    static func checkReadable(_ path: String, role: String) throws {
        guard access(path, R_OK) == 0 else {
            throw Failure.unreadableInput("\(role) '\(path)' is not readable: \(String(cString: strerror(errno)))")
        }
    }
}
