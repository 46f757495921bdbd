import Foundation
import GGUF

/// Variants of `TinyModel.gguf()` for bad-file tests: the same file with metadata keys replaced,
/// added or removed and tensors added or removed. Test support, not part of the toolkit.
extension TinyModel {
    /// `TinyModel.gguf()` rewritten: `metadata` sets (value) or removes (nil) keys, keeping file
    /// order for existing keys and appending new ones; `dropTensors` removes tensors by name;
    /// `extraTensors` appends f32 tensors (name, dimensions ne0 first, values).
    public static func variant(metadata overrides: [String: GGUFValue?] = [:], dropTensors: Set<String> = [],
                               extraTensors: [(name: String, dimensions: [Int], values: [Float])] = [],
                               addBOS: Bool = false) throws -> [UInt8] {
        let base = try GGUFFile(bytes: gguf(addBOS: addBOS))
        var writer = try GGUFWriter()
        var remaining = overrides
        for entry in base.metadata.entries {
            if let override = remaining.removeValue(forKey: entry.key) {
                if let value = override { try writer.addMetadata(entry.key, value) }
            } else {
                try writer.addMetadata(entry.key, entry.value)
            }
        }
        for (key, value) in remaining.sorted(by: { $0.key < $1.key }) {
            if let value { try writer.addMetadata(key, value) }
        }
        for tensor in base.tensors where !dropTensors.contains(tensor.name) {
            try writer.addTensor(name: tensor.name, dimensions: tensor.dimensions, values: try base.dequantize(tensor))
        }
        for tensor in extraTensors {
            try writer.addTensor(name: tensor.name, dimensions: tensor.dimensions, values: tensor.values)
        }
        return writer.serialized()
    }

    /// The `blk.{layer}.*` tensors of `TinyModel` as extra tensors (random values), for files that
    /// hold more blocks than their `block_count`.
    public static func blockTensors(layer: Int) -> [(name: String, dimensions: [Int], values: [Float])] {
        let q = heads * headDimension, kv = keyValueHeads * headDimension
        let shapes: [(String, [Int])] = [
            ("attn_norm", [embedding]), ("attn_q", [q, embedding]), ("attn_k", [kv, embedding]), ("attn_v", [kv, embedding]),
            ("attn_output", [embedding, q]), ("ffn_norm", [embedding]), ("ffn_gate", [feedForward, embedding]),
            ("ffn_up", [feedForward, embedding]), ("ffn_down", [embedding, feedForward]),
        ]
        var seed = UInt64(1000 + layer)
        return shapes.map { name, rowMajor in
            ("blk.\(layer).\(name).weight", Array(rowMajor.reversed()), values(rowMajor.reduce(1, *), seed: &seed))
        }
    }
}
