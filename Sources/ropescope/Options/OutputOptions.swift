import ArgumentParser
import Foundation

/// --json and --output FILE.h5.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print machine-readable JSON (snake_case keys) instead of a table.")
    var json = false

    @Option(name: .shortAndLong, help: ArgumentHelp("Write a netCDF-4 HDF5 file (written atomically).", valueName: "file.h5"))
    var output: String?

    /// Checks that the output's directory exists and is writable and that it is not a directory.
    func validate() throws {
        guard let output else { return }
        try OutputPath.check(output)
    }
}

enum OutputPath {
    /// Throws ValidationError (exit 64) naming the path when it cannot be written.
    static func check(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("--output '\(path)' is a directory: allowed a file path such as out/result.h5")
        }
        let directory = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--output '\(path)': directory '\(directory)' does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw ValidationError("--output '\(path)': directory '\(directory)' is not writable")
        }
    }
}
