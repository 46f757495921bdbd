import Inference
import RoPE
import XCTest

/// Every user-facing check throws the `InferenceError` case that names the problem.
final class ValidationTests: XCTestCase {
    func assertThrows(_ expected: InferenceError, _ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual(error as? InferenceError, expected, "\(error)", file: file, line: line)
        }
    }

    func configuration(heads: Int = 4, kvHeads: Int = 2, headDimension: Int = 8, rotary: Int? = nil,
                       epsilon: Float = 1e-5, base: Double = 10000) throws -> LlamaConfiguration {
        try LlamaConfiguration(
            vocabularySize: 10, embeddingSize: 8, layerCount: 1, headCount: heads, keyValueHeadCount: kvHeads,
            headDimension: headDimension, feedForwardSize: 4, rmsNormEpsilon: epsilon, ropeBase: base,
            rotaryDimension: rotary, trainedContextLength: 16)
    }

    func testConfigurationErrors() {
        assertThrows(.invalidConfiguration(name: "key/value head count", value: "3",
                                           allowed: "a divisor of the head count 4 (grouped-query attention)")) {
            _ = try configuration(kvHeads: 3)
        }
        assertThrows(.invalidConfiguration(name: "rotary dimension", value: "10", allowed: "an even integer in 2...8 (head dimension)")) {
            _ = try configuration(rotary: 10)
        }
        assertThrows(.invalidConfiguration(name: "rotary dimension", value: "5", allowed: "an even integer in 2...8 (head dimension)")) {
            _ = try configuration(rotary: 5)
        }
        assertThrows(.invalidConfiguration(name: "RMSNorm epsilon", value: "0.0", allowed: "a finite number > 0")) {
            _ = try configuration(epsilon: 0)
        }
        assertThrows(.invalidConfiguration(name: "rope base", value: "1.0", allowed: "a finite number > 1")) {
            _ = try configuration(base: 1)
        }
        assertThrows(.invalidConfiguration(name: "head count", value: "0", allowed: "an integer in 1...65536 (2^16)")) {
            _ = try configuration(heads: 0)
        }
        assertThrows(.invalidConfiguration(name: "attention key block", value: "0", allowed: "an integer >= 1")) {
            _ = try AttentionTiling(queryBlock: 4, keyBlock: 0)
        }
    }

    func testWeightShapeErrorsNameTheGGUFTensor() throws {
        let c = try RandomModel.configuration()
        let good = try RandomModel.weights(c)
        var layers = good.layers
        layers[1].query.removeLast()
        assertThrows(.tensorShapeMismatch(name: "blk.1.attn_q.weight", count: 32 * 32 - 1, expectedShape: [32, 32])) {
            _ = try LlamaWeights(configuration: c, tokenEmbedding: good.tokenEmbedding, layers: layers,
                                 outputNorm: good.outputNorm, output: good.output)
        }
        let error = InferenceError.tensorShapeMismatch(name: "blk.1.attn_q.weight", count: 1023, expectedShape: [32, 32])
        XCTAssertTrue(error.description.contains("blk.1.attn_q.weight"), error.description)
        assertThrows(.layerCountMismatch(count: 1, expected: 2)) {
            _ = try LlamaWeights(configuration: c, tokenEmbedding: good.tokenEmbedding, layers: [good.layers[0]],
                                 outputNorm: good.outputNorm, output: good.output)
        }
        assertThrows(.tensorShapeMismatch(name: "output.weight", count: 0, expectedShape: [53, 32])) {
            _ = try LlamaWeights(configuration: c, tokenEmbedding: good.tokenEmbedding, layers: good.layers,
                                 outputNorm: good.outputNorm, output: nil)
        }
        let tied = try RandomModel.configuration(tied: true)
        assertThrows(.invalidConfiguration(name: "output.weight", value: "present",
                                           allowed: "absent when the output is tied to token_embd.weight")) {
            _ = try LlamaWeights(configuration: tied, tokenEmbedding: good.tokenEmbedding, layers: good.layers,
                                 outputNorm: good.outputNorm, output: good.output)
        }
        var poisoned = good.layers
        poisoned[0].down[5] = .nan
        let bad = try LlamaWeights(configuration: c, tokenEmbedding: good.tokenEmbedding, layers: poisoned,
                                   outputNorm: good.outputNorm, output: good.output)
        assertThrows(.nonFiniteWeight(name: "blk.0.ffn_down.weight", index: 5)) { try bad.checkFinite() }
        XCTAssertNoThrow(try good.checkFinite())
    }

    func testForwardInputErrors() throws {
        let model = try RandomModel.model()
        let frequencies = try model.frequencies(.none)
        let tokens = RandomModel.tokens(6)
        assertThrows(.emptyWindow) { _ = try model.forward(tokens: [], frequencies: frequencies) }
        assertThrows(.tokenOutOfRange(position: 1, token: 53, vocabularySize: 53)) {
            _ = try model.forward(tokens: [1, 53], frequencies: frequencies)
        }
        assertThrows(.lengthMismatch(name: "positions", count: 2, expected: 6)) {
            _ = try model.forward(tokens: tokens, positions: [0, 1], frequencies: frequencies)
        }
        assertThrows(.lengthMismatch(name: "document ids", count: 3, expected: 6)) {
            _ = try model.forward(tokens: tokens, mask: .document(ids: [0, 0, 1], withinDocument: .causal), frequencies: frequencies)
        }
        let wrongDimension = try RoPEScaling.none.frequencies(for: RotaryGeometry(rotaryDimension: 4, base: 10000))
        assertThrows(.invalidFrequencies(reason: "2 inverse frequencies for rotary dimension 8: expected 4")) {
            _ = try model.forward(tokens: tokens, frequencies: wrongDimension)
        }
        assertThrows(.unknownHook(pattern: "blocks.*.attn.hook_patern", known: HookPoint.allCases.map(\.rawValue))) {
            _ = try model.forward(tokens: tokens, frequencies: frequencies, hooks: HookSelection(["blocks.*.attn.hook_patern"]))
        }
        assertThrows(.unknownHook(pattern: "blocks.2.hook_resid_pre", known: HookPoint.allCases.map(\.rawValue))) {
            _ = try model.forward(tokens: tokens, frequencies: frequencies, hooks: HookSelection(["blocks.2.hook_resid_pre"]))
        }
        assertThrows(.invalidHookRestriction(name: "head", value: "4", allowed: "0..<4")) {
            _ = try model.forward(tokens: tokens, frequencies: frequencies, hooks: HookSelection(["*"], heads: [0, 4]))
        }
        assertThrows(.invalidHookRestriction(name: "query positions", value: "2..<7", allowed: "a non-empty range within 0..<6")) {
            _ = try model.forward(tokens: tokens, frequencies: frequencies, hooks: HookSelection(["*"], queryPositions: 2..<7))
        }
        assertThrows(.invalidTarget(name: "logits row", value: "6", allowed: "window positions 0..<6")) {
            _ = try model.forward(tokens: tokens, frequencies: frequencies, logits: .rows([6]))
        }
        assertThrows(.invalidTarget(name: "target token", value: "-1", allowed: "0..<53")) {
            _ = try model.forward(tokens: tokens, frequencies: frequencies, targets: [TokenTarget(row: 0, token: -1)])
        }
    }
}
