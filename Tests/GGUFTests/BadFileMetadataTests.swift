import XCTest
@testable import GGUF

/// One handcrafted file per key/value defect, each with a success control that differs only in
/// the defect.
final class BadFileMetadataTests: XCTestCase {
    /// Bytes of one encoded key/value pair.
    private func size(_ key: String, _ value: GGUFValue) -> Int {
        encodedKeyValue { $0.appendKeyValue(key, value) }.count
    }

    /// A metadata-only file (no tensors) whose pairs are `pairs`.
    private func metadataOnly(_ pairs: [(String, GGUFValue)]) -> TinyFile {
        var tiny = TinyFile()
        tiny.keyValues = pairs
        tiny.tensors = []
        return tiny
    }

    func testTruncatedKeyString() {
        let pairs: [(String, GGUFValue)] = [("general.name", .string("tiny")), ("general.architecture", .string("llama"))]
        let control = metadataOnly(pairs).bytes()
        let keyStart = TinyFile.keyValuesOffset + size("general.name", .string("tiny"))
        let cut = Array(control.prefix(keyStart + 8 + 5))   // length field + 5 of 20 key bytes
        checkDefectBytes("truncated key", mentions: ["key of key/value pair 1", "string length 20"],
                         control: control, defect: cut) {
            $0 == .stringLengthExceedsFile(context: "key of key/value pair 1", length: 20, remainingBytes: 5, offset: keyStart)
        }
    }

    func testTruncatedStringValue() {
        let control = metadataOnly([("general.name", .string("a tiny test model"))]).bytes()
        let valueStart = TinyFile.keyValuesOffset + 8 + 12 + 4
        let cut = Array(control.prefix(valueStart + 8 + 5))
        checkDefectBytes("truncated string value", mentions: ["'general.name'", "string length 17"],
                         control: control, defect: cut) {
            $0 == .stringLengthExceedsFile(context: "value of key 'general.name'", length: 17, remainingBytes: 5, offset: valueStart)
        }
    }

    func testTruncatedArray() {
        let scores = GGUFValue.array(elementType: .uint32, elements: (1...8).map { .uint32($0) })
        let control = metadataOnly([("general.name", .string("tiny")), ("tokenizer.scores", scores)]).bytes()
        let countOffset = TinyFile.keyValuesOffset + size("general.name", .string("tiny")) + 8 + 16 + 4 + 4
        let cut = Array(control.prefix(countOffset + 8 + 12))   // 3 of 8 elements
        checkDefectBytes("truncated array", mentions: ["'tokenizer.scores'", "count 8"], control: control, defect: cut) {
            $0 == .arrayCountExceedsFile(key: "tokenizer.scores", count: 8, elementType: .uint32, remainingBytes: 12, offset: countOffset)
        }
    }

    /// array<uint8> with a declared count of `count` and 4 elements present.
    private func byteArrayPair(count: UInt64) -> [UInt8] {
        encodedKeyValue { b in
            b.appendString("tokenizer.blob")
            b.append(GGUFValueType.array.rawValue)
            b.append(GGUFValueType.uint8.rawValue)
            b.append(count)
            b.append(contentsOf: [1, 2, 3, 4] as [UInt8])
        }
    }

    func testArrayCountLargerThanFile() {
        var tiny = TinyFile()
        tiny.rawKeyValueCount = 1
        tiny.rawKeyValues = byteArrayPair(count: 4)
        checkDefect("array count 2^40", mentions: ["'tokenizer.blob'", "count 1099511627776"], base: tiny,
                    defect: { $0.rawKeyValues = self.byteArrayPair(count: 1 << 40) }) {
            if case .arrayCountExceedsFile(key: "tokenizer.blob", count: 1 << 40, elementType: .uint8, _, _) = $0 { return true }
            return false
        }
    }

    /// A pair `x.unknown` with value type id `typeID` and a u32 payload.
    private func pair(typeID: UInt32) -> [UInt8] {
        encodedKeyValue { b in
            b.appendString("x.unknown")
            b.append(typeID)
            b.append(UInt32(7))
        }
    }

    func testUnknownValueType() {
        var tiny = TinyFile()
        tiny.rawKeyValueCount = 1
        tiny.rawKeyValues = pair(typeID: GGUFValueType.uint32.rawValue)
        checkDefect("value type 13", mentions: ["'x.unknown'", "type id 13"], base: tiny,
                    defect: { $0.rawKeyValues = self.pair(typeID: 13) }) {
            if case .unknownValueType(key: "x.unknown", typeID: 13, _) = $0 { return true }
            return false
        }
    }

    /// `x.list`: array with element type `elementTypeID`, one u32 element.
    private func arrayPair(elementTypeID: UInt32) -> [UInt8] {
        encodedKeyValue { b in
            b.appendString("x.list")
            b.append(GGUFValueType.array.rawValue)
            b.append(elementTypeID)
            b.append(UInt64(1))
            b.append(UInt32(7))
        }
    }

    func testUnknownArrayElementType() {
        var tiny = TinyFile()
        tiny.rawKeyValueCount = 1
        tiny.rawKeyValues = arrayPair(elementTypeID: GGUFValueType.uint32.rawValue)
        checkDefect("array element type 99", mentions: ["'x.list'", "type id 99"], base: tiny,
                    defect: { $0.rawKeyValues = self.arrayPair(elementTypeID: 99) }) {
            if case .unknownValueType(key: "x.list", typeID: 99, _) = $0 { return true }
            return false
        }
    }

    func testAlignmentOfWrongTypeString() {
        var tiny = TinyFile()
        tiny.keyValues.append(("general.alignment", .uint32(32)))
        checkDefect("alignment as string", mentions: ["general.alignment", "string", "uint32"], base: tiny,
                    defect: { $0.keyValues[1].1 = .string("32") }) { $0 == .invalidAlignmentType(found: "string") }
    }

    func testAlignmentOfWrongTypeUInt64() {
        var tiny = TinyFile()
        tiny.keyValues.append(("general.alignment", .uint32(32)))
        checkDefect("alignment as uint64", mentions: ["general.alignment", "uint64"], base: tiny,
                    defect: { $0.keyValues[1].1 = .uint64(32) }) { $0 == .invalidAlignmentType(found: "uint64") }
    }

    private var alignedTo64: TinyFile {
        var tiny = TinyFile()
        tiny.keyValues.append(("general.alignment", .uint32(64)))
        tiny.layoutAlignment = 64
        return tiny
    }

    func testAlignmentZero() {
        checkDefect("alignment 0", mentions: ["general.alignment", "is 0", "power of two"], base: alignedTo64,
                    defect: { $0.keyValues[1].1 = .uint32(0) }) { $0 == .invalidAlignment(value: 0) }
    }

    func testAlignmentNotPowerOfTwo() {
        checkDefect("alignment 48", mentions: ["general.alignment", "is 48"], base: alignedTo64,
                    defect: { $0.keyValues[1].1 = .uint32(48) }) { $0 == .invalidAlignment(value: 48) }
    }

    func testDuplicateKeys() {
        var tiny = TinyFile()
        tiny.keyValues = [("general.name", .string("tiny")), ("general.name2", .string("tiny2"))]
        let secondKey = TinyFile.keyValuesOffset + size("general.name", .string("tiny"))
        checkDefect("duplicate key", mentions: ["duplicate key 'general.name'"], base: tiny,
                    defect: { $0.keyValues[1].0 = "general.name" }) {
            $0 == .duplicateKey(key: "general.name", offset: secondKey)
        }
    }

    /// `x.flag`: bool with raw byte `byte`.
    private func boolPair(_ byte: UInt8) -> [UInt8] {
        encodedKeyValue { b in
            b.appendString("x.flag")
            b.append(GGUFValueType.bool.rawValue)
            b.append(byte)
        }
    }

    func testBoolByteOtherThanZeroOrOne() {
        var tiny = TinyFile()
        tiny.rawKeyValueCount = 1
        tiny.rawKeyValues = boolPair(1)
        checkDefect("bool byte 2", mentions: ["'x.flag'", "bool byte 2"], base: tiny,
                    defect: { $0.rawKeyValues = self.boolPair(2) }) {
            if case .invalidBool(key: "x.flag", byte: 2, _) = $0 { return true }
            return false
        }
    }

    /// Arrays nested `depth` deep around a single uint8.
    private func nested(_ depth: Int) -> GGUFValue {
        depth == 1 ? .array(elementType: .uint8, elements: [.uint8(1)])
            : .array(elementType: .array, elements: [nested(depth - 1)])
    }

    func testArrayNestingTooDeep() {
        var tiny = TinyFile()
        tiny.keyValues.append(("x.deep", nested(GGUFLimits.maximumArrayNesting)))
        checkDefect("nesting 17", mentions: ["'x.deep'", "nested 17 deep"], base: tiny,
                    defect: { $0.keyValues[1].1 = self.nested(GGUFLimits.maximumArrayNesting + 1) }) {
            if case .arrayNestingTooDeep(key: "x.deep", depth: 17, maximum: 16, _) = $0 { return true }
            return false
        }
    }

    /// A uint32 pair whose 3-byte key is `keyBytes` (possibly invalid UTF-8).
    private func rawKeyPair(_ keyBytes: [UInt8]) -> [UInt8] {
        encodedKeyValue { b in
            b.appendString(declaredLength: UInt64(keyBytes.count), bytes: keyBytes)
            b.append(GGUFValueType.uint32.rawValue)
            b.append(UInt32(1))
        }
    }

    func testInvalidUTF8Key() {
        var tiny = TinyFile()
        tiny.rawKeyValueCount = 1
        tiny.rawKeyValues = rawKeyPair([0x67, 0x67, 0x68])
        checkDefect("invalid UTF-8 key", mentions: ["key of key/value pair 1", "UTF-8"], base: tiny,
                    defect: { $0.rawKeyValues = self.rawKeyPair([0x67, 0xFF, 0x68]) }) {
            if case .invalidUTF8(context: "key of key/value pair 1", _) = $0 { return true }
            return false
        }
    }

    /// array<uint8> `x.blob` of `count` elements, all present.
    private func blob(_ count: Int) -> TinyFile {
        var tiny = TinyFile()
        tiny.rawKeyValueCount = 1
        tiny.rawKeyValues = encodedKeyValue { b in
            b.appendString("x.blob")
            b.append(GGUFValueType.array.rawValue)
            b.append(GGUFValueType.uint8.rawValue)
            b.append(UInt64(count))
            b.appendZeros(count)
        }
        return tiny
    }

    func testMetadataArraysBeyondTheElementBudget() {
        // The bytes are all there (17 MB), but 2^24 + 1 elements would cost ~400 MB as GGUFValues.
        let over = GGUFLimits.maximumMetadataArrayElements + 1
        checkDefectBytes("2^24 + 1 array elements", mentions: ["'x.blob'", "\(over) elements"],
                         control: blob(4096).bytes(), defect: blob(over).bytes()) {
            $0 == .metadataTooLarge(key: "x.blob", arrayElements: over, maximum: GGUFLimits.maximumMetadataArrayElements)
        }
    }
}
