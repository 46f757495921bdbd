import CHDF5

/// netCDF-4 and HDF5 dimension-scale conventions shared by the writer and the reader.
enum NetCDFConventions {
    /// Attribute names managed by HDF5 dimension scales and netCDF-4; user attributes may not use
    /// them (h5netcdf hides exactly these from `attrs`).
    static let reservedAttributeNames: Set<String> = [
        "CLASS", "NAME", "REFERENCE_LIST", "DIMENSION_LIST", "DIMENSION_LABELS",
        "_Netcdf4Dimid", "_Netcdf4Coordinates", "_nc3_strict", "_NCProperties",
    ]

    /// The text netCDF-C writes before the length in the `NAME` of a dimension without a variable.
    static let dimensionWithoutVariable = "This is a netCDF dimension but not a netCDF variable."

    /// The `NAME` attribute of a dimension-only scale: the fixed text followed by the length
    /// right-aligned in 10 characters, as netCDF-C's `sprintf("%s%10d", ...)` and h5netcdf write
    /// (checked against files written by netCDF4 1.7.5 and h5netcdf 1.8.2).
    static func dimensionScaleName(length: Int) -> String {
        let digits = String(length)
        return dimensionWithoutVariable + String(repeating: " ", count: max(0, 10 - digits.count)) + digits
    }
}

/// Writes `value` as attribute `name` of the open object `objectID`, replacing an existing one.
///
/// Strings are scalar variable-length UTF-8; numeric scalars use a scalar dataspace; arrays are 1-D.
func writeAttribute(_ name: String, _ value: AttributeValue, on objectID: hid_t, site: HDF5Site) throws {
    if case let .string(text) = value, text.utf8.contains(0) {
        throw TensorArchiveError.embeddedNul(object: "\(site.object)@\(name)", file: site.file)
    }
    let what = "attribute '\(name)' of"
    if try site.check(H5Aexists(objectID, name), "look up \(what)") > 0 {
        try site.check(H5Adelete(objectID, name), "delete the old \(what)")
    }
    switch value {
    case let .string(text):
        let type = try makeUTF8StringType(site: site)
        defer { _ = H5Tclose(type) }
        try withCStringArray([text]) { pointers in
            try pointers.withUnsafeBytes { buffer in
                try createAndWrite(name, fileType: type, memoryType: type, count: nil, bytes: buffer.baseAddress, on: objectID, site: site)
            }
        }
    case let .int32(number):
        try withUnsafeBytes(of: number) {
            try createAndWrite(name, fileType: chdf5_T_STD_I32LE(), memoryType: chdf5_T_NATIVE_INT32(), count: nil, bytes: $0.baseAddress, on: objectID, site: site)
        }
    case let .int64(number):
        try withUnsafeBytes(of: number) {
            try createAndWrite(name, fileType: chdf5_T_STD_I64LE(), memoryType: chdf5_T_NATIVE_INT64(), count: nil, bytes: $0.baseAddress, on: objectID, site: site)
        }
    case let .double(number):
        try withUnsafeBytes(of: number) {
            try createAndWrite(name, fileType: chdf5_T_IEEE_F64LE(), memoryType: chdf5_T_NATIVE_DOUBLE(), count: nil, bytes: $0.baseAddress, on: objectID, site: site)
        }
    case let .int32Array(numbers):
        try numbers.withUnsafeBytes {
            try createAndWrite(name, fileType: chdf5_T_STD_I32LE(), memoryType: chdf5_T_NATIVE_INT32(), count: numbers.count, bytes: $0.baseAddress, on: objectID, site: site)
        }
    case let .int64Array(numbers):
        try numbers.withUnsafeBytes {
            try createAndWrite(name, fileType: chdf5_T_STD_I64LE(), memoryType: chdf5_T_NATIVE_INT64(), count: numbers.count, bytes: $0.baseAddress, on: objectID, site: site)
        }
    case let .doubleArray(numbers):
        try numbers.withUnsafeBytes {
            try createAndWrite(name, fileType: chdf5_T_IEEE_F64LE(), memoryType: chdf5_T_NATIVE_DOUBLE(), count: numbers.count, bytes: $0.baseAddress, on: objectID, site: site)
        }
    }
}

/// Creates attribute `name` (scalar when `count` is nil, else 1-D of `count`) and writes `bytes`.
private func createAndWrite(
    _ name: String, fileType: hid_t, memoryType: hid_t, count: Int?, bytes: UnsafeRawPointer?,
    on objectID: hid_t, site: HDF5Site
) throws {
    let what = "attribute '\(name)' of"
    let space: hid_t
    if let count {
        var dims = [hsize_t(count)]
        space = try site.check(H5Screate_simple(1, &dims, nil), "create the dataspace of \(what)")
    } else {
        space = try site.check(H5Screate(H5S_SCALAR), "create the dataspace of \(what)")
    }
    defer { _ = H5Sclose(space) }
    let attribute = try site.check(H5Acreate2(objectID, name, fileType, space, H5.defaultPlist, H5.defaultPlist), "create \(what)")
    defer { _ = H5Aclose(attribute) }
    if count == 0 { return }
    try site.check(H5Awrite(attribute, memoryType, bytes), "write \(what)")
}

/// Validates a list of user attributes for `object`: no duplicates, no reserved names, none that
/// repeats `units` / `long_name` (those are separate required parameters).
func validateUserAttributes(_ attributes: KeyValuePairs<String, AttributeValue>, object: String, file: String) throws {
    var seen: Set<String> = ["units", "long_name"]
    for (name, _) in attributes {
        try validateAttributeName(name, object: object, file: file)
        guard seen.insert(name).inserted else {
            throw TensorArchiveError.duplicateAttribute(name: name, object: object, file: file)
        }
    }
}

/// Rejects empty names, names with NUL and names reserved by netCDF-4 / dimension scales.
func validateAttributeName(_ name: String, object: String, file: String) throws {
    if name.isEmpty || name.utf8.contains(0) {
        throw TensorArchiveError.unsupported(
            what: "attribute name '\(name)'", object: object, file: file, reason: "names must be non-empty and contain no NUL")
    }
    if NetCDFConventions.reservedAttributeNames.contains(name) {
        throw TensorArchiveError.reservedAttribute(name: name, object: object, file: file)
    }
}
