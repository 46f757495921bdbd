import Foundation
import TensorArchive

/// Durable progress of a grid run: a directory `<output>.journal/` beside the output holding
/// `grid.json` (the definition) and one grid file per finished cell, `cell-<flat>.h5`, each
/// written to a temporary name and renamed into place (so a cell file is whole or absent, even
/// after SIGKILL). The output itself is assembled atomically from the cells at the end, and the
/// journal is then removed.
///
/// `--resume` reloads finished cells from the journal (or, when the run had completed, from the
/// output file), after checking that their grid hash equals the new run's; a different grid is
/// refused before anything is written.
public final class PerplexityGridJournal {
    public let directory: String
    public let definition: PerplexityGridDefinition
    private let modelPath: String
    private let metadata: [(key: String, value: String)]

    /// The journal directory of an output path.
    public static func directory(forOutput output: String) -> String { output + ".journal" }

    private init(directory: String, definition: PerplexityGridDefinition, modelPath: String,
                 metadata: [(key: String, value: String)]) {
        self.directory = directory
        self.definition = definition
        self.modelPath = modelPath
        self.metadata = metadata
    }

    /// Opens the journal of `output`. Without `resume`, an existing journal is refused
    /// (`journalExists`); with it, finished cells are returned (from the journal, else from a
    /// completed `output`) and a different grid is refused (`gridMismatch`).
    public static func open(output: String, definition: PerplexityGridDefinition, resume: Bool, modelPath: String,
                            metadata: [(key: String, value: String)]) throws -> (PerplexityGridJournal, [GridCellResult]) {
        let directory = directory(forOutput: output)
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        let exists = manager.fileExists(atPath: directory, isDirectory: &isDirectory)
        var finished: [GridCellResult] = []
        if exists {
            guard isDirectory.boolValue else { throw ProbeError.journalExists(path: directory) }
            guard resume else { throw ProbeError.journalExists(path: directory) }
            let gridFile = directory + "/grid.json"
            guard let data = manager.contents(atPath: gridFile),
                  let stored = try? PerplexityGridDefinition.parse(String(decoding: data, as: UTF8.self)) else {
                throw ProbeError.invalidGridFile(path: gridFile, reason: "missing or not a grid definition")
            }
            guard stored.hash == definition.hash else {
                throw ProbeError.gridMismatch(path: directory, found: stored.hash, expected: definition.hash)
            }
            let names = (try? manager.contentsOfDirectory(atPath: directory)) ?? []
            for name in names.sorted() {
                let path = directory + "/" + name
                if name.hasPrefix("."), name.contains(".tmp-") {
                    try? manager.removeItem(atPath: path)  // a cell interrupted mid-write: redo it
                    continue
                }
                guard name.hasPrefix("cell-"), name.hasSuffix(".h5") else { continue }
                let contents = try PerplexityGridArchive.read(path: path)
                guard contents.hash == definition.hash else {
                    throw ProbeError.gridMismatch(path: path, found: contents.hash, expected: definition.hash)
                }
                finished += contents.cells
            }
        } else if resume, manager.fileExists(atPath: output) {
            let contents = try PerplexityGridArchive.read(path: output)
            guard contents.hash == definition.hash else {
                throw ProbeError.gridMismatch(path: output, found: contents.hash, expected: definition.hash)
            }
            finished = contents.cells
        }
        if !exists {
            do {
                try manager.createDirectory(atPath: directory, withIntermediateDirectories: false)
                try Data(try definition.json().utf8).write(to: URL(fileURLWithPath: directory + "/grid.json"), options: .atomic)
            } catch {
                throw ProbeError.unwritable(path: directory, reason: "\(error)")
            }
        }
        return (PerplexityGridJournal(directory: directory, definition: definition, modelPath: modelPath, metadata: metadata),
                finished)
    }

    /// Commits one finished cell (atomic rename of a complete file).
    public func commit(_ cell: GridCellResult) throws {
        let path = directory + "/cell-\(definition.flatIndex(cell.key)).h5"
        do {
            let writer = try ArchiveWriter(path: path)
            do {
                try PerplexityGridArchive.write(definition, cells: [cell], shard: "journal", modelPath: modelPath,
                                                metadata: metadata, to: writer)
                try writer.commit()
            } catch {
                writer.discard()
                throw error
            }
        } catch let error as TensorArchiveError {
            throw ProbeError.unwritable(path: path, reason: "\(error)")
        }
    }

    /// Removes the journal (after the output was committed).
    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Combines shard files of one grid into the cells of the whole grid.
public enum PerplexityGridMerge {
    /// The merged definition, cells in flat order, and the first file's model attributes.
    /// Throws `gridMismatch` (a file of another grid), `duplicateCell`, `missingCells`.
    public static func merge(paths: [String]) throws -> (PerplexityGridArchive.Contents, [(key: String, value: String)], String) {
        var first: PerplexityGridArchive.Contents?
        var owner: [Int: String] = [:]
        var cells: [Int: GridCellResult] = [:]
        var metadata: [(key: String, value: String)] = []
        var modelPath = ""
        for path in paths {
            let contents = try PerplexityGridArchive.read(path: path)
            if let first {
                guard contents.hash == first.hash else {
                    throw ProbeError.gridMismatch(path: path, found: contents.hash, expected: first.hash)
                }
            } else {
                first = contents
                (metadata, modelPath) = (try? modelAttributes(path)) ?? ([], "")
            }
            for cell in contents.cells {
                let flat = contents.definition.flatIndex(cell.key)
                if let previous = owner[flat] {
                    throw ProbeError.duplicateCell(id: contents.definition.cellID(cell.key), first: previous, second: path)
                }
                owner[flat] = path
                cells[flat] = cell
            }
        }
        guard var merged = first else { throw ProbeError.invalidGridFile(path: "", reason: "no shard files given") }
        let missing = (0..<merged.definition.cellCount).filter { cells[$0] == nil }
        guard missing.isEmpty else {
            throw ProbeError.missingCells(count: missing.count, total: merged.definition.cellCount,
                                          ids: missing.prefix(5).map { merged.definition.cellID(merged.definition.cell($0)) })
        }
        merged.cells = (0..<merged.definition.cellCount).compactMap { cells[$0] }
        merged.shard = "all"
        return (merged, metadata, modelPath)
    }

    /// `gguf:*` attributes and `model_path` of a grid file.
    static func modelAttributes(_ path: String) throws -> ([(key: String, value: String)], String) {
        let reader = try ArchiveReader(path: path)
        var metadata: [(key: String, value: String)] = []
        var modelPath = ""
        for (name, value) in try reader.attributes(of: "/") {
            if name.hasPrefix("gguf:"), let text = value.stringValue { metadata.append((String(name.dropFirst(5)), text)) }
            if name == "model_path", let text = value.stringValue { modelPath = text }
        }
        return (metadata, modelPath)
    }
}
