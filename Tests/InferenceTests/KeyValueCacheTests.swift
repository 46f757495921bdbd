import Inference
import RoPE
import XCTest

/// KV-cached decoding against a full recompute of the same sequence (random-weight model).
///
/// Tolerance: the cached and the full pass compute the same function of the same float32 values
/// with a different summation order (a decode step's sgemm has 1 row instead of L; the cached
/// softmax is exact per row while the tiled one is online over key tiles) and, for a prefill, the
/// same cos/sin table. That moves logits of magnitude ≤ 10 by ~1e-6 relative, so abs 5e-5
/// (InvarianceTests' bound) is a ~5× margin; a key rotated at the wrong position, a missing key or
/// a leak of a later key changes logits by > 1e-2 (asserted below with a wrongly rotated cache).
final class KeyValueCacheTests: XCTestCase {
    let tolerance: Float = 5e-5
    /// A binary16 cache rounds every key and value (relative error ≤ 2⁻¹¹ ≈ 4.9e-4); through the
    /// two layers that moves logits of magnitude ≤ 10 by ≲ 5e-3 (measured ≤ 3.4e-3 over the specs
    /// below), so 1e-2 bounds it; a dropped key chunk or a key read from the wrong head moves logits
    /// by ≫ 1e-2.
    let halfTolerance: Float = 1e-2
    let vocabulary = 53

    func row(_ logits: [Float], _ index: Int) -> [Float] {
        Array(logits[index * vocabulary..<(index + 1) * vocabulary])
    }

    static let specs = ["none", "yarn:factor=4,original-context=16", "linear:factor=2", "ntk:factor=3"]

    /// Prefill, single-token steps and a multi-token chunk crossing `CachedAttention`'s 32-query
    /// block: every row equals the full causal forward of the whole sequence, for a float32 and a
    /// binary16 cache.
    func testCachedDecodingEqualsFullRecompute() throws {
        var model = try RandomModel.model(tiling: AttentionTiling(queryBlock: 5, keyBlock: 7))
        model.mlpChunkRows = 4
        let tokens = RandomModel.tokens(70)
        for spec in Self.specs {
          for precision in KeyValuePrecision.allCases {
            let frequencies = try model.frequencies(RoPESpec.parse(spec))
            let full = try model.forward(tokens: tokens, mask: .causal, frequencies: frequencies).logits
            let cache = try KeyValueCache(model: model, capacity: tokens.count, frequencies: frequencies, precision: precision)
            let tolerance = precision == .float32 ? self.tolerance : halfTolerance
            var cached: [Float] = []
            let prefill = try model.extend(cache, tokens: Array(tokens[0..<13]), logits: .all)
            XCTAssertEqual(prefill.logitRows, Array(0..<13))
            cached += prefill.logits
            for t in 13..<25 {
                let step = try model.extend(cache, tokens: [tokens[t]])
                XCTAssertEqual(step.logits.count, vocabulary)
                cached += step.logits
            }
            cached += try model.extend(cache, tokens: Array(tokens[25..<70]), logits: .all).logits
            XCTAssertEqual(cache.count, 70)
            for t in 0..<70 {
                XCTAssertLessThanOrEqual(maxDifference(row(cached, t), row(full, t)), tolerance, "\(spec) \(precision): position \(t)")
            }
          }
        }
    }

    /// Rolling back and running another continuation equals the full pass of that sequence, and
    /// targets give the NLL of the full logits.
    func testTruncateAndTargets() throws {
        let model = try RandomModel.model()
        let frequencies = try model.frequencies(RoPESpec.parse("yarn:factor=4,original-context=16"))
        let prompt = RandomModel.tokens(20)
        let answers: [[Int32]] = [[3, 14, 15], [9, 26, 5, 35]]
        let cache = try KeyValueCache(model: model, capacity: 30, frequencies: frequencies)
        _ = try model.extend(cache, tokens: prompt)
        for answer in answers {
            try cache.truncate(to: prompt.count)
            let sequence = prompt + answer
            let full = try model.forward(tokens: sequence, mask: .causal, frequencies: frequencies)
            // Row i of the new tokens predicts answer[i + 1]; the prompt's last row is rerun by
            // feeding the answer after it: score answer[1...] here.
            let targets = (0..<(answer.count - 1)).map { TokenTarget(row: $0, token: answer[$0 + 1]) }
            let step = try model.extend(cache, tokens: answer, logits: .all, targets: targets)
            for i in 0..<answer.count {
                XCTAssertLessThanOrEqual(maxDifference(row(step.logits, i), row(full.logits, prompt.count + i)), tolerance,
                                         "answer \(answer) row \(i)")
            }
            let expected = try Scoring.nextTokenNegativeLogLikelihood(logits: full.logits, vocabularySize: vocabulary, tokens: sequence)
            for (i, nll) in step.negativeLogLikelihood.enumerated() {
                XCTAssertEqual(nll, expected[prompt.count + i], accuracy: 2 * Double(tolerance) + 5e-6, "answer \(answer) target \(i)")
            }
        }
    }

    /// The comparison can fail: keys rotated with other frequencies change the logits.
    func testWrongFrequenciesAreDetected() throws {
        let model = try RandomModel.model()
        let tokens = RandomModel.tokens(24)
        let right = try model.frequencies(.none)
        let full = try model.forward(tokens: tokens, mask: .causal, frequencies: right).logits
        let cache = try KeyValueCache(model: model, capacity: 24, frequencies: try model.frequencies(.linear(factor: 4)))
        _ = try model.extend(cache, tokens: Array(tokens[0..<23]))
        let last = try model.extend(cache, tokens: [tokens[23]]).logits
        XCTAssertGreaterThan(maxDifference(last, row(full, 23)), 1e-2)
    }

    func testInvalidUse() throws {
        let model = try RandomModel.model()
        let frequencies = try model.frequencies(.none)
        XCTAssertThrowsError(try KeyValueCache(model: model, capacity: 0, frequencies: frequencies))
        let other = LlamaModel(weights: try RandomModel.weights(try RandomModel.configuration(rotaryDimension: 4)))
        XCTAssertThrowsError(try KeyValueCache(model: model, capacity: 4, frequencies: try other.frequencies(.none)))
        let cache = try KeyValueCache(model: model, capacity: 4, frequencies: frequencies)
        XCTAssertThrowsError(try model.extend(cache, tokens: [])) { XCTAssertEqual($0 as? InferenceError, .emptyWindow) }
        XCTAssertThrowsError(try model.extend(cache, tokens: [1, 2, 3, 4, 5])) { error in
            XCTAssertTrue("\(error)".contains("capacity 4"), "\(error)")
        }
        XCTAssertThrowsError(try model.extend(cache, tokens: [1, 99])) { error in
            XCTAssertEqual(error as? InferenceError, .tokenOutOfRange(position: 1, token: 99, vocabularySize: 53))
        }
        XCTAssertEqual(cache.count, 0, "a refused call leaves the cache as it was")
        _ = try model.extend(cache, tokens: [1, 2])
        XCTAssertThrowsError(try cache.truncate(to: 3))
        XCTAssertThrowsError(try model.extend(cache, tokens: [1], logits: .rows([1])))
        XCTAssertThrowsError(try other.extend(cache, tokens: [1])) { error in
            XCTAssertTrue("\(error)".contains("frequencies") || "\(error)".contains("KV cache"), "\(error)")
        }
        XCTAssertEqual(cache.count, 2)
    }
}
