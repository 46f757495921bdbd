@testable import GGUF

/// A tensor info as written into a handcrafted file: raw ids and dims so that any defect can
/// be expressed. `offset` nil means "the correct running offset".
struct RawTensorSpec {
    var name: String
    var dimensions: [UInt64]
    var typeID: UInt32 = GGMLType.f32.rawValue
    var offset: UInt64? = nil

    /// Bytes of data this tensor needs (32 for an unknown type or an overflowing size, which
    /// the reader rejects before looking at the data).
    var byteSize: Int {
        guard let type = GGMLType(rawValue: typeID) else { return 32 }
        var count = 1
        for d in dimensions {
            guard let di = Int(exactly: d) else { return 32 }
            let (p, o) = count.multipliedReportingOverflow(by: di)
            guard !o else { return 32 }
            count = p
        }
        return min(type.byteCount(forElementCount: count - count % type.blockSize) ?? 32, 1 << 20)
    }
}

/// A small handcrafted GGUF file with knobs for every defect of the bad-file suite. The
/// default (`TinyFile().bytes()`) is valid: version 3, one key `general.name`, one F32 tensor
/// `w` of dims [32, 2], alignment 32, data filled with a byte pattern.
struct TinyFile {
    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    var tensorCount: UInt64? = nil                 // nil: tensors.count
    var keyValueCount: UInt64? = nil               // nil: keyValues.count + rawKeyValueCount
    var keyValues: [(String, GGUFValue)] = [("general.name", .string("tiny"))]
    /// Extra pre-encoded pairs appended after `keyValues` (for malformed encodings).
    var rawKeyValues: [UInt8] = []
    var rawKeyValueCount = 0
    var tensors: [RawTensorSpec] = [RawTensorSpec(name: "w", dimensions: [32, 2])]
    /// Alignment used to lay out the data section (the key, if any, is in `keyValues`).
    var layoutAlignment = 32
    /// Bytes added to (or, if negative, cut from) the end of the data section.
    var dataSlack = 0
    /// Extra data-section bytes after each tensor (to make room for offsets with gaps).
    var extraDataBytes = 0

    /// The file's bytes.
    func bytes() -> [UInt8] {
        var b = GGUFByteBuilder()
        b.append(contentsOf: magic)
        b.append(version)
        b.append(tensorCount ?? UInt64(tensors.count))
        b.append(keyValueCount ?? UInt64(keyValues.count + rawKeyValueCount))
        for (key, value) in keyValues { b.appendKeyValue(key, value) }
        b.append(contentsOf: rawKeyValues)
        var running = 0
        for tensor in tensors {
            b.appendTensorInfo(name: tensor.name, dimensions: tensor.dimensions, typeID: tensor.typeID,
                               offset: tensor.offset ?? UInt64(running))
            running += padded(tensor.byteSize)
        }
        b.pad(toMultipleOf: layoutAlignment)
        for tensor in tensors {
            for i in 0..<tensor.byteSize { b.append(UInt8(truncatingIfNeeded: i &* 7 &+ 1)) }
            b.pad(toMultipleOf: layoutAlignment)
            b.appendZeros(extraDataBytes)
        }
        if dataSlack >= 0 { b.appendZeros(dataSlack) } else { b.truncate(to: b.count + dataSlack) }
        return b.bytes
    }

    /// Byte offset where the key/value pairs start (right after the 24-byte header).
    static let keyValuesOffset = 24

    private func padded(_ n: Int) -> Int { (n + layoutAlignment - 1) / layoutAlignment * layoutAlignment }
}

/// Encodes one key/value pair with the builder (for `rawKeyValues`).
func encodedKeyValue(_ build: (inout GGUFByteBuilder) -> Void) -> [UInt8] {
    var b = GGUFByteBuilder()
    build(&b)
    return b.bytes
}
