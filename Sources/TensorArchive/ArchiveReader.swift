import CHDF5
import Foundation

/// One variable as the reader sees it.
public struct ArchiveVariableInfo: Equatable, Sendable {
    /// Name within its group.
    public let name: String
    /// Full HDF5 path (`/g/name`).
    public let path: String
    /// Dimension names per axis, slowest first: the name of the attached scale dataset, or `""`
    /// for an axis without a scale (xarray would call it `phony_dim_*`).
    public let dimensions: [String]
    /// Current extent per axis.
    public let shape: [Int]
    /// True for axes that can grow (unlimited).
    public let growable: [Bool]
    /// The element type, or nil for a type this target does not write.
    public let dataType: ArchiveDataType?
    /// True when the variable is itself a dimension scale (a coordinate variable).
    public let isCoordinate: Bool
}

/// One netCDF dimension (a dimension scale dataset) of a group.
public struct ArchiveDimensionInfo: Equatable, Sendable {
    /// Dimension name (the scale dataset's name).
    public let name: String
    /// Current length.
    public let length: Int
    /// True for an unlimited dimension.
    public let isUnlimited: Bool
    /// `_Netcdf4Dimid`, or nil when absent.
    public let netCDFID: Int32?
    /// True when the scale holds coordinate values (false for "dimension without variable").
    public let hasCoordinateValues: Bool
}

/// Reads archives written by `ArchiveWriter` (and other netCDF-4 / HDF5 files) for tests and tools.
///
/// Object paths are absolute HDF5 paths (`/x`, `/g/blocks.3.attn.hook_pattern`). Not thread-safe.
public final class ArchiveReader {
    /// The file path given to `init`.
    public let path: String
    let fileID: hid_t

    /// Opens `path` read-only; throws `.cannotOpenFile` when it is missing or not HDF5.
    public init(path: String) throws {
        HDF5Errors.silence()
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw TensorArchiveError.cannotOpenFile(path: path, reason: "no such file")
        }
        let id = H5Fopen(path, H5.accessReadOnly, H5.defaultPlist)
        guard id >= 0 else {
            throw TensorArchiveError.cannotOpenFile(path: path, reason: HDF5Errors.currentDetail())
        }
        fileID = id
    }

    deinit { _ = H5Fclose(fileID) }

    func site(_ object: String) -> HDF5Site { HDF5Site(file: path, object: object) }

    /// Opens `object` (any type); the caller closes it with `H5Oclose`. Throws `.notFound`.
    func openObject(_ object: String) throws -> hid_t {
        HDF5Errors.silence()
        if object != "/" {
            let exists = H5LTpath_valid(fileID, object, true)
            guard exists > 0 else { throw TensorArchiveError.notFound(object: object, file: path) }
        }
        return try site(object).check(H5Oopen(fileID, object, H5.defaultPlist), "open")
    }

    /// Names of the links in `group`, in creation order when it is tracked, else by name.
    func childNames(of group: String) throws -> [String] {
        let groupID = try openObject(group)
        defer { _ = H5Oclose(groupID) }
        var names: [String] = []
        let status = withUnsafeMutablePointer(to: &names) { context in
            let collect: H5L_iterate_t = { _, name, _, data in
                guard let name, let data else { return -1 }
                data.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                return 0
            }
            var status = H5Literate(groupID, H5_INDEX_CRT_ORDER, H5_ITER_INC, nil, collect, context)
            if status < 0 {
                context.pointee.removeAll()
                _ = H5Eclear2(H5.defaultErrorStack)
                status = H5Literate(groupID, H5_INDEX_NAME, H5_ITER_INC, nil, collect, context)
            }
            return status
        }
        try site(group).check(status, "list the members of")
        return names
    }

    /// The HDF5 object type of `object` (`H5I_GROUP`, `H5I_DATASET`, ...).
    func objectType(_ object: String) throws -> H5I_type_t {
        let id = try openObject(object)
        defer { _ = H5Oclose(id) }
        return H5Iget_type(id)
    }

    /// Subgroup names of `group`, in creation order.
    public func groups(in group: String = "/") throws -> [String] {
        try childNames(of: group).filter { try objectType(hdf5Join(group, $0)) == H5I_GROUP }
    }

    /// Variables of `group` in creation order; dimension-only scales are not variables.
    public func variables(in group: String = "/") throws -> [ArchiveVariableInfo] {
        var result: [ArchiveVariableInfo] = []
        for name in try childNames(of: group) where try objectType(hdf5Join(group, name)) == H5I_DATASET {
            if try isDimensionOnly(hdf5Join(group, name)) { continue }
            result.append(try variable(hdf5Join(group, name)))
        }
        return result
    }

    /// Dimension scales of `group` in creation order (with and without coordinate values).
    public func dimensions(in group: String = "/") throws -> [ArchiveDimensionInfo] {
        var result: [ArchiveDimensionInfo] = []
        for name in try childNames(of: group) where try objectType(hdf5Join(group, name)) == H5I_DATASET {
            let object = hdf5Join(group, name)
            let dataset = try openObject(object)
            defer { _ = H5Oclose(dataset) }
            guard H5DSis_scale(dataset) > 0 else { continue }
            let (shape, growable) = try extent(of: dataset, object: object)
            let id: Int32?
            if case let .int32(value)? = try? attribute("_Netcdf4Dimid", of: object) { id = value } else { id = nil }
            result.append(ArchiveDimensionInfo(
                name: name, length: shape.first ?? 0, isUnlimited: growable.first ?? false, netCDFID: id,
                hasCoordinateValues: !(try isDimensionOnly(object))))
        }
        return result
    }

    /// Describes the variable at `object`.
    public func variable(_ object: String) throws -> ArchiveVariableInfo {
        let dataset = try openObject(object)
        defer { _ = H5Oclose(dataset) }
        guard H5Iget_type(dataset) == H5I_DATASET else {
            throw TensorArchiveError.typeMismatch(object: object, file: path, expected: "a dataset", found: "a group")
        }
        let (shape, growable) = try extent(of: dataset, object: object)
        let name = String(object.split(separator: "/").last ?? "")
        let isScale = H5DSis_scale(dataset) > 0
        let dimensions = isScale ? [name] : try (0..<shape.count).map { try scaleName(of: dataset, axis: $0, object: object) }
        return ArchiveVariableInfo(
            name: name, path: object, dimensions: dimensions, shape: shape, growable: growable,
            dataType: try dataType(of: dataset, object: object), isCoordinate: isScale)
    }

    /// True when `object` is a netCDF "dimension but not a variable" scale.
    func isDimensionOnly(_ object: String) throws -> Bool {
        guard case let .string(name)? = try? attribute("NAME", of: object) else { return false }
        return name.hasPrefix(NetCDFConventions.dimensionWithoutVariable)
    }

    /// Current and growable flags per axis of the open dataset.
    func extent(of dataset: hid_t, object: String) throws -> ([Int], [Bool]) {
        let space = try site(object).check(H5Dget_space(dataset), "get the dataspace of")
        defer { _ = H5Sclose(space) }
        let rank = Int(try site(object).check(H5Sget_simple_extent_ndims(space), "get the rank of"))
        var dims = [hsize_t](repeating: 0, count: rank)
        var maxDims = dims
        try site(object).check(H5Sget_simple_extent_dims(space, &dims, &maxDims), "get the extent of")
        return (dims.map { Int($0) }, maxDims.map { $0 == H5.unlimited })
    }

    /// The name (last path component) of the first scale attached to `axis`, or "" if none.
    private func scaleName(of dataset: hid_t, axis: Int, object: String) throws -> String {
        guard H5DSget_num_scales(dataset, UInt32(axis)) > 0 else { return "" }
        var scalePath = ""
        let status = withUnsafeMutablePointer(to: &scalePath) { context in
            H5DSiterate_scales(dataset, UInt32(axis), nil, { _, _, scale, data in
                let length = H5Iget_name(scale, nil, 0)
                guard length > 0, let data else { return -1 }
                var buffer = [CChar](repeating: 0, count: Int(length) + 1)
                _ = H5Iget_name(scale, &buffer, buffer.count)
                data.assumingMemoryBound(to: String.self).pointee =
                    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                return 1
            }, context)
        }
        try site(object).check(status, "iterate the scales of axis \(axis) of")
        return String(scalePath.split(separator: "/").last ?? "")
    }
}
