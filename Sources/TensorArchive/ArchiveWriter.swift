import Foundation

/// Writes one netCDF-4 compatible HDF5 file atomically.
///
/// All writes go to a hidden temporary file next to the target (`.<name>.tmp-<pid>-<random>`);
/// `commit()` closes it and renames it over the target. If the writer is released without
/// `commit()`, `discard()` is called, or any write throws, the temporary file is deleted and the
/// target is left untouched (later calls throw `.writerAborted`).
///
/// The file opens in xarray (`engine="h5netcdf"`), h5py and netCDF4-python without `phony_dim_*`:
/// link and attribute creation order are tracked everywhere, every axis of every variable has a
/// dimension scale with `_Netcdf4Dimid`, and `units` / `long_name` are on every variable.
///
/// ```swift
/// let writer = try ArchiveWriter(path: "out.h5")
/// try writer.setProvenance(toolVersion: "0.1.0", commandLine: CommandLine.arguments, configurationJSON: json)
/// try writer.writeCoordinate("position", values: .ints(Array(0..<n)), units: "tokens", longName: "token position")
/// try writer.writeVariable("nll", dimensions: ["position"], values: .float64(nll), units: "nats", longName: "negative log-likelihood")
/// try writer.commit()
/// ```
public final class ArchiveWriter: ArchiveContainer {
    /// The target path given to `init`.
    public let path: String
    /// The root group; the writer's `ArchiveContainer` methods forward to it.
    public let root: ArchiveGroup
    let file: ArchiveFile

    /// Creates the temporary file for `path`.
    ///
    /// Throws `.targetIsDirectory` when `path` is a directory, `.targetNotRegularFile` when
    /// something other than a regular file (symbolic link, FIFO, device, socket) is there,
    /// `.targetNotWritable` for a read-only file, and `.cannotCreateFile` (naming `path`) when its
    /// directory is missing or not writable. An existing writable regular file is replaced on
    /// `commit()`.
    public init(path: String) throws {
        self.path = path
        file = try ArchiveFile(path: path)
        root = ArchiveGroup(file: file, groupPath: "/")
    }

    deinit {
        file.abort(cause: "the writer was released without commit()")
    }

    /// The hidden file being written until `commit()`.
    public var temporaryPath: String { file.target.temporaryPath }

    /// Temporary files of earlier writers to the same target that were killed (SIGKILL, power
    /// loss) and that `init` deleted: `.<name>.tmp-<pid>-<hex>` whose process no longer exists.
    public var removedStaleTemporaries: [String] { file.target.removedStaleTemporaries }

    /// Closes the file and renames it over the target. After success the writer is closed.
    public func commit() throws { try file.commit() }

    /// The same as `commit()`, for callers that think of finishing a file as closing it.
    public func close() throws { try commit() }

    /// Deletes the temporary file and leaves the target untouched. No-op after `commit()`.
    public func discard() { file.abort(cause: "discard() was called") }

    /// Sets the root attributes that say how the file was made: `tool_version`, `command_line`
    /// (arguments joined by spaces, each quoted for a POSIX shell when needed) and
    /// `configuration` (the resolved configuration as a JSON string).
    public func setProvenance(toolVersion: String, commandLine: [String], configurationJSON: String) throws {
        try root.setAttribute("tool_version", .string(toolVersion))
        try root.setAttribute("command_line", .string(commandLine.map(shellQuoted).joined(separator: " ")))
        try root.setAttribute("configuration", .string(configurationJSON))
    }

    public var groupPath: String { root.groupPath }

    public func setAttribute(_ name: String, _ value: AttributeValue) throws {
        try root.setAttribute(name, value)
    }

    public func setAttribute(_ name: String, _ value: AttributeValue, onVariable variable: String) throws {
        try root.setAttribute(name, value, onVariable: variable)
    }

    public func defineDimension(_ name: String, length: Int) throws {
        try root.defineDimension(name, length: length)
    }

    public func defineUnlimitedDimension(_ name: String) throws {
        try root.defineUnlimitedDimension(name)
    }

    public func writeCoordinate(
        _ name: String, values: ArchiveValues, units: String, longName: String,
        attributes: KeyValuePairs<String, AttributeValue>
    ) throws {
        try root.writeCoordinate(name, values: values, units: units, longName: longName, attributes: attributes)
    }

    public func writeVariable(
        _ name: String, dimensions: [String], values: ArchiveValues, units: String, longName: String,
        attributes: KeyValuePairs<String, AttributeValue>, storage: ArchiveStorage
    ) throws {
        try root.writeVariable(
            name, dimensions: dimensions, values: values, units: units, longName: longName,
            attributes: attributes, storage: storage)
    }

    public func group(_ name: String) throws -> ArchiveGroup { try root.group(name) }

    public func makeAppendable(
        _ name: String, dimensions: [String], type: ArchiveDataType, units: String, longName: String,
        attributes: KeyValuePairs<String, AttributeValue>, storage: ArchiveStorage
    ) throws -> AppendableVariable {
        try root.makeAppendable(
            name, dimensions: dimensions, type: type, units: units, longName: longName,
            attributes: attributes, storage: storage)
    }

    public func makeAppendableCoordinate(
        _ name: String, type: ArchiveDataType, units: String, longName: String,
        attributes: KeyValuePairs<String, AttributeValue>
    ) throws -> AppendableVariable {
        try root.makeAppendableCoordinate(name, type: type, units: units, longName: longName, attributes: attributes)
    }
}

/// `argument` quoted for a POSIX shell when it contains anything but `[A-Za-z0-9_./=:,+-]`.
func shellQuoted(_ argument: String) -> String {
    let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+-@%")
    if !argument.isEmpty && argument.allSatisfy({ plain.contains($0) }) { return argument }
    return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
