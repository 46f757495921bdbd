/// The writing operations shared by the root of an archive (`ArchiveWriter`) and its groups
/// (`ArchiveGroup`).
///
/// Each group is self-contained in netCDF terms: the dimensions a variable uses must be defined
/// in the same group, so `xr.open_dataset(path, engine="h5netcdf", group="a/b")` shows every
/// coordinate. Variables, dimensions and subgroups share one namespace per group. Names may
/// contain dots (`blocks.3.attn.hook_pattern`) but not `/`.
///
/// `xr.open_datatree` additionally makes each group inherit its ancestors' coordinates, so a
/// group should not reuse an ancestor's dimension name for a different length or coordinate
/// (the file stays valid netCDF-4, but the datatree open fails with "not aligned").
///
/// Any failed call aborts the whole writer (see `ArchiveWriter`).
public protocol ArchiveContainer: AnyObject {
    /// The HDF5 path of this group (`/` for the root, `/a/b` for nested groups).
    var groupPath: String { get }

    /// Sets (or replaces) an attribute of this group.
    func setAttribute(_ name: String, _ value: AttributeValue) throws

    /// Sets (or replaces) an attribute of a variable already written in this group.
    func setAttribute(_ name: String, _ value: AttributeValue, onVariable variable: String) throws

    /// Defines a fixed dimension of `length` (>= 0) without coordinate values. It is stored as a
    /// netCDF "dimension without variable" scale (NAME = "This is a netCDF dimension but not a
    /// netCDF variable." + length in 10 characters), filled with zeros.
    func defineDimension(_ name: String, length: Int) throws

    /// Defines an unlimited (growable) dimension without coordinate values, length 0 at first.
    /// It grows as `AppendableVariable`s whose first dimension it is are appended to.
    func defineUnlimitedDimension(_ name: String) throws

    /// Defines dimension `name` with length `values.count` and writes its coordinate variable
    /// (a 1-D variable named like the dimension, which is also the dimension scale).
    func writeCoordinate(
        _ name: String, values: ArchiveValues, units: String, longName: String,
        attributes: KeyValuePairs<String, AttributeValue>) throws

    /// Writes an N-D variable over defined, fixed dimensions of this group.
    ///
    /// - Parameters:
    ///   - dimensions: dimension names, slowest first; `[]` makes a scalar (one value).
    ///   - values: row-major values; `values.count` must equal the product of the dimension
    ///     lengths. String values need exactly one dimension.
    ///   - units: UDUNITS-style unit (`"1"` for dimensionless, `"nats"`, `"tokens"`, `"rad"`).
    ///   - longName: a human-readable description, stored as `long_name`.
    ///   - attributes: further attributes, written in this order.
    ///   - storage: layout and compression.
    func writeVariable(
        _ name: String, dimensions: [String], values: ArchiveValues, units: String, longName: String,
        attributes: KeyValuePairs<String, AttributeValue>, storage: ArchiveStorage) throws

    /// Returns the subgroup `name`, creating it on first use (later calls return the same object).
    func group(_ name: String) throws -> ArchiveGroup

    /// Creates a variable whose first dimension is an unlimited dimension of this group (defined
    /// with `defineUnlimitedDimension`) and whose other dimensions are fixed; rows are added with
    /// `AppendableVariable.append`. Strings are not supported.
    func makeAppendable(
        _ name: String, dimensions: [String], type: ArchiveDataType, units: String, longName: String,
        attributes: KeyValuePairs<String, AttributeValue>, storage: ArchiveStorage) throws -> AppendableVariable

    /// Defines an unlimited dimension `name` together with its growable coordinate variable.
    func makeAppendableCoordinate(
        _ name: String, type: ArchiveDataType, units: String, longName: String,
        attributes: KeyValuePairs<String, AttributeValue>) throws -> AppendableVariable
}

extension ArchiveContainer {
    /// `writeCoordinate` without extra attributes.
    public func writeCoordinate(_ name: String, values: ArchiveValues, units: String, longName: String) throws {
        try writeCoordinate(name, values: values, units: units, longName: longName, attributes: [:])
    }

    /// `writeVariable` with `.automatic` storage and optional extra attributes.
    public func writeVariable(
        _ name: String, dimensions: [String], values: ArchiveValues, units: String, longName: String,
        attributes: KeyValuePairs<String, AttributeValue> = [:]
    ) throws {
        try writeVariable(
            name, dimensions: dimensions, values: values, units: units, longName: longName,
            attributes: attributes, storage: .automatic)
    }

    /// `makeAppendable` with `.automatic` storage and optional extra attributes.
    public func makeAppendable(
        _ name: String, dimensions: [String], type: ArchiveDataType, units: String, longName: String,
        attributes: KeyValuePairs<String, AttributeValue> = [:]
    ) throws -> AppendableVariable {
        try makeAppendable(
            name, dimensions: dimensions, type: type, units: units, longName: longName,
            attributes: attributes, storage: .automatic)
    }

    /// `makeAppendableCoordinate` without extra attributes.
    public func makeAppendableCoordinate(
        _ name: String, type: ArchiveDataType, units: String, longName: String
    ) throws -> AppendableVariable {
        try makeAppendableCoordinate(name, type: type, units: units, longName: longName, attributes: [:])
    }
}
