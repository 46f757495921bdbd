import Foundation
import GGUF
import Inference

/// One architecture fixture written by scripts/fixtures/gguf_arch_reference.py: a tiny gguf-py
/// GGUF file and the numpy forward pass of it.
struct ArchitectureFixture: Decodable {
    let architecture: String
    let pairing: String
    let causal: Bool
    let tokens: [Int32]
    let logits: [Double]

    /// The four architectures the generator writes.
    static let names = ["llama", "qwen2", "llada", "dream"]

    static func directory() -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/archs")
    }

    static func load(_ architecture: String) throws -> (fixture: ArchitectureFixture, file: GGUFFile) {
        let base = directory().appendingPathComponent("tiny_\(architecture)")
        let fixture = try JSONDecoder().decode(
            ArchitectureFixture.self, from: Data(contentsOf: base.appendingPathExtension("json")))
        return (fixture, try GGUFFile(url: base.appendingPathExtension("gguf")))
    }

    /// `file` written again with `metadata` entries replaced (nil value: removed), tensors in
    /// `drop` left out and tensors in `replace` given new dimensions and values (F32).
    static func rewrite(_ file: GGUFFile, metadata overrides: [String: GGUFValue?] = [:], drop: Set<String> = [],
                        replace: [String: (dimensions: [Int], values: [Float])] = [:],
                        add: [String: (dimensions: [Int], values: [Float])] = [:]) throws -> GGUFFile {
        var writer = try GGUFWriter()
        for entry in file.metadata.entries where entry.key != "general.alignment" {
            if let override = overrides[entry.key] {
                if let value = override { try writer.addMetadata(entry.key, value) }
            } else {
                try writer.addMetadata(entry.key, entry.value)
            }
        }
        for (key, value) in overrides where file.metadata[key] == nil {
            if let value { try writer.addMetadata(key, value) }
        }
        for info in file.tensors where !drop.contains(info.name) {
            if let new = replace[info.name] {
                try writer.addTensor(name: info.name, dimensions: new.dimensions, values: new.values)
            } else {
                try writer.addTensor(name: info.name, dimensions: info.dimensions, values: try file.dequantize(info))
            }
        }
        for (name, new) in add.sorted(by: { $0.key < $1.key }) {
            try writer.addTensor(name: name, dimensions: new.dimensions, values: new.values)
        }
        return try GGUFFile(bytes: writer.serialized())
    }
}
