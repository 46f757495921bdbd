#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Immutable bytes of a GGUF file: either a read-only private memory mapping of the file
/// (`mmap(PROT_READ, MAP_PRIVATE)`, unmapped on deinit) or an owned, 64-byte-aligned copy
/// of in-memory bytes.
///
/// The bytes are never written after initialisation, so sharing across threads is safe.
/// Caveat of any mmap reader: if another process truncates the file while it is mapped,
/// touching the lost pages raises SIGBUS; GGUF files are expected to be immutable.
final class GGUFByteStorage: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private let isMapped: Bool

    /// Maps the regular file at `path` read-only. An empty file gives an empty buffer.
    ///
    /// The path is stat'ed before it is opened, so a FIFO, device, socket or directory is refused
    /// without an `open` that could block (a FIFO with no writer blocks `open` forever); the open
    /// itself uses `O_NONBLOCK` and the descriptor is checked again with `fstat`, so a path
    /// swapped for a FIFO between the two calls cannot block either.
    init(mappingFileAt path: String) throws {
        var before = stat()
        guard stat(path, &before) == 0 else { throw GGUFError.cannotOpen(path: path, reason: Self.errnoText()) }
        guard (before.st_mode & S_IFMT) == S_IFREG else {
            throw GGUFError.cannotOpen(path: path, reason: Self.notRegularText(before.st_mode))
        }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw GGUFError.cannotOpen(path: path, reason: Self.errnoText()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw GGUFError.cannotOpen(path: path, reason: Self.errnoText()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw GGUFError.cannotOpen(path: path, reason: Self.notRegularText(info.st_mode))
        }
        guard let size = Int(exactly: info.st_size), size >= 0 else {
            throw GGUFError.cannotOpen(path: path, reason: "file size \(info.st_size) is not addressable")
        }
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            isMapped = false
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw GGUFError.cannotOpen(path: path, reason: "mmap failed: \(Self.errnoText())")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
        isMapped = true
    }

    /// Copies `source` into owned memory aligned to 64 bytes.
    init<Bytes: Collection>(copying source: Bytes) where Bytes.Element == UInt8 {
        let count = source.count
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(count, 1), alignment: 64)
        let copied: Void? = source.withContiguousStorageIfAvailable { memory.copyMemory(from: UnsafeRawBufferPointer($0)) }
        if copied == nil { memory.copyBytes(from: source) }
        bytes = UnsafeRawBufferPointer(rebasing: memory[0..<count])
        isMapped = false
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    /// "is a directory", "is a FIFO (named pipe)", … : allowed a regular file.
    static func notRegularText(_ mode: mode_t) -> String {
        let kind: String
        switch mode & S_IFMT {
        case S_IFDIR: kind = "a directory"
        case S_IFIFO: kind = "a FIFO (named pipe)"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFSOCK: kind = "a socket"
        default: kind = "not a regular file"
        }
        return "is \(kind): allowed a regular file"
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
