/// The value of an HDF5 attribute, restricted to the netCDF-4 types ropescope writes.
///
/// Strings are stored as variable-length UTF-8 (h5py, h5netcdf and netCDF-C all return `str`);
/// scalars use a scalar dataspace; arrays are 1-D. Literals pick the widest type:
/// `"text"` → `.string`, `3` → `.int64`, `0.5` → `.double`.
public enum AttributeValue: Equatable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral
{
    /// A variable-length UTF-8 string (no NUL characters).
    case string(String)
    /// A 32-bit signed integer scalar (little-endian in the file).
    case int32(Int32)
    /// A 64-bit signed integer scalar.
    case int64(Int64)
    /// An IEEE double scalar.
    case double(Double)
    /// A 1-D array of 32-bit signed integers.
    case int32Array([Int32])
    /// A 1-D array of 64-bit signed integers.
    case int64Array([Int64])
    /// A 1-D array of IEEE doubles.
    case doubleArray([Double])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int64(value) }
    public init(floatLiteral value: Double) { self = .double(value) }

    /// An `Int` stored as a 64-bit integer.
    public static func int(_ value: Int) -> AttributeValue { .int64(Int64(value)) }
    /// `[Int]` stored as a 1-D array of 64-bit integers.
    public static func intArray(_ values: [Int]) -> AttributeValue { .int64Array(values.map(Int64.init)) }

    /// The string, or nil for numeric values.
    public var stringValue: String? {
        if case let .string(text) = self { return text }
        return nil
    }

    /// Numeric values as doubles (scalars give one element), or nil for strings.
    public var doubleValues: [Double]? {
        switch self {
        case .string: return nil
        case let .int32(value): return [Double(value)]
        case let .int64(value): return [Double(value)]
        case let .double(value): return [value]
        case let .int32Array(values): return values.map(Double.init)
        case let .int64Array(values): return values.map(Double.init)
        case let .doubleArray(values): return values
        }
    }

    public var description: String {
        switch self {
        case let .string(text): return "\"\(text)\""
        case let .int32(value): return "\(value) (int32)"
        case let .int64(value): return "\(value) (int64)"
        case let .double(value): return "\(value)"
        case let .int32Array(values): return "\(values) (int32)"
        case let .int64Array(values): return "\(values) (int64)"
        case let .doubleArray(values): return "\(values)"
        }
    }
}
