import CHDF5

/// A variable whose first (unlimited) dimension grows slab by slab, e.g. per-token NLL or an
/// activation hook captured window by window.
///
/// Every `append` extends the dataset and the scale of its unlimited dimension, so the file is
/// a valid netCDF-4 file after each call (readers see the unlimited dimension at the length of
/// its longest variable, shorter variables padded with fill values, as netCDF does).
public final class AppendableVariable {
    /// Variable name within its group.
    public let name: String
    /// Element type; appended values must have exactly this type.
    public let dataType: ArchiveDataType
    /// Dimension names, the unlimited one first.
    public let dimensions: [String]
    /// Lengths of the fixed dimensions after the first (`[]` for a 1-D variable).
    public let trailingShape: [Int]
    /// Rows (entries along the unlimited dimension) appended so far.
    public private(set) var length: Int = 0

    private let group: ArchiveGroup
    private let datasetPath: String
    private let isOwnScale: Bool

    init(name: String, dataType: ArchiveDataType, dimensions: [String], trailingShape: [Int], group: ArchiveGroup, isOwnScale: Bool) {
        self.name = name
        self.dataType = dataType
        self.dimensions = dimensions
        self.trailingShape = trailingShape
        self.group = group
        self.datasetPath = hdf5Join(group.groupPath, name)
        self.isOwnScale = isOwnScale
    }

    /// Elements in one row: the product of `trailingShape` (1 for a 1-D variable).
    public var rowSize: Int { trailingShape.reduce(1, *) }

    /// Appends `values.count / rowSize` rows (row-major, like `writeVariable`).
    ///
    /// `values.count` must be a multiple of `rowSize` and `values.dataType` must equal `dataType`;
    /// an empty `values` is a no-op.
    public func append(_ values: ArchiveValues) throws {
        let file = group.file
        try file.perform { fileID in
            let site = HDF5Site(file: file.path, object: datasetPath)
            guard values.dataType == dataType else {
                throw TensorArchiveError.appendMismatch(
                    variable: datasetPath, file: file.path, reason: "values are \(values.dataType), the variable is \(dataType)")
            }
            guard values.count % rowSize == 0 else {
                throw TensorArchiveError.appendMismatch(
                    variable: datasetPath, file: file.path,
                    reason: "\(values.count) values are not a whole number of rows of \(rowSize) (trailing shape \(trailingShape))")
            }
            let rows = values.count / rowSize
            if rows == 0 { return }
            let dataset = try site.check(H5Dopen2(fileID, datasetPath, H5.defaultPlist), "open variable")
            defer { _ = H5Dclose(dataset) }
            let newLength = try extend(dataset, toAtLeast: length + rows, site: site)
            let fileSpace = try site.check(H5Dget_space(dataset), "get the dataspace of")
            defer { _ = H5Sclose(fileSpace) }
            var start = [hsize_t(length)] + trailingShape.map { _ in hsize_t(0) }
            var count = [hsize_t(rows)] + trailingShape.map { hsize_t($0) }
            try site.check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &count, nil), "select rows \(length)..<\(length + rows) of")
            let memorySpace = try site.check(H5Screate_simple(Int32(count.count), &count, nil), "create the memory dataspace for")
            defer { _ = H5Sclose(memorySpace) }
            let memoryType = dataType.memoryType ?? H5.all
            try values.withUnsafeElementBytes { bytes in
                _ = try site.check(H5Dwrite(dataset, memoryType, memorySpace, fileSpace, H5.defaultPlist, bytes), "append \(rows) rows to")
            }
            length += rows
            try group.growUnlimitedDimension(dimensions[0], to: newLength, fileID: fileID, skipScale: isOwnScale)
        }
    }

    /// Extends the first axis of `dataset` to at least `rows`; returns the new first-axis length.
    private func extend(_ dataset: hid_t, toAtLeast rows: Int, site: HDF5Site) throws -> Int {
        let space = try site.check(H5Dget_space(dataset), "get the dataspace of")
        defer { _ = H5Sclose(space) }
        var current = [hsize_t](repeating: 0, count: 1 + trailingShape.count)
        try site.check(H5Sget_simple_extent_dims(space, &current, nil), "read the extent of")
        let target = max(Int(current[0]), rows)
        if target > Int(current[0]) {
            var size = [hsize_t(target)] + trailingShape.map { hsize_t($0) }
            try site.check(H5Dset_extent(dataset, &size), "extend to \(target) rows")
        }
        return target
    }
}

extension ArchiveGroup {
    public func makeAppendable(
        _ name: String, dimensions: [String], type: ArchiveDataType, units: String, longName: String,
        attributes: KeyValuePairs<String, AttributeValue>, storage: ArchiveStorage
    ) throws -> AppendableVariable {
        try file.perform { fileID in
            let site = site(name)
            try validateNewName(name)
            let records = try resolveDimensions(dimensions, variable: name)
            let unsupported = { (reason: String) in
                TensorArchiveError.unsupported(what: "appendable variable", object: site.object, file: self.file.path, reason: reason)
            }
            if type == .string { throw unsupported("string variables cannot be appended to") }
            guard let first = records.first, first.isUnlimited else {
                throw unsupported("the first dimension must be an unlimited dimension (defineUnlimitedDimension), got \(dimensions)")
            }
            let trailing = records.dropFirst()
            if let other = trailing.first(where: { $0.isUnlimited || $0.length == 0 }) {
                throw unsupported("dimension '\(other.name)' after the first must be fixed and non-empty")
            }
            try validateUserAttributes(attributes, object: site.object, file: file.path)
            let dataset = try createDataset(
                fileID: fileID, path: site.object, type: type, shape: [0] + trailing.map(\.length), growable: true,
                storage: storage, site: site)
            defer { _ = H5Dclose(dataset) }
            try writeVariableAttributes(
                dataset, units: units, longName: longName, attributes: attributes, dimensionIDs: records.map(\.id), site: site)
            try attachScales(dataset, dimensions: records, fileID: fileID, site: site)
            usedNames.insert(name)
            variableNames.insert(name)
            return AppendableVariable(
                name: name, dataType: type, dimensions: dimensions, trailingShape: trailing.map(\.length),
                group: self, isOwnScale: false)
        }
    }

    public func makeAppendableCoordinate(
        _ name: String, type: ArchiveDataType, units: String, longName: String,
        attributes: KeyValuePairs<String, AttributeValue>
    ) throws -> AppendableVariable {
        try file.perform { fileID in
            let site = site(name)
            try validateNewName(name)
            if type == .string {
                throw TensorArchiveError.unsupported(
                    what: "appendable coordinate", object: site.object, file: file.path, reason: "string variables cannot be appended to")
            }
            try validateUserAttributes(attributes, object: site.object, file: file.path)
            let id = file.nextDimensionID
            let dataset = try createDataset(
                fileID: fileID, path: site.object, type: type, shape: [0], growable: true, storage: .automatic, site: site)
            defer { _ = H5Dclose(dataset) }
            try makeDimensionScale(dataset, scaleName: name, dimensionID: id, site: site)
            try writeVariableAttributes(
                dataset, units: units, longName: longName, attributes: attributes, dimensionIDs: [id], site: site)
            recordDimension(DimensionRecord(name: name, id: id, length: 0, isUnlimited: true, scalePath: site.object))
            variableNames.insert(name)
            return AppendableVariable(
                name: name, dataType: type, dimensions: [name], trailingShape: [], group: self, isOwnScale: true)
        }
    }

    /// Records that unlimited dimension `name` now has at least `length` entries and extends its
    /// scale dataset to match (unless the growing variable is the scale itself).
    func growUnlimitedDimension(_ name: String, to length: Int, fileID: hid_t, skipScale: Bool) throws {
        guard var record = dimensionRecords[name], length > record.length else { return }
        if !skipScale {
            let site = HDF5Site(file: file.path, object: record.scalePath)
            let scale = try site.check(H5Dopen2(fileID, record.scalePath, H5.defaultPlist), "open the scale of")
            defer { _ = H5Dclose(scale) }
            let space = try site.check(H5Dget_space(scale), "get the dataspace of")
            var current: [hsize_t] = [0]
            let read = H5Sget_simple_extent_dims(space, &current, nil)
            _ = H5Sclose(space)
            try site.check(read, "read the extent of")
            if Int(current[0]) < length {
                var size = [hsize_t(length)]
                try site.check(H5Dset_extent(scale, &size), "extend the scale to \(length)")
            }
        }
        record.length = length
        dimensionRecords[name] = record
    }
}
