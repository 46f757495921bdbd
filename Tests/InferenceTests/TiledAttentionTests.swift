@testable import Inference
import RoPEScopeTestSupport
import XCTest

/// The tiled online-softmax attention equals a naive dense attention computed in Double.
///
/// Tolerance: outputs are convex combinations of values in [−1, 1]; float32 scores, exp and
/// sums carry relative errors ~1e-6, so abs 2e-5 is a 10× margin. An error in the online
/// rescaling or a missed tile changes outputs by ~1e-1.
final class TiledAttentionTests: XCTestCase {
    struct Inputs {
        let shape: AttentionShape
        let query: [Float], key: [Float], value: [Float]
    }

    func inputs(length: Int, heads: Int, keyValueHeads: Int, headDimension: Int, seed: UInt64) -> Inputs {
        var rng = SeededGenerator(seed: seed)
        let shape = AttentionShape(length: length, heads: heads, keyValueHeads: keyValueHeads, headDimension: headDimension)
        return Inputs(shape: shape,
                      query: rng.floats(length * heads * headDimension, scale: 2),
                      key: rng.floats(length * keyValueHeads * headDimension, scale: 2),
                      value: rng.floats(length * keyValueHeads * headDimension, scale: 1))
    }

    /// Dense softmax(QKᵀ/√d + mask)·V per head in Double. Shape [L, heads, d_head].
    func naive(_ x: Inputs, mask: AttentionMask) -> [Double] {
        let s = x.shape, d = s.headDimension
        var output = [Double](repeating: 0, count: s.length * s.heads * d)
        for h in 0..<s.heads {
            let kvh = h / (s.heads / s.keyValueHeads)
            for i in 0..<s.length {
                var scores = [Double](repeating: -.infinity, count: s.length)
                for j in 0..<s.length where mask.allows(query: i, key: j) {
                    var dot = 0.0
                    for c in 0..<d { dot += Double(x.query[(i * s.heads + h) * d + c]) * Double(x.key[(j * s.keyValueHeads + kvh) * d + c]) }
                    scores[j] = dot / Double(d).squareRoot()
                }
                let maximum = scores.max() ?? 0
                let weights = scores.map { $0 == -.infinity ? 0 : exp($0 - maximum) }
                let total = weights.reduce(0, +)
                for j in 0..<s.length where weights[j] > 0 {
                    for c in 0..<d {
                        output[(i * s.heads + h) * d + c] += weights[j] / total * Double(x.value[(j * s.keyValueHeads + kvh) * d + c])
                    }
                }
            }
        }
        return output
    }

    func tiled(_ x: Inputs, mask: AttentionMask, tiling: AttentionTiling) -> [Float] {
        var output = [Float](repeating: .nan, count: x.shape.length * x.shape.heads * x.shape.headDimension)
        x.query.withUnsafeBufferPointer { q in
            x.key.withUnsafeBufferPointer { k in
                x.value.withUnsafeBufferPointer { v in
                    output.withUnsafeMutableBufferPointer { z in
                        TiledAttention.run(query: q.baseAddress!, key: k.baseAddress!, value: v.baseAddress!,
                                           output: z.baseAddress!, shape: x.shape, plan: MaskPlan(mask), tiling: tiling)
                    }
                }
            }
        }
        return output
    }

    func testTiledEqualsNaiveForAllMasksAndTileSizes() throws {
        let length = 37
        let sorted: [Int32] = (0..<length).map { $0 < 9 ? 0 : $0 < 10 ? 1 : $0 < 25 ? 2 : 3 }
        let interleaved: [Int32] = (0..<length).map { Int32(($0 * 7) % 3) }
        let masks: [AttentionMask] = [
            .causal, .bidirectional,
            .document(ids: sorted, withinDocument: .causal), .document(ids: sorted, withinDocument: .bidirectional),
            .document(ids: interleaved, withinDocument: .causal), .document(ids: interleaved, withinDocument: .bidirectional),
        ]
        let tilings = try [(5, 7), (1, 1), (37, 3), (8, 64), (64, 256), (6, 36)].map {
            try AttentionTiling(queryBlock: $0.0, keyBlock: $0.1)
        }
        for (heads, keyValueHeads, headDimension) in [(4, 2, 8), (3, 3, 5), (6, 1, 4)] {
            let x = inputs(length: length, heads: heads, keyValueHeads: keyValueHeads, headDimension: headDimension,
                           seed: UInt64(heads * 100 + headDimension))
            for mask in masks {
                let expected = naive(x, mask: mask)
                for tiling in tilings {
                    assertClose(tiled(x, mask: mask, tiling: tiling), expected, absolute: 2e-5, relative: 0,
                                "heads \(heads)/\(keyValueHeads) d \(headDimension) \(mask) tiles \(tiling.queryBlock)×\(tiling.keyBlock)")
                }
            }
        }
    }

    func testLargeScoresDoNotOverflow() throws {
        // Scores of order ±400 exercise the running-max rescaling; exp without it overflows.
        var x = inputs(length: 20, heads: 2, keyValueHeads: 1, headDimension: 4, seed: 5)
        x = Inputs(shape: x.shape, query: x.query.map { $0 * 15 }, key: x.key.map { $0 * 15 }, value: x.value)
        let tiling = try AttentionTiling(queryBlock: 3, keyBlock: 4)
        for mask in [AttentionMask.causal, .bidirectional] {
            assertClose(tiled(x, mask: mask, tiling: tiling), naive(x, mask: mask), absolute: 2e-5, relative: 0, "large scores \(mask)")
        }
    }

    func testPublicEntryEqualsNaiveAndRejectsBadInputs() throws {
        let x = inputs(length: 19, heads: 6, keyValueHeads: 2, headDimension: 8, seed: 11)
        let shape = try AttentionShape(validatingLength: 19, heads: 6, keyValueHeads: 2, headDimension: 8)
        XCTAssertEqual(shape, x.shape)
        let output = try Attention.scaledDotProduct(query: x.query, key: x.key, value: x.value, shape: shape, mask: .causal)
        assertClose(output, naive(x, mask: .causal), absolute: 2e-5, relative: 0, "Attention.scaledDotProduct, standard tiling")

        XCTAssertThrowsError(try AttentionShape(validatingLength: 19, heads: 6, keyValueHeads: 4, headDimension: 8)) {
            XCTAssertTrue("\($0)".contains("a divisor of the head count 6"), "\($0)")
        }
        XCTAssertThrowsError(try AttentionShape(validatingLength: 0, heads: 6, keyValueHeads: 2, headDimension: 8)) {
            XCTAssertTrue("\($0)".contains("window length 0"), "\($0)")
        }
        XCTAssertThrowsError(try Attention.scaledDotProduct(query: x.query, key: Array(x.key.dropLast()), value: x.value,
                                                            shape: shape, mask: .causal)) {
            XCTAssertEqual($0 as? InferenceError, .lengthMismatch(name: "attention key (rows of 16)", count: 19 * 16 - 1, expected: 19 * 16))
        }
        XCTAssertThrowsError(try Attention.scaledDotProduct(query: x.query, key: x.key, value: x.value, shape: shape,
                                                            mask: .document(ids: [0, 1], withinDocument: .causal))) {
            XCTAssertEqual($0 as? InferenceError, .lengthMismatch(name: "document ids", count: 2, expected: 19))
        }
    }

    func testTileCoverageClassification() {
        let plan = MaskPlan(.document(ids: [0, 0, 1, 1, 1, 2], withinDocument: .causal))
        func coverage(_ q: Range<Int>, _ k: Range<Int>) -> TileCoverage {
            plan.coverage(queries: q, keys: k, queryIDs: plan.idBounds(q), keyIDs: plan.idBounds(k))
        }
        XCTAssertEqual(coverage(0..<2, 2..<4), .empty, "later keys under causal")
        XCTAssertEqual(coverage(5..<6, 0..<2), .empty, "different documents")
        XCTAssertEqual(coverage(3..<5, 2..<3), .full, "same document, keys before queries")
        XCTAssertEqual(coverage(2..<5, 2..<5), .partial, "diagonal")
        XCTAssertEqual(coverage(1..<3, 0..<2), .partial, "straddles a document boundary")
    }
}
