import Foundation
import GGUF
import Inference
import Probes
import RoPE
import RoPEScopeTestSupport
import XCTest

/// The shared probe context (spec defaults from the GGUF), SHA-256, scored spans and the
/// non-finite checks of the scoring protocol.
final class ProbeContextTests: XCTestCase {
    /// FIPS 180-4 example digests, and streaming in uneven pieces equals one call.
    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let twoBlocks = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        XCTAssertEqual(SHA256.hex(twoBlocks), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        XCTAssertEqual(SHA256.hex(million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        var streamed = SHA256()
        var start = 0, step = 1
        while start < million.count {
            streamed.update(million[start..<min(million.count, start + step)])
            start += step
            step = step * 3 + 1
        }
        XCTAssertEqual(streamed.finalize(), SHA256.hex(million))
    }

    private func context() throws -> ProbeContext {
        try ProbeContext(file: try GGUFFile(bytes: try TinyModel.gguf()), path: "tiny.gguf")
    }

    /// `yarn:factor=4`, `critical-ntk` and `diffusion-ntk` take T_train from the GGUF
    /// (`llama.context_length` = 64) and the target from the window length.
    func testSpecDefaultsComeFromTheGGUF() throws {
        let context = try context()
        XCTAssertEqual(context.trainedContextLength, 64)
        XCTAssertEqual(context.declaredScaling, .none)
        XCTAssertEqual(try context.scaling(nil, targetLength: 256), .none)
        let yarn = try context.scaling("yarn:factor=4", targetLength: 256)
        XCTAssert(yarn.canonicalSpec.contains("original-context=64"), yarn.canonicalSpec)
        for method in ["critical-ntk", "diffusion-ntk"] {
            let spec = try context.scaling(method, targetLength: 256).canonicalSpec
            XCTAssert(spec.contains("train-length=64") && spec.contains("target-length=256"), spec)
        }
        XCTAssertThrowsError(try context.scaling("yarn:fator=4", targetLength: 256)) { XCTAssert($0 is RoPEError) }
        XCTAssertEqual(context.attention(nil), .causal)
        XCTAssertEqual(context.attention(.bidirectional), .bidirectional)
    }

    func testScoredSpans() throws {
        XCTAssertEqual(ScoredTargets(rawValue: "last:3"), .last(3))
        XCTAssertNil(ScoredTargets(rawValue: "last:0"))
        XCTAssertNil(ScoredTargets(rawValue: "first:2"))
        XCTAssertEqual(ScoredTargets.last(3).targetPositions(contextLength: 8), 5..<8)
        XCTAssertEqual(ScoredTargets.last(7).targetPositions(contextLength: 8), 1..<8)
        XCTAssert(ScoredTargets.last(8).targetPositions(contextLength: 8).isEmpty)
        XCTAssert(ScoredTargets.secondHalf.targetPositions(contextLength: 2).isEmpty)
        XCTAssertEqual(ScoredTargets.secondHalf.targetPositions(contextLength: 3), 2..<3)
        XCTAssertThrowsError(try ScoringProtocol(contextLength: 2, scoredTargets: .secondHalf)) { error in
            guard case .nothingToScore = error as? ProbeError else { return XCTFail("\(error)") }
            XCTAssert("\(error)".contains("--context-length >= 3"), "\(error)")
        }
        XCTAssertThrowsError(try ScoringProtocol(contextLength: 8, scoredTargets: .last(8)))
    }

    /// Finite weights whose activations overflow: the error names the window, the position and
    /// the first hook whose activations are not finite (the MLP, fed by a 1e30 ffn_norm gain).
    func testNonFiniteNLLNamesWindowAndHook() throws {
        let (_, tokenizer, model) = try TinyModel.load()
        let w = model.weights
        let layers = w.layers.map { layer in
            LlamaLayerWeights(attentionNorm: layer.attentionNorm, query: layer.query, key: layer.key, value: layer.value,
                              attentionOutput: layer.attentionOutput, feedForwardNorm: layer.feedForwardNorm.map { $0 * 1e30 },
                              gate: layer.gate, up: layer.up, down: layer.down)
        }
        let overflowing = LlamaModel(weights: try LlamaWeights(configuration: w.configuration, tokenEmbedding: w.tokenEmbedding,
                                                               layers: layers, outputNorm: w.outputNorm, output: w.output))
        XCTAssertNoThrow(try overflowing.weights.checkFinite())
        let probe = PerplexityProbe(model: overflowing, frequencies: try overflowing.frequencies(.none),
                                    scoring: try ScoringProtocol(contextLength: 16))
        XCTAssertThrowsError(try probe.run(tokens: tokenizer.encode(String(repeating: "abcdefgh ", count: 4)), bos: nil)) { error in
            guard case .nonFiniteResult = error as? ProbeError else { return XCTFail("\(error)") }
            let message = "\(error)"
            XCTAssert(message.contains("window 0") && message.contains("blocks.0.mlp.hook_post"), message)
        }
    }

    /// NaN weights are refused when the context loads, naming the tensor.
    func testNaNWeightIsRefusedAtLoad() throws {
        let file = try GGUFFile(bytes: try TinyModel.gguf())
        let model = try LlamaGGUFLoader.model(file)
        var query = model.weights.layers[0].query
        query[5] = .nan
        let layer = model.weights.layers[0]
        let bad = try LlamaWeights(
            configuration: model.configuration, tokenEmbedding: model.weights.tokenEmbedding,
            layers: [LlamaLayerWeights(attentionNorm: layer.attentionNorm, query: query, key: layer.key, value: layer.value,
                                       attentionOutput: layer.attentionOutput, feedForwardNorm: layer.feedForwardNorm,
                                       gate: layer.gate, up: layer.up, down: layer.down)],
            outputNorm: model.weights.outputNorm, output: model.weights.output)
        XCTAssertThrowsError(try bad.checkFinite()) { XCTAssert("\($0)".contains("blk.0.attn_q.weight"), "\($0)") }
    }

    /// The strict comparison predicate used by the fixture helpers: NaN and ±inf never pass.
    func testStrictToleranceRejectsNonFinite() {
        XCTAssertTrue(isClose(1.0, 1.0 + 1e-12, absolute: 1e-9, relative: 0))
        XCTAssertFalse(isClose(1.0, 1.1, absolute: 1e-9, relative: 0))
        XCTAssertFalse(isClose(.nan, .nan, absolute: 1, relative: 1))
        XCTAssertFalse(isClose(.infinity, .infinity, absolute: 1, relative: 1))
        XCTAssertFalse(isClose(1.0, .infinity, absolute: 1, relative: 1))
        XCTAssertFalse(isClose(-.infinity, 0, absolute: .infinity, relative: 0))
    }
}
