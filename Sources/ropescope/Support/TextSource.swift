import Foundation

/// Reads the text of `--text-file`: a regular file, a stream (FIFO, pipe, process substitution
/// `<(...)`, a terminal) or `-` for standard input, read to the end up to `maximumBytes`, and
/// decoded as UTF-8.
enum TextSource {
    /// Most bytes read: 256 MiB (2^28), far above any text a window grid scores.
    static let maximumBytes = 1 << 28

    /// The whole text. Exit 66 for a missing, unreadable or non-stream path (directory, block
    /// device, socket); exit 65 for more than `maximumBytes` bytes or invalid UTF-8.
    static func read(_ path: String) throws -> String {
        let descriptor: Int32
        if path == "-" {
            descriptor = dup(STDIN_FILENO)
        } else {
            let role = "text file"
            let kind = try InputFile.kind(of: path, role: role)
            switch kind {
            case .regular, .fifo, .characterDevice: break
            default:
                throw Failure.unreadableInput(
                    "\(role) '\(path)' is \(kind.description): allowed a regular file, a pipe or FIFO, or '-' for standard input")
            }
            try InputFile.checkReadable(path, role: role)
            descriptor = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        }
        guard descriptor >= 0 else {
            throw Failure.unreadableInput("cannot open text file '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure.unreadableInput("cannot read text file '\(path)': \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            guard data.count + count <= maximumBytes else {
                throw Failure.malformedInput("text file '\(path)' is larger than \(maximumBytes) bytes (256 MiB): allowed at most that")
            }
            data.append(contentsOf: chunk[0..<count])
        }
        guard let string = String(validating: data, as: UTF8.self) else {
            throw Failure.malformedInput("text file '\(path)' is not valid UTF-8")
        }
        return string
    }
}
