import Foundation

/// One document of the interference probe: where it came from and its text.
public struct InterferenceDocument: Equatable, Sendable {
    /// The file path, or `path#k` for piece k (0-based) of a file split on a separator.
    public var label: String
    /// The document's UTF-8 text, as read (split pieces are trimmed, see `InterferenceDocuments.split`).
    public var text: String

    /// A document named `label` holding `text`.
    public init(label: String, text: String) {
        self.label = label
        self.text = text
    }

    /// SHA-256 of the text's UTF-8 bytes (64 hex digits), for provenance.
    public var sha256: String { SHA256.hex(Array(text.utf8)) }
}

/// Where the documents of an interference run come from.
public enum DocumentSource: Equatable, Sendable {
    /// These files, one document each, in this order.
    case files([String])
    /// Every regular, non-hidden file directly inside the directory (not recursive), sorted by name.
    case directory(String)
    /// One file cut on every occurrence of `separator` (e.g. `%` lines of a fortune file).
    case split(file: String, separator: String)
}

/// Loading and tokenising the documents of `probe interference`.
public enum InterferenceDocuments {
    /// The documents of `source`; `read(path)` returns a file's text (the CLI passes its stream-
    /// aware reader; the default reads a regular file as UTF-8).
    ///
    /// Throws `ProbeError.unreadableFile` for a missing or unreadable path or directory,
    /// `.invalidDocument` for text that is not UTF-8 or a split file with an empty separator, and
    /// `.tooFewDocuments` when fewer than 2 documents result (packing needs neighbours).
    public static func load(_ source: DocumentSource,
                            read: (String) throws -> String = InterferenceDocuments.readFile) throws -> [InterferenceDocument] {
        let documents: [InterferenceDocument]
        let description: String
        switch source {
        case let .files(paths):
            documents = try paths.map { InterferenceDocument(label: $0, text: try read($0)) }
            description = "\(paths.count) --document-file"
        case let .directory(path):
            documents = try directoryFiles(path).map { InterferenceDocument(label: $0, text: try read($0)) }
            description = "directory '\(path)'"
        case let .split(file, separator):
            guard !separator.isEmpty else {
                throw ProbeError.invalidDocument(label: file, reason: "the separator is empty: allowed a non-empty string such as %")
            }
            documents = split(try read(file), separator: separator, label: file)
            description = "'\(file)' split on '\(separator)'"
        }
        guard documents.count >= 2 else { throw ProbeError.tooFewDocuments(count: documents.count, source: description) }
        return documents
    }

    /// Reads a regular file as UTF-8; throws `.unreadableFile` or `.invalidDocument`.
    public static func readFile(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ProbeError.unreadableFile(path: path, reason: "missing or not readable")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ProbeError.invalidDocument(label: path, reason: "not valid UTF-8")
        }
        return text
    }

    /// Regular files directly inside `path` whose names do not start with `.`, as `path/name`,
    /// sorted by name (byte order). Throws `.unreadableFile` when `path` is not a readable directory.
    public static func directoryFiles(_ path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ProbeError.unreadableFile(path: path, reason: "not a directory (--documents takes a directory of text files)")
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw ProbeError.unreadableFile(path: path, reason: error.localizedDescription)
        }
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        return names.filter { !$0.hasPrefix(".") }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            .map { "\(base)/\($0)" }
            .filter { file in
                var directory: ObjCBool = false
                return FileManager.default.fileExists(atPath: file, isDirectory: &directory) && !directory.boolValue
            }
    }

    /// The pieces of `text` between occurrences of `separator`, each trimmed of leading and
    /// trailing whitespace and newlines; pieces that are empty after trimming (a leading or trailing
    /// separator, two in a row) are dropped. Labels are `label#k`, k counting the kept pieces.
    public static func split(_ text: String, separator: String, label: String) -> [InterferenceDocument] {
        text.components(separatedBy: separator)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
            .enumerated().map { InterferenceDocument(label: "\(label)#\($0.offset)", text: $0.element) }
    }

    /// Token ids of each document: `encode(text)` without BOS, then BOS prepended when the GGUF
    /// sets `add_bos_token` (every document starts as it would alone). Throws
    /// `ProbeError.invalidDocument` naming the first document with fewer than 2 tokens: one token is
    /// context and nothing is left to score (an empty text tokenises to nothing).
    public static func tokenize(_ documents: [InterferenceDocument], context: ProbeContext) throws -> [[Int32]] {
        try documents.map { document in
            var tokens = context.tokens(document.text)
            if let bos = context.windowBOS { tokens.insert(bos, at: 0) }
            guard tokens.count >= 2 else {
                let what = tokens.isEmpty ? "tokenises to nothing" : "tokenises to 1 token"
                throw ProbeError.invalidDocument(
                    label: document.label, reason: "\(what): allowed documents of at least 2 tokens (the first is context, the rest are scored)")
            }
            return tokens
        }
    }
}
