import CHDF5

/// A netCDF-4 group of an archive: its own dimensions, variables, attributes and subgroups.
///
/// Obtain one from `ArchiveWriter.group(_:)` or `ArchiveGroup.group(_:)`. Not thread-safe: use
/// one writer (and its groups) from one task at a time.
public final class ArchiveGroup: ArchiveContainer {
    /// The HDF5 path of this group (`/` for the root).
    public let groupPath: String
    let file: ArchiveFile
    var dimensionOrder: [String] = []
    var dimensionRecords: [String: DimensionRecord] = [:]
    var variableNames: Set<String> = []
    var usedNames: Set<String> = []
    var subgroups: [String: ArchiveGroup] = [:]

    init(file: ArchiveFile, groupPath: String) {
        self.file = file
        self.groupPath = groupPath
    }

    func site(_ name: String) -> HDF5Site { HDF5Site(file: file.path, object: hdf5Join(groupPath, name)) }

    /// The names of this group's dimensions in definition order.
    public var dimensionNames: [String] { dimensionOrder }

    /// The current length of dimension `name`, or nil when it is not defined in this group.
    public func length(ofDimension name: String) -> Int? { dimensionRecords[name]?.length }

    public func setAttribute(_ name: String, _ value: AttributeValue) throws {
        try file.perform { fileID in
            try validateAttributeName(name, object: groupPath, file: file.path)
            let site = HDF5Site(file: file.path, object: groupPath)
            let group = try site.check(H5Oopen(fileID, groupPath, H5.defaultPlist), "open group")
            defer { _ = H5Oclose(group) }
            try writeAttribute(name, value, on: group, site: site)
        }
    }

    public func setAttribute(_ name: String, _ value: AttributeValue, onVariable variable: String) throws {
        try file.perform { fileID in
            let site = site(variable)
            guard variableNames.contains(variable) else {
                throw TensorArchiveError.notFound(object: site.object, file: file.path)
            }
            try validateAttributeName(name, object: site.object, file: file.path)
            let dataset = try site.check(H5Dopen2(fileID, site.object, H5.defaultPlist), "open variable")
            defer { _ = H5Dclose(dataset) }
            try writeAttribute(name, value, on: dataset, site: site)
        }
    }

    public func defineDimension(_ name: String, length: Int) throws {
        try file.perform { fileID in
            try validateNewName(name)
            guard length >= 0 else {
                throw TensorArchiveError.invalidDimensionLength(name: name, group: groupPath, file: file.path, length: length)
            }
            try createDimensionOnlyScale(name, length: length, unlimited: false, fileID: fileID)
        }
    }

    public func defineUnlimitedDimension(_ name: String) throws {
        try file.perform { fileID in
            try validateNewName(name)
            try createDimensionOnlyScale(name, length: 0, unlimited: true, fileID: fileID)
        }
    }

    /// Creates the zero-filled float32 (big-endian, as netCDF-C) scale of a dimension without values.
    private func createDimensionOnlyScale(_ name: String, length: Int, unlimited: Bool, fileID: hid_t) throws {
        let site = site(name)
        let id = file.nextDimensionID
        let dataset = try createDataset(
            fileID: fileID, path: site.object, type: .float32, shape: [length], growable: unlimited,
            storage: unlimited ? ArchiveStorage(.chunked(chunkShape: [1024], deflateLevel: nil, shuffle: false)) : .contiguous,
            site: site, fileTypeOverride: H5.float32BigEndian)
        defer { _ = H5Dclose(dataset) }
        try makeDimensionScale(dataset, scaleName: NetCDFConventions.dimensionScaleName(length: length), dimensionID: id, site: site)
        recordDimension(DimensionRecord(name: name, id: id, length: length, isUnlimited: unlimited, scalePath: site.object))
    }

    func recordDimension(_ record: DimensionRecord) {
        file.nextDimensionID += 1
        dimensionOrder.append(record.name)
        dimensionRecords[record.name] = record
        usedNames.insert(record.name)
    }

    public func writeCoordinate(
        _ name: String, values: ArchiveValues, units: String, longName: String,
        attributes: KeyValuePairs<String, AttributeValue>
    ) throws {
        try file.perform { fileID in
            let site = site(name)
            try validateNewName(name)
            try validateUserAttributes(attributes, object: site.object, file: file.path)
            if values.containsNul { throw TensorArchiveError.embeddedNul(object: site.object, file: file.path) }
            let id = file.nextDimensionID
            let dataset = try createDataset(
                fileID: fileID, path: site.object, type: values.dataType, shape: [values.count], growable: false,
                storage: .contiguous, site: site)
            defer { _ = H5Dclose(dataset) }
            try writeWholeDataset(dataset, values: values, site: site)
            try makeDimensionScale(dataset, scaleName: name, dimensionID: id, site: site)
            try writeVariableAttributes(
                dataset, units: units, longName: longName, attributes: attributes, dimensionIDs: [id], site: site)
            recordDimension(DimensionRecord(name: name, id: id, length: values.count, isUnlimited: false, scalePath: site.object))
            variableNames.insert(name)
        }
    }

    public func writeVariable(
        _ name: String, dimensions: [String], values: ArchiveValues, units: String, longName: String,
        attributes: KeyValuePairs<String, AttributeValue>, storage: ArchiveStorage
    ) throws {
        try file.perform { fileID in
            let site = site(name)
            try validateNewName(name)
            let records = try resolveDimensions(dimensions, variable: name)
            if let unlimited = records.first(where: { $0.isUnlimited }) {
                throw TensorArchiveError.unsupported(
                    what: "dimension '\(unlimited.name)'", object: site.object, file: file.path,
                    reason: "it is unlimited; write such variables with makeAppendable")
            }
            if values.dataType == .string && dimensions.count != 1 {
                throw TensorArchiveError.unsupported(
                    what: "string variable", object: site.object, file: file.path,
                    reason: "string variables must have exactly one dimension, got \(dimensions.count)")
            }
            let shape = records.map(\.length)
            let expected = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
            guard expected == values.count else {
                throw TensorArchiveError.shapeMismatch(
                    variable: site.object, file: file.path, dimensions: dimensions, shape: shape,
                    expectedCount: expected, actualCount: values.count)
            }
            try validateUserAttributes(attributes, object: site.object, file: file.path)
            if values.containsNul { throw TensorArchiveError.embeddedNul(object: site.object, file: file.path) }
            let dataset = try createDataset(
                fileID: fileID, path: site.object, type: values.dataType, shape: shape, growable: false,
                storage: storage, site: site)
            defer { _ = H5Dclose(dataset) }
            let compressed = try compressedChunkLayout(shape: shape, type: values.dataType, storage: storage, site: site)
            try writeWholeDataset(dataset, values: values, site: site, shape: shape, compressed: compressed)
            try writeVariableAttributes(
                dataset, units: units, longName: longName, attributes: attributes,
                dimensionIDs: records.map(\.id), site: site)
            try attachScales(dataset, dimensions: records, fileID: fileID, site: site)
            usedNames.insert(name)
            variableNames.insert(name)
        }
    }

    public func group(_ name: String) throws -> ArchiveGroup {
        try file.perform { fileID in
            if let existing = subgroups[name] { return existing }
            try validateNewName(name)
            let site = site(name)
            let list = try site.check(H5Pcreate(H5.groupCreate), "create a group creation property list for")
            defer { _ = H5Pclose(list) }
            try site.check(H5Pset_link_creation_order(list, H5.creationOrderFlags), "track link creation order on")
            try site.check(H5Pset_attr_creation_order(list, H5.creationOrderFlags), "track attribute creation order on")
            try site.check(H5Pset_obj_track_times(list, false), "disable time tracking on")
            let group = try site.check(H5Gcreate2(fileID, site.object, H5.defaultPlist, list, H5.defaultPlist), "create group")
            _ = H5Gclose(group)
            let child = ArchiveGroup(file: file, groupPath: site.object)
            subgroups[name] = child
            usedNames.insert(name)
            return child
        }
    }

    /// Throws unless `name` is a valid, unused name in this group.
    func validateNewName(_ name: String) throws {
        let invalid = { (reason: String) in
            TensorArchiveError.invalidName(name: name, group: self.groupPath, file: self.file.path, reason: reason)
        }
        if name.isEmpty { throw invalid("names must not be empty") }
        if name.contains("/") { throw invalid("'/' separates groups; use group(_:) for nesting") }
        if name == "." || name == ".." { throw invalid("'.' and '..' are not valid names") }
        if name.utf8.contains(0) { throw invalid("names must not contain NUL") }
        if usedNames.contains(name) {
            throw TensorArchiveError.duplicateName(name: name, group: groupPath, file: file.path)
        }
    }

    /// The records of `names`, throwing `.unknownDimension` for a name not defined in this group.
    func resolveDimensions(_ names: [String], variable: String) throws -> [DimensionRecord] {
        try names.map { name in
            guard let record = dimensionRecords[name] else {
                throw TensorArchiveError.unknownDimension(
                    name: name, variable: variable, group: groupPath, file: file.path, known: dimensionOrder)
            }
            return record
        }
    }
}
