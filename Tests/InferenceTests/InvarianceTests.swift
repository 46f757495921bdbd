import Inference
import RoPE
import XCTest

/// Properties of the forward pass that hold whatever the weights: causality, document
/// separation, RoPE's relative-position invariance, tiling/chunking independence.
///
/// Tolerance: two float32 evaluations of the same function that differ only in summation order
/// or in the rounding of cos/sin (positions shifted) agree to ~1e-6 relative; logits here are of
/// magnitude ≤ 10, so abs 5e-5 is a ~5× margin, while genuine leaks change logits by > 1e-2.
final class InvarianceTests: XCTestCase {
    let tolerance: Float = 5e-5

    func rows(_ logits: [Float], _ range: Range<Int>, vocabulary: Int = 53) -> [Float] {
        Array(logits[range.lowerBound * vocabulary..<range.upperBound * vocabulary])
    }

    func testCausalOutputIgnoresLaterTokens() throws {
        let model = try RandomModel.model(tiling: AttentionTiling(queryBlock: 5, keyBlock: 7))
        let frequencies = try model.frequencies(.none)
        let tokens = RandomModel.tokens(40)
        var changed = tokens
        for t in 23..<40 { changed[t] = (changed[t] + 17) % 53 }
        let a = try model.forward(tokens: tokens, frequencies: frequencies).logits
        let b = try model.forward(tokens: changed, frequencies: frequencies).logits
        XCTAssertLessThanOrEqual(maxDifference(rows(a, 0..<23), rows(b, 0..<23)), tolerance, "rows before the change")
        XCTAssertGreaterThan(maxDifference(rows(a, 23..<40), rows(b, 23..<40)), 1e-2, "rows after the change must differ")
        // Bidirectional attention does see the later tokens.
        let c = try model.forward(tokens: tokens, mask: .bidirectional, frequencies: frequencies).logits
        let d = try model.forward(tokens: changed, mask: .bidirectional, frequencies: frequencies).logits
        XCTAssertGreaterThan(maxDifference(rows(c, 0..<23), rows(d, 0..<23)), 1e-2, "bidirectional rows before the change")
    }

    func testDocumentMaskEqualsSeparateDocuments() throws {
        let model = try RandomModel.model(tiling: AttentionTiling(queryBlock: 4, keyBlock: 6))
        let frequencies = try model.frequencies(RoPESpec.parse("yarn:factor=4,original-context=16"))
        let tokens = RandomModel.tokens(30)
        let bounds = [0..<10, 10..<22, 22..<30]
        let ids = bounds.enumerated().flatMap { index, range in range.map { _ in Int32(index) } }
        let restarting = bounds.flatMap { range in range.map { $0 - range.lowerBound } }
        for within in AttentionDirection.allCases {
            let packedGlobal = try model.forward(
                tokens: tokens, mask: .document(ids: ids, withinDocument: within), frequencies: frequencies).logits
            let packedRestarting = try model.forward(
                tokens: tokens, positions: restarting, mask: .document(ids: ids, withinDocument: within),
                frequencies: frequencies).logits
            for range in bounds {
                let document = Array(tokens[range])
                let separateGlobal = try model.forward(
                    tokens: document, positions: Array(range), mask: AttentionMask(within), frequencies: frequencies).logits
                let separateFromZero = try model.forward(
                    tokens: document, mask: AttentionMask(within), frequencies: frequencies).logits
                XCTAssertLessThanOrEqual(maxDifference(rows(packedGlobal, range), separateGlobal), tolerance,
                                         "\(within) document \(range), global positions")
                XCTAssertLessThanOrEqual(maxDifference(rows(packedRestarting, range), separateFromZero), tolerance,
                                         "\(within) document \(range), positions restarting at 0")
                // q(m)·k(n) depends only on m − n: shifting a document's positions changes nothing
                // beyond cos/sin rounding.
                XCTAssertLessThanOrEqual(maxDifference(separateGlobal, separateFromZero), tolerance,
                                         "\(within) document \(range), RoPE shift invariance")
            }
            let plain = try model.forward(tokens: tokens, mask: AttentionMask(within), frequencies: frequencies).logits
            XCTAssertGreaterThan(maxDifference(plain, packedGlobal), 1e-2, "\(within): the document mask must matter")
        }
    }

    func testWrongPairingChangesLogits() throws {
        let tokens = RandomModel.tokens(16)
        let adjacent = try RandomModel.model(pairing: .adjacent)
        let split = try RandomModel.model(pairing: .splitHalves)
        let frequencies = try adjacent.frequencies(.none)
        let a = try adjacent.forward(tokens: tokens, frequencies: frequencies).logits
        let b = try split.forward(tokens: tokens, frequencies: frequencies).logits
        XCTAssertLessThanOrEqual(maxDifference(rows(a, 0..<1), rows(b, 0..<1)), tolerance, "position 0 is not rotated")
        XCTAssertGreaterThan(maxDifference(a, b), 1e-2, "pairing must change later logits")
    }

    func testTilingAndChunkingDoNotChangeResults() throws {
        let tokens = RandomModel.tokens(33)
        let reference = try RandomModel.model()
        var small = try RandomModel.model(tiling: AttentionTiling(queryBlock: 3, keyBlock: 5))
        small.mlpChunkRows = 4
        small.outputBlockRows = 2
        small.vocabularySliceRows = 7
        for mask in [AttentionMask.causal, .bidirectional] {
            let frequencies = try reference.frequencies(.linear(factor: 2))
            let targets = TokenTarget.nextTokens(tokens)
            let a = try reference.forward(tokens: tokens, mask: mask, frequencies: frequencies, targets: targets)
            let b = try small.forward(tokens: tokens, mask: mask, frequencies: frequencies, targets: targets)
            XCTAssertLessThanOrEqual(maxDifference(a.logits, b.logits), tolerance, "\(mask)")
            // Output blocks of 2 positions and vocabulary slices of 7 (53 = 7·7 + 4) against the
            // Double logsumexp of the full logits: the logits tolerance plus OnlineLogSumExpTests'.
            let expected = try Scoring.nextTokenNegativeLogLikelihood(logits: a.logits, vocabularySize: 53, tokens: tokens)
            for (index, (got, reference)) in zip(b.negativeLogLikelihood, expected).enumerated() {
                XCTAssertEqual(got, reference, accuracy: 2 * Double(tolerance) + 5e-6, "\(mask) nll[\(index)]")
            }
        }
    }

    func testDefaultAttentionFollowsConfiguration() throws {
        let tokens = RandomModel.tokens(12)
        let llada = try RandomModel.model(attention: .bidirectional)
        let frequencies = try llada.frequencies(.none)
        let byDefault = try llada.forward(tokens: tokens, frequencies: frequencies).logits
        let explicit = try llada.forward(tokens: tokens, mask: .bidirectional, frequencies: frequencies).logits
        XCTAssertEqual(byDefault, explicit)
        let lladaConfiguration = try LlamaConfiguration(
            architecture: .llada, vocabularySize: 2, embeddingSize: 2, layerCount: 1, headCount: 1, keyValueHeadCount: 1,
            headDimension: 2, feedForwardSize: 2, rmsNormEpsilon: 1e-5, ropeBase: 500000, trainedContextLength: 4096)
        XCTAssertEqual(lladaConfiguration.defaultAttention, .bidirectional)
        XCTAssertEqual(lladaConfiguration.pairing, .adjacent)
    }

    func testLogitRowsAndTargetsMatchFullLogits() throws {
        let model = try RandomModel.model()
        let frequencies = try model.frequencies(.none)
        let tokens = RandomModel.tokens(20)
        let full = try model.forward(tokens: tokens, frequencies: frequencies)
        let picked = try model.forward(tokens: tokens, frequencies: frequencies, logits: .rows([7, 2, 7]),
                                       targets: TokenTarget.nextTokens(tokens))
        XCTAssertEqual(picked.logitRows, [7, 2, 7])
        // OpenBLAS may round a row differently when one sgemm call has a different number of rows.
        let expectedRows = rows(full.logits, 7..<8) + rows(full.logits, 2..<3) + rows(full.logits, 7..<8)
        XCTAssertLessThanOrEqual(maxDifference(picked.logits, expectedRows), tolerance, "picked rows")
        let expected = try Scoring.nextTokenNegativeLogLikelihood(logits: full.logits, vocabularySize: 53, tokens: tokens)
        XCTAssertEqual(picked.negativeLogLikelihood.count, 19)
        for (a, b) in zip(picked.negativeLogLikelihood, expected) { XCTAssertEqual(a, b, accuracy: 2 * Double(tolerance)) }
        let none = try model.forward(tokens: tokens, frequencies: frequencies, logits: .none)
        XCTAssertTrue(none.logits.isEmpty)
    }

    func testNegativeLogLikelihoodClosedForm() throws {
        // Row [0, ln 3]: softmax = [1/4, 3/4]; nll of token 1 = ln(4/3), of token 0 = ln 4.
        let logits: [Float] = [0, Float(log(3.0)), 0, Float(log(3.0)), 0, 0]
        let nll = try Scoring.nextTokenNegativeLogLikelihood(logits: logits, vocabularySize: 2, tokens: [0, 1, 0])
        XCTAssertEqual(nll[0], log(4.0 / 3.0), accuracy: 1e-7)   // float32 ln 3 carries ~1e-7
        XCTAssertEqual(nll[1], log(4.0), accuracy: 1e-7)
    }
}
