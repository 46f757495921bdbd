/// One metadata key/value pair, in file order.
public struct GGUFMetadataEntry: Sendable, Equatable {
    /// The key, e.g. `"general.architecture"` (UTF-8, compared byte for byte).
    public let key: String
    /// The typed value.
    public let value: GGUFValue

    /// Makes an entry (the writer checks keys; the reader rejects duplicates).
    public init(key: String, value: GGUFValue) {
        self.key = key
        self.value = value
    }
}

/// The metadata of a GGUF file: the entries in file order, with lookup by key and typed
/// accessors that throw `GGUFError.missingKey` / `.typeMismatch` / `.valueOutOfRange` naming
/// the key, the type found and the type expected.
public struct GGUFMetadata: Sendable, RandomAccessCollection {
    /// The entries in file order.
    public let entries: [GGUFMetadataEntry]
    private let indexByKey: [GGUFByteKey: Int]

    /// Builds the lookup table; throws `GGUFError.duplicateKey` (offset -1) for a repeated key.
    public init(entries: [GGUFMetadataEntry]) throws {
        var index: [GGUFByteKey: Int] = [:]
        index.reserveCapacity(entries.count)
        for (i, entry) in entries.enumerated() {
            guard index.updateValue(i, forKey: GGUFByteKey(entry.key)) == nil else {
                throw GGUFError.duplicateKey(key: entry.key, offset: -1)
            }
        }
        self.entries = entries
        self.indexByKey = index
    }

    /// 0.
    public var startIndex: Int { entries.startIndex }
    /// The number of entries.
    public var endIndex: Int { entries.endIndex }
    /// The entry at `position` in file order.
    public subscript(position: Int) -> GGUFMetadataEntry { entries[position] }

    /// The value stored under `key` (byte-exact match), or nil.
    public subscript(key: String) -> GGUFValue? { value(forKey: key) }

    /// The value stored under `key` (byte-exact match), or nil.
    public func value(forKey key: String) -> GGUFValue? {
        indexByKey[GGUFByteKey(key)].map { entries[$0].value }
    }

    /// The keys in file order.
    public var keys: [String] { entries.map(\.key) }

    /// The value under `key`; throws `missingKey` when absent.
    public func requiredValue(forKey key: String) throws -> GGUFValue {
        guard let value = value(forKey: key) else { throw GGUFError.missingKey(key: key) }
        return value
    }

    /// A `string` value.
    public func string(forKey key: String) throws -> String {
        try typed(key, expected: "string") { $0.string }
    }

    /// A `bool` value.
    public func bool(forKey key: String) throws -> Bool {
        try typed(key, expected: "bool") { $0.bool }
    }

    /// Any integer type (uint8 … int64, not bool) as `Int`; a uint64 above `Int.max` throws
    /// `valueOutOfRange`.
    public func int(forKey key: String) throws -> Int {
        let value = try requiredValue(forKey: key)
        if let v = value.int { return v }
        if case .uint64 = value {
            throw GGUFError.valueOutOfRange(key: key, value: value.description, expected: "at most \(Int.max)")
        }
        throw GGUFError.typeMismatch(key: key, found: value.typeDescription, expected: "an integer type")
    }

    /// A `float32` (widened exactly) or `float64` value. Integers are not converted.
    public func double(forKey key: String) throws -> Double {
        try typed(key, expected: "float32 or float64") { $0.double }
    }

    /// An array of any element type.
    public func array(forKey key: String) throws -> [GGUFValue] {
        try typed(key, expected: "array") { $0.array }
    }

    /// An `array<string>`.
    public func stringArray(forKey key: String) throws -> [String] {
        try typed(key, expected: "array<string>") { $0.stringArray }
    }

    /// An array of an integer type whose elements all fit in `Int`.
    public func intArray(forKey key: String) throws -> [Int] {
        try typed(key, expected: "array of an integer type (elements fitting Int)") { $0.intArray }
    }

    /// An `array<float32>` or `array<float64>` as `Double`s.
    public func doubleArray(forKey key: String) throws -> [Double] {
        try typed(key, expected: "array<float32> or array<float64>") { $0.doubleArray }
    }

    private func typed<T>(_ key: String, expected: String, _ extract: (GGUFValue) -> T?) throws -> T {
        let value = try requiredValue(forKey: key)
        guard let result = extract(value) else {
            throw GGUFError.typeMismatch(key: key, found: value.typeDescription, expected: expected)
        }
        return result
    }
}
