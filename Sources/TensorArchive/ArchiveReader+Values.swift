import CHDF5

extension ArchiveReader {
    /// Reads a numeric variable as doubles (HDF5 converts the stored type), flattened row-major.
    public func readDoubles(_ object: String) throws -> [Double] {
        try readNumeric(object, memoryType: chdf5_T_NATIVE_DOUBLE(), as: Double.self)
    }

    /// Reads a numeric variable as floats (float64 values are rounded), flattened row-major.
    public func readFloats(_ object: String) throws -> [Float] {
        try readNumeric(object, memoryType: chdf5_T_NATIVE_FLOAT(), as: Float.self)
    }

    /// Reads an integer variable as 64-bit integers, flattened row-major.
    public func readInt64s(_ object: String) throws -> [Int64] {
        try readNumeric(object, memoryType: chdf5_T_NATIVE_INT64(), as: Int64.self)
    }

    /// Reads a string variable (variable- or fixed-length) as Swift strings.
    public func readStrings(_ object: String) throws -> [String] {
        let dataset = try openObject(object)
        defer { _ = H5Oclose(dataset) }
        let site = site(object)
        let fileType = try site.check(H5Dget_type(dataset), "get the datatype of")
        defer { _ = H5Tclose(fileType) }
        guard H5Tget_class(fileType) == H5T_STRING else {
            throw TensorArchiveError.typeMismatch(object: object, file: path, expected: "strings", found: describe(fileType))
        }
        let count = try elementCount(dataset, site: site)
        if count == 0 { return [] }
        if H5Tis_variable_str(fileType) > 0 {
            let memoryType = try makeUTF8StringType(site: site)
            defer { _ = H5Tclose(memoryType) }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            try site.check(H5Dread(dataset, memoryType, H5.all, H5.all, H5.defaultPlist, &pointers), "read the strings of")
            defer { pointers.forEach { H5free_memory($0) } }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let width = H5Tget_size(fileType)
        var bytes = [UInt8](repeating: 0, count: count * width)
        try site.check(H5Dread(dataset, fileType, H5.all, H5.all, H5.defaultPlist, &bytes), "read the strings of")
        return (0..<count).map { index in
            let slice = bytes[(index * width)..<((index + 1) * width)]
            return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// The user attributes of `object` in creation order (netCDF / dimension-scale bookkeeping
    /// such as `CLASS`, `NAME`, `_Netcdf4Dimid` is left out, as h5netcdf does).
    public func attributes(of object: String) throws -> [(name: String, value: AttributeValue)] {
        let id = try openObject(object)
        defer { _ = H5Oclose(id) }
        var names: [String] = []
        let status = withUnsafeMutablePointer(to: &names) { context in
            let collect: H5A_operator2_t = { _, name, _, data in
                guard let name, let data else { return -1 }
                data.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                return 0
            }
            var status = H5Aiterate2(id, H5_INDEX_CRT_ORDER, H5_ITER_INC, nil, collect, context)
            if status < 0 {
                context.pointee.removeAll()
                _ = H5Eclear2(H5.defaultErrorStack)
                status = H5Aiterate2(id, H5_INDEX_NAME, H5_ITER_INC, nil, collect, context)
            }
            return status
        }
        try site(object).check(status, "list the attributes of")
        return try names.filter { !NetCDFConventions.reservedAttributeNames.contains($0) }.map { name in
            (name, try attribute(name, of: object))
        }
    }

    /// Reads attribute `name` of `object` (any attribute, including `NAME` or `_Netcdf4Dimid`).
    ///
    /// Strings (variable- or fixed-length) give `.string`; integers of up to 4 bytes `.int32`,
    /// wider ones `.int64`; floats `.double`; a scalar dataspace gives a scalar case, a simple one
    /// an array case.
    public func attribute(_ name: String, of object: String) throws -> AttributeValue {
        let id = try openObject(object)
        defer { _ = H5Oclose(id) }
        let site = site("\(object)@\(name)")
        guard try site.check(H5Aexists(id, name), "look up attribute") > 0 else {
            throw TensorArchiveError.notFound(object: site.object, file: path)
        }
        let attribute = try site.check(H5Aopen(id, name, H5.defaultPlist), "open attribute")
        defer { _ = H5Aclose(attribute) }
        let fileType = try site.check(H5Aget_type(attribute), "get the datatype of")
        defer { _ = H5Tclose(fileType) }
        let space = try site.check(H5Aget_space(attribute), "get the dataspace of")
        defer { _ = H5Sclose(space) }
        let isScalar = H5Sget_simple_extent_type(space) == H5S_SCALAR
        let count = Int(try site.check(H5Sget_simple_extent_npoints(space), "count the elements of"))
        switch H5Tget_class(fileType) {
        case H5T_STRING where isScalar || count == 1:
            if H5Tis_variable_str(fileType) > 0 {
                let memoryType = try makeUTF8StringType(site: site)
                defer { _ = H5Tclose(memoryType) }
                var pointer: UnsafeMutablePointer<CChar>?
                try site.check(H5Aread(attribute, memoryType, &pointer), "read")
                defer { H5free_memory(pointer) }
                return .string(pointer.map { String(cString: $0) } ?? "")
            }
            var bytes = [UInt8](repeating: 0, count: H5Tget_size(fileType))
            try site.check(H5Aread(attribute, fileType, &bytes), "read")
            return .string(String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self))
        case H5T_INTEGER where H5Tget_size(fileType) <= 4:
            var values = [Int32](repeating: 0, count: count)
            try site.check(H5Aread(attribute, chdf5_T_NATIVE_INT32(), &values), "read")
            return isScalar ? .int32(values.first ?? 0) : .int32Array(values)
        case H5T_INTEGER:
            var values = [Int64](repeating: 0, count: count)
            try site.check(H5Aread(attribute, chdf5_T_NATIVE_INT64(), &values), "read")
            return isScalar ? .int64(values.first ?? 0) : .int64Array(values)
        case H5T_FLOAT:
            var values = [Double](repeating: 0, count: count)
            try site.check(H5Aread(attribute, chdf5_T_NATIVE_DOUBLE(), &values), "read")
            return isScalar ? .double(values.first ?? 0) : .doubleArray(values)
        default:
            throw TensorArchiveError.typeMismatch(
                object: site.object, file: path, expected: "a string, integer or float attribute", found: describe(fileType))
        }
    }

    /// The element type of the open dataset, or nil when it is not one the writer produces.
    func dataType(of dataset: hid_t, object: String) throws -> ArchiveDataType? {
        let type = try site(object).check(H5Dget_type(dataset), "get the datatype of")
        defer { _ = H5Tclose(type) }
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_FLOAT: return size == 4 ? .float32 : size == 8 ? .float64 : nil
        case H5T_INTEGER where H5Tget_sign(type) == H5T_SGN_2:
            return size == 1 ? .int8 : size == 4 ? .int32 : size == 8 ? .int64 : nil
        case H5T_STRING: return .string
        default: return nil
        }
    }

    private func readNumeric<T>(_ object: String, memoryType: hid_t, as: T.Type) throws -> [T] {
        let dataset = try openObject(object)
        defer { _ = H5Oclose(dataset) }
        let site = site(object)
        let fileType = try site.check(H5Dget_type(dataset), "get the datatype of")
        defer { _ = H5Tclose(fileType) }
        let typeClass = H5Tget_class(fileType)
        guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
            throw TensorArchiveError.typeMismatch(object: object, file: path, expected: "numbers", found: describe(fileType))
        }
        let count = try elementCount(dataset, site: site)
        if count == 0 { return [] }
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            try site.check(H5Dread(dataset, memoryType, H5.all, H5.all, H5.defaultPlist, buffer.baseAddress), "read the values of")
            initialized = count
        }
    }

    private func elementCount(_ dataset: hid_t, site: HDF5Site) throws -> Int {
        let space = try site.check(H5Dget_space(dataset), "get the dataspace of")
        defer { _ = H5Sclose(space) }
        return Int(try site.check(H5Sget_simple_extent_npoints(space), "count the elements of"))
    }

    /// A short description of an HDF5 datatype for error messages.
    private func describe(_ type: hid_t) -> String {
        switch H5Tget_class(type) {
        case H5T_STRING: return "a string"
        case H5T_INTEGER: return "a \(H5Tget_size(type) * 8)-bit integer"
        case H5T_FLOAT: return "a \(H5Tget_size(type) * 8)-bit float"
        case H5T_REFERENCE: return "a reference"
        case H5T_COMPOUND: return "a compound"
        default: return "an HDF5 type of class \(H5Tget_class(type).rawValue)"
        }
    }
}
