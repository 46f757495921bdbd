import CHDF5

/// A dimension of one group as the writer tracks it.
struct DimensionRecord {
    /// Dimension name (also the name of its scale dataset).
    let name: String
    /// netCDF dimension id (`_Netcdf4Dimid`), unique in the file.
    let id: Int32
    /// Current length; grows for unlimited dimensions.
    var length: Int
    /// True for dimensions defined with `defineUnlimitedDimension` / `makeAppendableCoordinate`.
    let isUnlimited: Bool
    /// HDF5 path of the scale dataset.
    let scalePath: String
}

/// Creates a dataset creation property list with netCDF-4's attribute creation-order tracking,
/// no modification times (so identical inputs give identical files) and the requested layout.
func makeDatasetCreationList(
    shape: [Int], growable: Bool, type: ArchiveDataType, storage: ArchiveStorage, site: HDF5Site
) throws -> hid_t {
    let list = try site.check(H5Pcreate(H5.datasetCreate), "create a dataset creation property list for")
    do {
        try site.check(H5Pset_attr_creation_order(list, H5.creationOrderFlags), "track attribute creation order on")
        try site.check(H5Pset_obj_track_times(list, false), "disable time tracking on")
        if let (chunk, level, shuffle) = try chunking(shape: shape, growable: growable, type: type, storage: storage, site: site) {
            var chunkDims = chunk.map { hsize_t($0) }
            try site.check(H5Pset_chunk(list, Int32(chunkDims.count), &chunkDims), "set chunk shape \(chunk) on")
            if level > 0 {
                if shuffle { try site.check(H5Pset_shuffle(list), "enable the shuffle filter on") }
                try site.check(H5Pset_deflate(list, UInt32(level)), "enable deflate level \(level) on")
            }
        }
        return list
    } catch {
        _ = H5Pclose(list)
        throw error
    }
}

/// The chunk shape, level and shuffle flag of a fixed-size dataset stored with deflate (the
/// layout `makeDatasetCreationList` gives it), or nil when it is contiguous or uncompressed.
func compressedChunkLayout(
    shape: [Int], type: ArchiveDataType, storage: ArchiveStorage, site: HDF5Site
) throws -> CompressedChunkLayout? {
    guard let (chunk, level, shuffle) = try chunking(shape: shape, growable: false, type: type, storage: storage, site: site),
          level > 0 else { return nil }
    return CompressedChunkLayout(chunk: chunk, level: level, shuffle: shuffle)
}

/// The chunk shape, deflate level and shuffle flag for a dataset, or nil for contiguous storage.
private func chunking(
    shape: [Int], growable: Bool, type: ArchiveDataType, storage: ArchiveStorage, site: HDF5Site
) throws -> ([Int], Int, Bool)? {
    let bytes = shape.reduce(type.elementByteCount) { $0 &* $1 }
    let unsupported = { (reason: String) in
        TensorArchiveError.unsupported(what: "storage", object: site.object, file: site.file, reason: reason)
    }
    switch storage.layout {
    case .automatic:
        if growable {
            let chunk = automaticChunkShape(
                shape: shape, elementBytes: type.elementByteCount, targetBytes: ArchiveStorage.targetAppendableChunkBytes)
            return (chunk, ArchiveStorage.appendableDeflateLevel, true)
        }
        if type == .string || shape.isEmpty || shape.contains(0) || bytes < ArchiveStorage.automaticThresholdBytes {
            return nil
        }
        return (automaticChunkShape(shape: shape, elementBytes: type.elementByteCount), 4, true)
    case .contiguous:
        if growable { throw unsupported("a growable (unlimited) variable must be chunked") }
        return nil
    case let .chunked(chunkShape, deflateLevel, shuffle):
        if type == .string { throw unsupported("string variables are stored contiguously; use .automatic or .contiguous") }
        if shape.isEmpty { throw unsupported("a scalar variable cannot be chunked") }
        let level = deflateLevel ?? 0
        guard (0...9).contains(level) else { throw unsupported("deflate level \(level) is outside 0...9") }
        if !growable, shape.contains(0) { return nil }
        guard let chunk = chunkShape else {
            let target = growable ? ArchiveStorage.targetAppendableChunkBytes : ArchiveStorage.targetChunkBytes
            return (automaticChunkShape(shape: shape, elementBytes: type.elementByteCount, targetBytes: target), level, shuffle)
        }
        let fits = chunk.count == shape.count && zip(chunk.indices, chunk).allSatisfy { axis, size in
            size >= 1 && ((growable && axis == 0) || size <= shape[axis])
        }
        guard fits else {
            throw unsupported("chunk shape \(chunk) must have one entry >= 1 per dimension, each at most the dimension length \(shape)")
        }
        return (chunk, level, shuffle)
    }
}

/// Creates dataset `path` of `type` and `shape` (growable: first axis unlimited, starting at
/// `shape[0]`). `fileTypeOverride` replaces the standard little-endian file type of a numeric
/// `type`. Returns the open dataset id; the caller closes it.
func createDataset(
    fileID: hid_t, path: String, type: ArchiveDataType, shape: [Int], growable: Bool,
    storage: ArchiveStorage, site: HDF5Site, fileTypeOverride: hid_t? = nil
) throws -> hid_t {
    let space: hid_t
    if shape.isEmpty {
        space = try site.check(H5Screate(H5S_SCALAR), "create the dataspace of")
    } else {
        var dims = shape.map { hsize_t($0) }
        var maxDims = dims
        if growable { maxDims[0] = H5.unlimited }
        space = try site.check(H5Screate_simple(Int32(dims.count), &dims, &maxDims), "create the dataspace of")
    }
    defer { _ = H5Sclose(space) }
    let list = try makeDatasetCreationList(shape: shape, growable: growable, type: type, storage: storage, site: site)
    defer { _ = H5Pclose(list) }
    let fileType: hid_t
    var stringType: hid_t = -1
    if let numeric = fileTypeOverride ?? type.fileType {
        fileType = numeric
    } else {
        stringType = try makeUTF8StringType(site: site)
        fileType = stringType
    }
    defer { if stringType >= 0 { _ = H5Tclose(stringType) } }
    return try site.check(
        H5Dcreate2(fileID, path, fileType, space, H5.defaultPlist, list, H5.defaultPlist), "create dataset")
}

/// Writes all of `values` into the open dataset (whole extent). With a `compressed` layout the
/// chunks are filtered on all cores and written directly (`CompressedChunkLayout`).
func writeWholeDataset(
    _ datasetID: hid_t, values: ArchiveValues, site: HDF5Site, shape: [Int] = [], compressed: CompressedChunkLayout? = nil
) throws {
    if values.count == 0 { return }
    if let compressed, try compressed.write(datasetID, values: values, shape: shape, site: site) { return }
    var stringType: hid_t = -1
    let memoryType: hid_t
    if let numeric = values.dataType.memoryType {
        memoryType = numeric
    } else {
        stringType = try makeUTF8StringType(site: site)
        memoryType = stringType
    }
    defer { if stringType >= 0 { _ = H5Tclose(stringType) } }
    try values.withUnsafeElementBytes { bytes in
        _ = try site.check(H5Dwrite(datasetID, memoryType, H5.all, H5.all, H5.defaultPlist, bytes), "write the values of")
    }
}

/// Writes `units`, `long_name`, the user attributes in order, and `_Netcdf4Coordinates` (the
/// netCDF dimension ids of the variable's axes, as netCDF-C 4.10 writes on every variable).
func writeVariableAttributes(
    _ datasetID: hid_t, units: String, longName: String, attributes: KeyValuePairs<String, AttributeValue>,
    dimensionIDs: [Int32], site: HDF5Site
) throws {
    try writeAttribute("units", .string(units), on: datasetID, site: site)
    try writeAttribute("long_name", .string(longName), on: datasetID, site: site)
    for (name, value) in attributes {
        try writeAttribute(name, value, on: datasetID, site: site)
    }
    if !dimensionIDs.isEmpty {
        try writeAttribute("_Netcdf4Coordinates", .int32Array(dimensionIDs), on: datasetID, site: site)
    }
}

/// Attaches the scale of `dimensions[axis]` to each axis of the open dataset.
func attachScales(_ datasetID: hid_t, dimensions: [DimensionRecord], fileID: hid_t, site: HDF5Site) throws {
    for (axis, dimension) in dimensions.enumerated() {
        let scale = try site.check(H5Dopen2(fileID, dimension.scalePath, H5.defaultPlist), "open the scale '\(dimension.scalePath)' for")
        defer { _ = H5Dclose(scale) }
        try site.check(H5DSattach_scale(datasetID, scale, UInt32(axis)), "attach scale '\(dimension.name)' to axis \(axis) of")
    }
}

/// Marks the open dataset as the scale of dimension `dimensionID` with scale NAME `scaleName`.
func makeDimensionScale(_ datasetID: hid_t, scaleName: String, dimensionID: Int32, site: HDF5Site) throws {
    try site.check(H5DSset_scale(datasetID, scaleName), "make a dimension scale of")
    try writeAttribute("_Netcdf4Dimid", .int32(dimensionID), on: datasetID, site: site)
}
