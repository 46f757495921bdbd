import ArgumentParser
import Foundation

/// --json and --output FILE.h5.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print machine-readable JSON (snake_case keys) instead of a table.")
    var json = false

    @Option(name: .shortAndLong, help: ArgumentHelp("Write a netCDF-4 HDF5 file (written atomically).", valueName: "file.h5"))
    var output: String?

    /// Checks the output path (`OutputPath.check`); commands that read files check again with
    /// their inputs.
    func validate() throws {
        guard let output else { return }
        try OutputPath.check(output)
    }
}
