import CHDF5

/// The element type of a variable as stored in the file (little-endian, netCDF-4 types only).
///
/// There is no bool or complex type: store masks as `.int8` (0/1) and complex numbers as separate
/// real and imaginary variables.
public enum ArchiveDataType: String, Sendable, CaseIterable, CustomStringConvertible {
    /// IEEE binary32 (netCDF `float`).
    case float32
    /// IEEE binary64 (netCDF `double`).
    case float64
    /// Signed 8-bit integer (netCDF `byte`), also used for 0/1 masks.
    case int8
    /// Signed 32-bit integer (netCDF `int`).
    case int32
    /// Signed 64-bit integer (netCDF `int64`).
    case int64
    /// Variable-length UTF-8 string (netCDF `string`), 1-D variables only.
    case string

    public var description: String { rawValue }

    /// Bytes per element in memory; for `.string` the size of one pointer.
    var elementByteCount: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .int8: return 1
        case .string: return MemoryLayout<UnsafePointer<CChar>?>.size
        }
    }

    /// The HDF5 file datatype (standard little-endian) for numeric types; nil for `.string`.
    var fileType: hid_t? {
        switch self {
        case .float32: return chdf5_T_IEEE_F32LE()
        case .float64: return chdf5_T_IEEE_F64LE()
        case .int8: return chdf5_T_STD_I8LE()
        case .int32: return chdf5_T_STD_I32LE()
        case .int64: return chdf5_T_STD_I64LE()
        case .string: return nil
        }
    }

    /// The HDF5 native memory datatype for numeric types; nil for `.string`.
    var memoryType: hid_t? {
        switch self {
        case .float32: return chdf5_T_NATIVE_FLOAT()
        case .float64: return chdf5_T_NATIVE_DOUBLE()
        case .int8: return chdf5_T_NATIVE_INT8()
        case .int32: return chdf5_T_NATIVE_INT32()
        case .int64: return chdf5_T_NATIVE_INT64()
        case .string: return nil
        }
    }
}

/// The flat values of a variable in row-major order (first dimension slowest, like numpy's C order).
///
/// For dimensions `[a, b, c]` element `(i, j, k)` is at index `(i * b + j) * c + k`.
public enum ArchiveValues: Sendable, Equatable {
    case float32([Float])
    case float64([Double])
    case int8([Int8])
    case int32([Int32])
    case int64([Int64])
    /// UTF-8 strings without NUL characters (1-D variables only).
    case strings([String])

    /// `[Int]` stored as 64-bit integers.
    public static func ints(_ values: [Int]) -> ArchiveValues { .int64(values.map(Int64.init)) }
    /// `[Bool]` stored as an int8 mask (true → 1, false → 0).
    public static func mask(_ values: [Bool]) -> ArchiveValues { .int8(values.map { $0 ? 1 : 0 }) }

    /// The element type these values are stored as.
    public var dataType: ArchiveDataType {
        switch self {
        case .float32: return .float32
        case .float64: return .float64
        case .int8: return .int8
        case .int32: return .int32
        case .int64: return .int64
        case .strings: return .string
        }
    }

    /// The number of elements.
    public var count: Int {
        switch self {
        case let .float32(values): return values.count
        case let .float64(values): return values.count
        case let .int8(values): return values.count
        case let .int32(values): return values.count
        case let .int64(values): return values.count
        case let .strings(values): return values.count
        }
    }

    /// Calls `body` with the raw bytes of numeric values; for `.strings` with an array of C-string
    /// pointers (the layout HDF5 expects for variable-length strings), valid only inside `body`.
    func withUnsafeElementBytes<R>(_ body: (UnsafeRawPointer?) throws -> R) rethrows -> R {
        switch self {
        case let .float32(values): return try values.withUnsafeBytes { try body($0.baseAddress) }
        case let .float64(values): return try values.withUnsafeBytes { try body($0.baseAddress) }
        case let .int8(values): return try values.withUnsafeBytes { try body($0.baseAddress) }
        case let .int32(values): return try values.withUnsafeBytes { try body($0.baseAddress) }
        case let .int64(values): return try values.withUnsafeBytes { try body($0.baseAddress) }
        case let .strings(values):
            return try withCStringArray(values) { pointers in
                try pointers.withUnsafeBytes { try body($0.baseAddress) }
            }
        }
    }

    /// True when some string contains a NUL character (HDF5 C strings would truncate it).
    var containsNul: Bool {
        guard case let .strings(values) = self else { return false }
        return values.contains { $0.utf8.contains(0) }
    }
}
