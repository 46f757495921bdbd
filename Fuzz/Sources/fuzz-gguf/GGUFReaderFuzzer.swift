import FuzzSupport
import GGUF
import Tokenizers

/// libFuzzer target for the GGUF reader on arbitrary bytes: a file either fails with a
/// `GGUFError` or parses, and then every metadata value renders, every tensor's bytes are in
/// the file, every dequantisable tensor (up to 2^20 elements) dequantises row by row, and a
/// tokenizer built from its metadata either fails with a `TokenizerError` or encodes and decodes.
@main
enum GGUFReaderFuzzer {
    static func main() {
        runFuzzer(seeds: seeds) { bytes in exercise(bytes) }
    }

    static func exercise(_ bytes: UnsafeBufferPointer<UInt8>) {
        let file: GGUFFile
        do {
            file = try GGUFFile(bytes: bytes)
        } catch is GGUFError {
            return
        } catch {
            fatalError("GGUFFile threw a non-GGUF error: \(error)")
        }
        for entry in file.metadata.entries { _ = entry.value.description }
        for tensor in file.tensors {
            do {
                let raw = try file.rawBytes(of: tensor)
                invariant(raw.count == tensor.byteSize, "tensor \(tensor.name): \(raw.count) bytes, \(tensor.byteSize) declared")
                guard tensor.type.isDequantizable, tensor.elementCount <= 1 << 20, tensor.rowCount > 0 else { continue }
                let rows = min(tensor.rowCount, 4)
                let values = try file.dequantizeRows(of: tensor, 0..<rows)
                invariant(values.count == rows * (tensor.elementCount / tensor.rowCount), "tensor \(tensor.name): row count")
            } catch is GGUFError {
                continue
            } catch {
                fatalError("tensor \(tensor.name): non-GGUF error \(error)")
            }
        }
        exerciseTokenizer(file)
    }

    static func exerciseTokenizer(_ file: GGUFFile) {
        let tokenizer: BPETokenizer
        do {
            tokenizer = try BPETokenizer(vocabulary: BPEVocabulary(gguf: file))
        } catch is TokenizerError {
            return
        } catch {
            fatalError("tokenizer from GGUF threw a non-tokenizer error: \(error)")
        }
        for text in ["Hello world 123", " \n\t x'S é 漢字 🙂"] {
            let ids = tokenizer.encode(text, addBOS: false)
            invariant(ids.allSatisfy { $0 >= 0 && Int($0) < tokenizer.vocabularySize }, "id out of range")
            do {
                _ = try tokenizer.decode(ids, renderSpecialTokens: true)
            } catch {
                fatalError("decode of encoded ids failed: \(error)")
            }
        }
    }

    /// Small valid files: every supported tensor type, a byte-level and a SentencePiece vocabulary.
    static func seeds() throws -> [[UInt8]] {
        var model = try GGUFWriter(alignment: 32)
        try model.addMetadata("general.architecture", .string("llama"))
        try model.addMetadata("llama.context_length", .uint32(64))
        try model.addMetadata("llama.rope.freq_base", .float32(10000))
        try model.addMetadata("tokenizer.ggml.model", .string("gpt2"))
        try model.addMetadata("tokenizer.ggml.pre", .string("llama-bpe"))
        let byteTokens = ByteLevelAlphabet.scalarForByte.map { String(Character($0)) }
        try model.addMetadata("tokenizer.ggml.tokens", .array(elementType: .string,
                                                              elements: (byteTokens + ["Ġt", "he"]).map { .string($0) }))
        try model.addMetadata("tokenizer.ggml.merges", .array(elementType: .string, elements: [.string("Ġ t"), .string("h e")]))
        try model.addMetadata("tokenizer.ggml.bos_token_id", .uint32(1))
        try model.addTensor(name: "f32", dimensions: [8, 2], values: (0..<16).map { Float($0) - 7.5 })
        try model.addTensor(name: "f16", dimensions: [8], values: (0..<8).map { Float($0) / 3 }, storedAs: .f16)
        for (type, count) in [(GGMLType.bf16, 8), (.q8_0, 32), (.q4_0, 32), (.q4_1, 32), (.q4_K, 256), (.q6_K, 256)] {
            let size = type.byteCount(forElementCount: count) ?? 0
            try model.addTensor(name: type.name, type: type, dimensions: [count],
                                rawBytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
        }
        var spm = try GGUFWriter()
        try spm.addMetadata("tokenizer.ggml.model", .string("llama"))
        let spmTokens = ["<unk>", "<s>", "</s>"] + (0..<256).map { "<0x" + String($0, radix: 16, uppercase: true)
            .leftPadded(to: 2) + ">" } + ["\u{2581}", "a", "\u{2581}a"]
        try spm.addMetadata("tokenizer.ggml.tokens", .array(elementType: .string, elements: spmTokens.map { .string($0) }))
        try spm.addMetadata("tokenizer.ggml.scores", .array(
            elementType: .float32, elements: spmTokens.indices.map { .float32(-Float($0)) }))
        try spm.addMetadata("tokenizer.ggml.token_type", .array(
            elementType: .int32, elements: spmTokens.indices.map { .int32($0 < 3 ? 3 : $0 < 259 ? 6 : 1) }))
        var header = try GGUFWriter()
        try header.addMetadata("general.name", .string("x"))
        return [model.serialized(), spm.serialized(), header.serialized()]
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
