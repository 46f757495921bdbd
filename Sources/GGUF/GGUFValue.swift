/// A typed GGUF metadata value: one case per `GGUFValueType`.
///
/// Arrays carry their declared element type, so an empty array keeps its type through a
/// write/read round trip, and may nest (`.array(elementType: .array, ...)`).
/// Equality compares floating-point payloads by bit pattern, so `NaN == NaN` and `0 != -0`:
/// two values are equal exactly when they encode to the same bytes.
public enum GGUFValue: Sendable, Equatable, CustomStringConvertible {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case float32(Float)
    case bool(Bool)
    case string(String)
    /// Elements all of type `elementType` (the reader guarantees it; the writer checks it).
    case array(elementType: GGUFValueType, elements: [GGUFValue])
    case uint64(UInt64)
    case int64(Int64)
    case float64(Double)

    /// The value type id this value is encoded with.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .float32: return .float32
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        case .uint64: return .uint64
        case .int64: return .int64
        case .float64: return .float64
        }
    }

    /// The type as error messages name it: `"uint32"`, or `"array<string>"` for arrays.
    public var typeDescription: String {
        if case .array(let elementType, _) = self { return "array<\(elementType)>" }
        return type.description
    }

    /// Any integer case (not `bool`) whose value fits in `Int`; otherwise `nil`.
    public var int: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(v)
        default: return nil
        }
    }

    /// `float32` (widened exactly) or `float64`; `nil` for every other case, integers included.
    public var double: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return nil
        }
    }

    /// The `bool` case's value; `nil` otherwise.
    public var bool: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    /// The `string` case's value; `nil` otherwise.
    public var string: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    /// The elements of an `array` of any element type; `nil` otherwise.
    public var array: [GGUFValue]? {
        if case .array(_, let elements) = self { return elements }
        return nil
    }

    /// The element type of an `array`; `nil` otherwise.
    public var arrayElementType: GGUFValueType? {
        if case .array(let elementType, _) = self { return elementType }
        return nil
    }

    /// An array of `string`: its strings in order; `nil` for any other value.
    public var stringArray: [String]? {
        guard case .array(.string, let elements) = self else { return nil }
        return elements.compactMap(\.string)
    }

    /// An array of an integer type whose elements all fit in `Int`; `nil` otherwise.
    public var intArray: [Int]? {
        guard case .array(let elementType, let elements) = self,
              elementType != .bool, elementType.fixedSize != nil,
              elementType != .float32, elementType != .float64 else { return nil }
        var out: [Int] = []
        out.reserveCapacity(elements.count)
        for element in elements {
            guard let v = element.int else { return nil }
            out.append(v)
        }
        return out
    }

    /// An array of `float32` or `float64` as `Double`s; `nil` otherwise.
    public var doubleArray: [Double]? {
        guard case .array(let elementType, let elements) = self,
              elementType == .float32 || elementType == .float64 else { return nil }
        return elements.compactMap(\.double)
    }

    /// A short rendering for logs: scalars as literals, strings quoted, arrays by type and count
    /// with their first elements.
    public var description: String {
        switch self {
        case .uint8(let v): return "\(v)"
        case .int8(let v): return "\(v)"
        case .uint16(let v): return "\(v)"
        case .int16(let v): return "\(v)"
        case .uint32(let v): return "\(v)"
        case .int32(let v): return "\(v)"
        case .float32(let v): return "\(v)"
        case .bool(let v): return "\(v)"
        case .string(let v): return v.debugDescription
        case .uint64(let v): return "\(v)"
        case .int64(let v): return "\(v)"
        case .float64(let v): return "\(v)"
        case .array(let elementType, let elements):
            let head = elements.prefix(4).map(\.description).joined(separator: ", ")
            let more = elements.count > 4 ? ", …" : ""
            return "array<\(elementType)>[\(elements.count)]: [\(head)\(more)]"
        }
    }

    /// Bit-exact equality (see the type's documentation).
    public static func == (lhs: GGUFValue, rhs: GGUFValue) -> Bool {
        switch (lhs, rhs) {
        case let (.uint8(a), .uint8(b)): return a == b
        case let (.int8(a), .int8(b)): return a == b
        case let (.uint16(a), .uint16(b)): return a == b
        case let (.int16(a), .int16(b)): return a == b
        case let (.uint32(a), .uint32(b)): return a == b
        case let (.int32(a), .int32(b)): return a == b
        case let (.float32(a), .float32(b)): return a.bitPattern == b.bitPattern
        case let (.bool(a), .bool(b)): return a == b
        case let (.string(a), .string(b)): return a.utf8.elementsEqual(b.utf8)
        case let (.array(ta, ea), .array(tb, eb)): return ta == tb && ea == eb
        case let (.uint64(a), .uint64(b)): return a == b
        case let (.int64(a), .int64(b)): return a == b
        case let (.float64(a), .float64(b)): return a.bitPattern == b.bitPattern
        default: return false
        }
    }
}
