import Foundation
import GGUF
import Inference
import RoPE
import XCTest

/// The tiny numpy-reference models written with the GGUF writer as `llama` and `llada` files, loaded
/// back through `LlamaGGUFLoader`, must give the numpy logits: this checks the loader's metadata
/// mapping, tensor layout (ne reversed) and the architecture's default attention.
final class GGUFRoundTripReferenceTests: XCTestCase {
    private func gguf(_ fixture: ReferenceFixture, architecture: String) throws -> GGUFFile {
        let c = fixture.config
        var writer = try GGUFWriter()
        try writer.addMetadata("general.architecture", .string(architecture))
        for (key, value) in [("embedding_length", c.embeddingSize), ("block_count", c.layerCount),
                             ("feed_forward_length", c.ffnSize), ("attention.head_count", c.headCount),
                             ("attention.head_count_kv", c.kvHeadCount), ("attention.key_length", c.headDim),
                             ("context_length", c.trainedContextLength), ("rope.dimension_count", c.rotaryDim)] {
            try writer.addMetadata("\(architecture).\(key)", .uint32(UInt32(value)))
        }
        try writer.addMetadata("\(architecture).rope.freq_base", .float32(Float(c.ropeBase)))
        try writer.addMetadata("\(architecture).attention.layer_norm_rms_epsilon", .float32(Float(c.rmsNormEps)))
        if architecture == "llada" { try writer.addMetadata("llada.attention.causal", .bool(false)) }
        let config = try fixture.configuration(pairing: .adjacent)
        func add(_ name: String, _ shape: [Int]) throws {
            try writer.addTensor(name: name, dimensions: shape.reversed(), values: try fixture.tensor(name))
        }
        try add(LlamaGlobalTensor.tokenEmbedding.ggufName, LlamaGlobalTensor.tokenEmbedding.shape(config))
        for layer in 0..<c.layerCount {
            for tensor in LlamaLayerTensor.allCases { try add(tensor.ggufName(layer: layer), tensor.shape(config)) }
        }
        try add(LlamaGlobalTensor.outputNorm.ggufName, LlamaGlobalTensor.outputNorm.shape(config))
        if !c.tiedOutput { try add(LlamaGlobalTensor.output.ggufName, LlamaGlobalTensor.output.shape(config)) }
        return try GGUFFile(bytes: writer.serialized())
    }

    func testLlamaAndLladaFilesReproduceNumpy() throws {
        for name in ["tiny_llama_base", "tiny_llama_tied", "tiny_llama_partial_rotary"] {
            let fixture = try ReferenceFixture.load(name)
            for (architecture, mask) in [("llama", "causal"), ("llada", "bidirectional")] {
                let model = try LlamaGGUFLoader.model(try gguf(fixture, architecture: architecture))
                XCTAssertEqual(model.weights.configuration.defaultAttention.rawValue, mask, "\(name) \(architecture)")
                for testCase in fixture.cases where testCase.mask == mask && testCase.pairing == "adjacent" {
                    // No mask given: the architecture's default attention must be the one numpy used.
                    let result = try model.forward(
                        tokens: fixture.tokens, frequencies: try model.frequencies(RoPESpec.parse(testCase.rope)))
                    assertClose(result.logits, testCase.logits, absolute: 1e-4, relative: 1e-4,
                                "\(name) \(architecture) \(testCase.label)")
                }
            }
        }
    }

    func testLoaderErrorsNameTheProblem() throws {
        let fixture = try ReferenceFixture.load("tiny_llama_base")
        var writer = try GGUFWriter()
        try writer.addMetadata("general.architecture", .string("mamba"))
        XCTAssertThrowsError(try LlamaGGUFLoader.configuration(GGUFFile(bytes: writer.serialized()))) { error in
            XCTAssert("\(error)".contains("unsupported architecture 'mamba'"), "\(error)")
        }
        let file = try gguf(fixture, architecture: "llama")
        let truncated = try GGUFWriter()
        XCTAssertThrowsError(try LlamaGGUFLoader.configuration(GGUFFile(bytes: truncated.serialized()))) { error in
            XCTAssert("\(error)".contains("general.architecture"), "\(error)")
        }
        var missing = try GGUFWriter()
        for entry in file.metadata.entries { try missing.addMetadata(entry.key, entry.value) }
        XCTAssertThrowsError(try LlamaGGUFLoader.model(GGUFFile(bytes: missing.serialized()))) { error in
            XCTAssert("\(error)".contains("token_embd.weight"), "\(error)")
        }
    }
}
