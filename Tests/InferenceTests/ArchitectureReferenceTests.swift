import Foundation
import GGUF
import Inference
import RoPE
import XCTest

/// gguf-py files of each architecture (llama with rope_freqs, qwen2, llada, dream) load through
/// `LlamaGGUFLoader` with the conventions llama.cpp gives them and reproduce an independent numpy
/// forward pass. Tolerance 1e-4 absolute + 1e-4 relative: weights are exact in float32, so the
/// difference is float32 rounding in sums of ≤ 24 products per dot and two blocks (about 1e-6
/// relative per dot), far below 1e-4, while a wrong pairing, bias or mask moves logits by O(0.1).
final class ArchitectureReferenceTests: XCTestCase {
    func testEveryArchitectureMatchesNumpy() throws {
        for name in ArchitectureFixture.names {
            let (fixture, file) = try ArchitectureFixture.load(name)
            let model = try LlamaGGUFLoader.model(file)
            let c = model.configuration
            XCTAssertEqual(c.architecture.rawValue, name)
            XCTAssertEqual(c.pairing.rawValue, fixture.pairing, name)
            XCTAssertEqual(c.defaultAttention, fixture.causal ? .causal : .bidirectional, name)
            XCTAssertEqual(model.weights.layers.allSatisfy { $0.queryKeyValueBias != nil }, name == "qwen2" || name == "dream")
            let frequencies = try model.frequencies(LlamaGGUFLoader.declaredScaling(file))
            let result = try model.forward(tokens: fixture.tokens, frequencies: frequencies)
            assertClose(result.logits, fixture.logits, absolute: 1e-4, relative: 1e-4, name)
        }
    }

    /// The same files through llama.cpp itself (llama-cpp-python 0.3.36, F32 KV cache:
    /// scripts/fixtures/llamacpp_arch_check.py, which also found llama.cpp within 4e-6 of numpy):
    /// the core's logits agree within the same 1e-4 tolerance.
    func testEveryArchitectureMatchesLlamaCpp() throws {
        let url = ArchitectureFixture.directory().appendingPathComponent("llamacpp_logits.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        for name in ArchitectureFixture.names {
            let expected = try XCTUnwrap(object?[name] as? [Double], name)
            let (fixture, file) = try ArchitectureFixture.load(name)
            let model = try LlamaGGUFLoader.model(file)
            let result = try model.forward(tokens: fixture.tokens, frequencies: try model.frequencies(LlamaGGUFLoader.declaredScaling(file)))
            assertClose(result.logits, expected, absolute: 1e-4, relative: 1e-4, "\(name) vs llama.cpp")
        }
    }

    /// The pairing must come from the architecture: the other pairing gives clearly different
    /// logits (so the reference test above can fail), for both NORM and NEOX architectures.
    func testOtherPairingChangesLogits() throws {
        for name in ArchitectureFixture.names {
            let (fixture, file) = try ArchitectureFixture.load(name)
            let model = try LlamaGGUFLoader.model(file)
            let c = model.configuration
            let swapped = try LlamaConfiguration(
                architecture: c.architecture, vocabularySize: c.vocabularySize, embeddingSize: c.embeddingSize,
                layerCount: c.layerCount, headCount: c.headCount, keyValueHeadCount: c.keyValueHeadCount,
                headDimension: c.headDimension, feedForwardSize: c.feedForwardSize, rmsNormEpsilon: c.rmsNormEpsilon,
                ropeBase: c.ropeBase, rotaryDimension: c.rotaryDimension, trainedContextLength: c.trainedContextLength,
                tiedOutput: c.tiedOutput, pairing: c.pairing == .adjacent ? .splitHalves : .adjacent)
            let w = model.weights
            let other = LlamaModel(weights: try LlamaWeights(
                configuration: swapped, tokenEmbedding: w.tokenEmbedding, layers: w.layers, outputNorm: w.outputNorm,
                output: w.output))
            let frequencies = try model.frequencies(LlamaGGUFLoader.declaredScaling(file))
            let logits = try other.forward(tokens: fixture.tokens, frequencies: frequencies).logits
            let worst = zip(logits, fixture.logits).map { abs(Double($0) - $1) }.max() ?? 0
            XCTAssertGreaterThan(worst, 1e-2, "\(name): the swapped pairing should not match numpy")
        }
    }

    /// LLaMA 3.x `rope_freqs.weight` is honoured: ignoring it gives different logits.
    func testRopeFreqsTensorIsHonoured() throws {
        let (fixture, file) = try ArchitectureFixture.load("llama")
        XCTAssertTrue(file.containsTensor(named: LlamaGGUFLoader.frequencyFactorsTensor))
        let model = try LlamaGGUFLoader.model(file)
        let plain = try model.forward(tokens: fixture.tokens, frequencies: try model.frequencies(.none)).logits
        let worst = zip(plain, fixture.logits).map { abs(Double($0) - $1) }.max() ?? 0
        XCTAssertGreaterThan(worst, 1e-2)
    }
}
