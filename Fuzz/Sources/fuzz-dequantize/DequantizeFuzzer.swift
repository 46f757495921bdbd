import FuzzSupport
import GGUF

/// libFuzzer target for the dequantisers on hostile tensor data. Input: byte 0 picks the type
/// (any `GGMLType`, supported or not), byte 1 bit 0 asks for a size mismatch, the rest is the
/// tensor's bytes. Checks: an unsupported type or a size that is not whole blocks throws a
/// `GGUFError`; otherwise one float per element comes back, F32 bit for bit, and the same data
/// read through a GGUF file (`dequantizeRows`) gives the same bits.
@main
enum DequantizeFuzzer {
    static func main() {
        runFuzzer(seeds: seeds) { bytes in exercise(bytes) }
    }

    static func exercise(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count >= 2 else { return }
        let types = GGMLType.allCases
        let type = types[Int(bytes[0]) % types.count]
        let mismatch = bytes[1] & 1 == 1
        let data = UnsafeBufferPointer(rebasing: bytes[2...])
        let blocks = data.count / type.typeSize
        let elementCount = blocks * type.blockSize + (mismatch ? 1 : 0)
        let values: [Float]
        do {
            values = try GGMLDequantizer.dequantize(
                type, bytes: UnsafeBufferPointer(rebasing: data[..<(blocks * type.typeSize)]), elementCount: elementCount)
        } catch is GGUFError {
            invariant(mismatch || !type.isDequantizable, "\(type) with \(blocks) whole blocks was refused")
            return
        } catch {
            fatalError("non-GGUF error \(error)")
        }
        invariant(!mismatch && type.isDequantizable, "\(type): mismatched size or unsupported type accepted")
        invariant(values.count == elementCount, "\(type): \(values.count) values for \(elementCount) elements")
        if type == .f32 {
            for (index, value) in values.enumerated() {
                var bits: UInt32 = 0
                for byte in 0..<4 { bits |= UInt32(data[index * 4 + byte]) << (8 * byte) }
                invariant(value.bitPattern == bits, "f32 element \(index) changed")
            }
        }
        guard blocks > 0 else { return }
        do {
            var writer = try GGUFWriter()
            try writer.addTensor(name: "t", type: type, dimensions: [type.blockSize, blocks],
                                 rawBytes: UnsafeBufferPointer(rebasing: data[..<(blocks * type.typeSize)]))
            let file = try GGUFFile(bytes: writer.serialized())
            let tensor = try file.tensor(named: "t")
            let last = try file.dequantizeRows(of: tensor, (blocks - 1)..<blocks)
            let expected = values[((blocks - 1) * type.blockSize)...]
            invariant(last.count == expected.count && zip(last, expected).allSatisfy { $0.bitPattern == $1.bitPattern },
                      "\(type): dequantizeRows differs from the buffer dequantiser")
        } catch {
            fatalError("\(type): a whole-block tensor failed through a GGUF file: \(error)")
        }
    }

    /// One block of each supported type with varied bytes (scales include NaN and infinity).
    static func seeds() throws -> [[UInt8]] {
        GGMLDequantizer.supportedTypes.flatMap { type -> [[UInt8]] in
            let index = UInt8(GGMLType.allCases.firstIndex(of: type) ?? 0)
            let block = (0..<type.typeSize).map { UInt8(truncatingIfNeeded: $0 &* 73 &+ 5) }
            let special = (0..<type.typeSize * 2).map { $0 % 2 == 0 ? UInt8(0x00) : UInt8(0x7C) }  // f16 inf/NaN halves
            return [[index, 0] + block, [index, 0] + special]
        }
    }
}
