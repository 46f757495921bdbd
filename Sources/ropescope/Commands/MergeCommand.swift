import ArgumentParser
import Foundation
import Probes

/// `ropescope merge SHARD... --output grid.h5`: one grid file from the shard files of one grid.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shard files of one perplexity grid (probe perplexity --shard i/n) into one file.",
        discussion: """
            Checks that every file belongs to the same grid (grid hash), that no cell is in two files and \
            that every cell is in one; writes the same values as a single run.
            """)

    @Argument(help: ArgumentHelp("Shard files written by probe perplexity --shard.", valueName: "shard.h5"))
    var shards: [String]

    @Option(name: .shortAndLong, help: ArgumentHelp("Merged netCDF-4 HDF5 file (written atomically).", valueName: "grid.h5"))
    var output: String

    func validate() throws {
        guard !shards.isEmpty else { throw ValidationError("give at least one shard file") }
        try OutputPath.check(output, inputs: shards)
        let target = URL(fileURLWithPath: output).standardizedFileURL.path
        if shards.contains(where: { URL(fileURLWithPath: $0).standardizedFileURL.path == target }) {
            throw ValidationError("--output '\(output)' is one of the shard files: allowed a new path")
        }
    }

    func run() throws {
        for shard in shards where !FileManager.default.isReadableFile(atPath: shard) {
            throw Failure.unreadableInput("shard file '\(shard)' does not exist or is not readable")
        }
        let (contents, metadata, modelPath) = try ProbeFailure.call { try PerplexityGridMerge.merge(paths: shards) }
        try Export.write(path: output, configurationJSON: try contents.definition.json()) { writer in
            try PerplexityGridArchive.write(contents.definition, cells: contents.cells, shard: "all", modelPath: modelPath,
                                            metadata: metadata, to: writer)
        }
        let done = contents.cells.filter { $0.summary != nil }.count
        print("merged \(shards.count) files: \(contents.cells.count) cells (\(done) done, \(contents.cells.count - done) skipped) → \(output)")
    }
}
