import Foundation
import GGUF
import Inference
import XCTest

/// Files whose tensors or keys do not fit their architecture are refused by the loader with the
/// tensor or key named, before any weight is read; LLaDA-8B's metadata gives LLaDA-8B's
/// configuration and memory.
final class ArchitectureBadInputTests: XCTestCase {
    private func assertThrows(_ file: GGUFFile, _ fragments: [String], line: UInt = #line) {
        XCTAssertThrowsError(try LlamaGGUFLoader.model(file), line: line) { error in
            for fragment in fragments {
                XCTAssert("\(error)".contains(fragment), "'\(fragment)' not in \(error)", line: line)
            }
        }
    }

    func testBiasTensorsMustFitTheArchitecture() throws {
        let (_, qwen2) = try ArchitectureFixture.load("qwen2")
        assertThrows(try ArchitectureFixture.rewrite(qwen2, drop: ["blk.1.attn_v.bias"]), ["blk.1.attn_v.bias"])
        assertThrows(try ArchitectureFixture.rewrite(qwen2, replace: ["blk.0.attn_q.bias": ([8], Array(repeating: 0, count: 8))]),
                     ["blk.0.attn_q.bias", "[8]", "[16]"])
        assertThrows(try ArchitectureFixture.rewrite(qwen2, replace: ["blk.0.attn_k.bias": ([8, 1], Array(repeating: 0, count: 8))]),
                     ["blk.0.attn_k.bias"])
        let (_, llada) = try ArchitectureFixture.load("llada")
        assertThrows(try ArchitectureFixture.rewrite(llada, add: ["blk.0.attn_q.bias": ([16], Array(repeating: 0, count: 16))]),
                     ["blk.0.attn_q.bias"])
        // The same file relabelled qwen2 ↔ llama: a bias set is required / not used.
        let (_, llama) = try ArchitectureFixture.load("llama")
        var relabel: [String: GGUFValue?] = ["general.architecture": .string("qwen2")]
        for entry in llama.metadata.entries where entry.key.hasPrefix("llama.") {
            relabel[entry.key] = .some(nil)
            relabel["qwen2" + entry.key.dropFirst("llama".count)] = entry.value
        }
        assertThrows(try ArchitectureFixture.rewrite(llama, metadata: relabel), ["blk.0.attn_q.bias"])
    }

    func testWeightsRejectBiasesThatDoNotFit() throws {
        let (_, file) = try ArchitectureFixture.load("dream")
        let model = try LlamaGGUFLoader.model(file)
        let w = model.weights
        var layers = w.layers
        layers[1].queryKeyValueBias?.value.removeLast()
        XCTAssertThrowsError(try LlamaWeights(configuration: w.configuration, tokenEmbedding: w.tokenEmbedding, layers: layers,
                                              outputNorm: w.outputNorm, output: w.output)) { error in
            XCTAssert("\(error)".contains("blk.1.attn_v.bias"), "\(error)")
        }
        layers = w.layers
        layers[0].queryKeyValueBias = nil
        XCTAssertThrowsError(try LlamaWeights(configuration: w.configuration, tokenEmbedding: w.tokenEmbedding, layers: layers,
                                              outputNorm: w.outputNorm, output: w.output)) { error in
            XCTAssert("\(error)".contains("blk.0.attn_q.bias"), "\(error)")
        }
        layers = w.layers
        layers[0].queryKeyValueBias?.key[3] = .nan
        let poisoned = try LlamaWeights(configuration: w.configuration, tokenEmbedding: w.tokenEmbedding, layers: layers,
                                        outputNorm: w.outputNorm, output: w.output)
        XCTAssertThrowsError(try poisoned.checkFinite()) { error in
            XCTAssert("\(error)".contains("blk.0.attn_k.bias"), "\(error)")
        }
    }

    func testDiffusionArchitecturesAreBidirectionalWhateverTheyDeclare() throws {
        for name in ["llada", "dream"] {
            let (_, file) = try ArchitectureFixture.load(name)
            let key = "\(name).attention.causal"
            let removed: [String: GGUFValue?] = [key: nil]
            let absent = try LlamaGGUFLoader.configuration(ArchitectureFixture.rewrite(file, metadata: removed))
            XCTAssertEqual(absent.defaultAttention, .bidirectional, name)
            let declaredFalse = try LlamaGGUFLoader.configuration(ArchitectureFixture.rewrite(file, metadata: [key: .bool(false)]))
            XCTAssertEqual(declaredFalse.defaultAttention, .bidirectional, name)
            XCTAssertThrowsError(try LlamaGGUFLoader.configuration(ArchitectureFixture.rewrite(file, metadata: [key: .bool(true)]))) {
                XCTAssert("\($0)".contains(key), "\($0)")
            }
            XCTAssertThrowsError(try LlamaGGUFLoader.configuration(ArchitectureFixture.rewrite(file, metadata: [key: .uint8(0)]))) {
                XCTAssert("\($0)".contains(key), "\($0)")
            }
        }
        let (_, qwen2) = try ArchitectureFixture.load("qwen2")
        let bidirectional = try LlamaGGUFLoader.configuration(
            ArchitectureFixture.rewrite(qwen2, metadata: ["qwen2.attention.causal": .bool(false)]))
        XCTAssertEqual(bidirectional.defaultAttention, .bidirectional)
    }

    func testUnsupportedArchitectureListsTheAllowedOnes() throws {
        let (_, file) = try ArchitectureFixture.load("llama")
        XCTAssertThrowsError(try LlamaGGUFLoader.configuration(
            ArchitectureFixture.rewrite(file, metadata: ["general.architecture": .string("qwen3")]))) { error in
            XCTAssert("\(error)".contains("'qwen3'") && "\(error)".contains("llama, qwen2, llada, dream"), "\(error)")
        }
    }

    /// LLaDA-8B's config.json (GSAI-ML/LLaDA-8B-Base: d_model 4096, n_layers 32, n_heads 32,
    /// n_kv_heads 32, mlp_hidden_size 12288, vocab 126464, rope_theta 500000, max_sequence_length
    /// 4096, rms eps 1e-5) as llama.cpp's converter writes it: the loader needs no tensor data for
    /// the configuration, and the float32 estimate is 4 bytes per parameter (8.0156e9 parameters untied,
    /// counted here from the shapes: 2·V·d + d + 32·(2d + 4d² + 3·d·d_mlp)).
    func testLladaEightBillionMetadata() throws {
        var writer = try GGUFWriter()
        try writer.addMetadata("general.architecture", .string("llada"))
        for (key, value) in [("vocab_size", 126464), ("context_length", 4096), ("embedding_length", 4096), ("block_count", 32),
                             ("feed_forward_length", 12288), ("attention.head_count", 32), ("attention.head_count_kv", 32),
                             ("rope.dimension_count", 128)] {
            try writer.addMetadata("llada.\(key)", .uint32(UInt32(value)))
        }
        try writer.addMetadata("llada.rope.freq_base", .float32(500000))
        try writer.addMetadata("llada.attention.layer_norm_rms_epsilon", .float32(1e-5))
        try writer.addMetadata("llada.attention.causal", .bool(false))
        try writer.addMetadata("tokenizer.ggml.mask_token_id", .uint32(126336))
        let c = try LlamaGGUFLoader.configuration(GGUFFile(bytes: writer.serialized()))
        XCTAssertEqual([c.vocabularySize, c.embeddingSize, c.layerCount, c.headCount, c.keyValueHeadCount, c.headDimension,
                        c.feedForwardSize, c.rotaryDimension, c.trainedContextLength], [126464, 4096, 32, 32, 32, 128, 12288, 128, 4096])
        XCTAssertEqual(c.ropeBase, 500000)
        XCTAssertEqual(c.pairing, .adjacent)
        XCTAssertEqual(c.defaultAttention, .bidirectional)
        XCTAssertTrue(c.tiedOutput, "no output.weight in a metadata-only file")
        // LLaDA-8B's real file has an untied output.weight.
        let untied = try LlamaConfiguration(
            architecture: .llada, vocabularySize: c.vocabularySize, embeddingSize: c.embeddingSize, layerCount: c.layerCount,
            headCount: c.headCount, keyValueHeadCount: c.keyValueHeadCount, headDimension: c.headDimension,
            feedForwardSize: c.feedForwardSize, rmsNormEpsilon: c.rmsNormEpsilon, ropeBase: c.ropeBase,
            trainedContextLength: c.trainedContextLength, tiedOutput: false)
        let d = 4096, parameters = 2 * 126464 * d + d + 32 * (2 * d + 4 * d * d + 3 * d * 12288)
        XCTAssertEqual(parameters, 8_015_581_184)
        XCTAssertEqual(LlamaMemoryEstimate(configuration: c, contextLength: 1).weightBytes, 4 * (parameters - 126464 * d))
        let estimate = LlamaMemoryEstimate(configuration: untied, contextLength: 4096)
        XCTAssertEqual(estimate.weightBytes, 4 * parameters)
        XCTAssertEqual(estimate.keyValueCacheBytes, 4 * 2 * 32 * 4096 * 4096)
    }
}
