/// Every failure of the TensorArchive target.
///
/// Each case names the file (the *target* path the caller asked for, not the temporary file), the
/// HDF5 object path inside it where relevant, and what was expected. `description` is one line
/// meant to be printed as is.
public enum TensorArchiveError: Error, Equatable, CustomStringConvertible {
    /// The output file cannot be created: `reason` says why (missing directory, no permission, ...).
    case cannotCreateFile(path: String, reason: String)
    /// The reader cannot open `path` as an HDF5 file (`reason` says why).
    case cannotOpenFile(path: String, reason: String)
    /// The output path names an existing directory.
    case targetIsDirectory(path: String)
    /// Something other than a regular file exists at the output path (`kind`: "a symbolic link",
    /// "a FIFO", "a character device", ...); only regular files are ever replaced.
    case targetNotRegularFile(path: String, kind: String)
    /// An existing regular file at the output path is not writable by us (read-only), so it is
    /// not replaced.
    case targetNotWritable(path: String)
    /// The output path is the same file (device and inode, after symbolic links) as an input.
    case targetIsInput(path: String, input: String)
    /// An HDF5 call failed. `operation` is what the writer or reader was doing, `object` the HDF5
    /// path, `detail` the innermost message of HDF5's error stack.
    case hdf5Failure(operation: String, object: String, file: String, detail: String)
    /// A group, variable or dimension name is not usable (`reason` says why).
    case invalidName(name: String, group: String, file: String, reason: String)
    /// A name is already taken in the group by a variable, dimension or subgroup.
    case duplicateName(name: String, group: String, file: String)
    /// An attribute was given twice for one object.
    case duplicateAttribute(name: String, object: String, file: String)
    /// An attribute name is reserved by HDF5 dimension scales or netCDF-4.
    case reservedAttribute(name: String, object: String, file: String)
    /// A variable refers to a dimension that is not defined in its group.
    case unknownDimension(name: String, variable: String, group: String, file: String, known: [String])
    /// A variable's values do not fill its dimensions exactly.
    case shapeMismatch(variable: String, file: String, dimensions: [String], shape: [Int], expectedCount: Int, actualCount: Int)
    /// A dimension length is negative (fixed dimensions need `length >= 0`).
    case invalidDimensionLength(name: String, group: String, file: String, length: Int)
    /// A request the netCDF-4 subset written here does not support (`reason` says what is allowed).
    case unsupported(what: String, object: String, file: String, reason: String)
    /// Appended values do not match the appendable variable's element type or row size.
    case appendMismatch(variable: String, file: String, reason: String)
    /// A value (string or attribute text) contains a NUL character, which HDF5 C strings cannot hold.
    case embeddedNul(object: String, file: String)
    /// The writer was already committed or discarded.
    case writerClosed(file: String)
    /// An earlier failure aborted the writer; its temporary file was deleted. `cause` is that failure.
    case writerAborted(file: String, cause: String)
    /// Renaming the finished temporary file over the target failed.
    case commitFailed(path: String, temporaryPath: String, reason: String)
    /// The reader could not find an object.
    case notFound(object: String, file: String)
    /// The reader found an object whose type or layout it cannot return as requested.
    case typeMismatch(object: String, file: String, expected: String, found: String)

    public var description: String {
        switch self {
        case let .cannotCreateFile(path, reason):
            return "cannot create archive '\(path)': \(reason)"
        case let .cannotOpenFile(path, reason):
            return "cannot open archive '\(path)': \(reason)"
        case let .targetIsDirectory(path):
            return "cannot create archive '\(path)': the path is a directory; give a file name such as '\(path)/out.h5'"
        case let .targetNotRegularFile(path, kind):
            return "cannot create archive '\(path)': it exists and is \(kind); only a regular file is replaced (remove it or choose another path)"
        case let .targetNotWritable(path):
            return "cannot create archive '\(path)': it exists and is read-only; only a writable regular file is replaced"
        case let .targetIsInput(path, input):
            return "output '\(path)' is the input file '\(input)'; writing it would destroy the input: choose another output path"
        case let .hdf5Failure(operation, object, file, detail):
            return "HDF5 failed to \(operation) '\(object)' in '\(file)': \(detail)"
        case let .invalidName(name, group, file, reason):
            return "invalid name '\(name)' in group '\(group)' of '\(file)': \(reason)"
        case let .duplicateName(name, group, file):
            return "name '\(name)' is already used in group '\(group)' of '\(file)' (variables, dimensions and subgroups share one namespace)"
        case let .duplicateAttribute(name, object, file):
            return "attribute '\(name)' is given twice for '\(object)' in '\(file)'"
        case let .reservedAttribute(name, object, file):
            return "attribute name '\(name)' on '\(object)' in '\(file)' is reserved by HDF5 dimension scales / netCDF-4"
        case let .unknownDimension(name, variable, group, file, known):
            let list = known.isEmpty ? "none defined" : known.joined(separator: ", ")
            return "variable '\(variable)' in group '\(group)' of '\(file)' uses unknown dimension '\(name)'; defined dimensions: \(list)"
        case let .shapeMismatch(variable, file, dimensions, shape, expectedCount, actualCount):
            let dims = zip(dimensions, shape).map { "\($0)=\($1)" }.joined(separator: ", ")
            return "variable '\(variable)' in '\(file)' has \(actualCount) values but its dimensions (\(dims)) need \(expectedCount)"
        case let .invalidDimensionLength(name, group, file, length):
            return "dimension '\(name)' in group '\(group)' of '\(file)' has length \(length); a fixed dimension needs length >= 0"
        case let .unsupported(what, object, file, reason):
            return "unsupported \(what) for '\(object)' in '\(file)': \(reason)"
        case let .appendMismatch(variable, file, reason):
            return "cannot append to '\(variable)' in '\(file)': \(reason)"
        case let .embeddedNul(object, file):
            return "a string for '\(object)' in '\(file)' contains a NUL character, which HDF5 strings cannot hold"
        case let .writerClosed(file):
            return "archive writer for '\(file)' is already committed or discarded"
        case let .writerAborted(file, cause):
            return "archive writer for '\(file)' was aborted by an earlier error (temporary file deleted, target untouched): \(cause)"
        case let .commitFailed(path, temporaryPath, reason):
            return "cannot move finished archive '\(temporaryPath)' to '\(path)': \(reason)"
        case let .notFound(object, file):
            return "no object '\(object)' in '\(file)'"
        case let .typeMismatch(object, file, expected, found):
            return "'\(object)' in '\(file)' is \(found); expected \(expected)"
        }
    }
}
