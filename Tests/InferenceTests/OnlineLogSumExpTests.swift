@testable import Inference
import RoPEScopeTestSupport
import XCTest

/// The sliced float32 online logsumexp of the output head against the Double reference
/// `Scoring.negativeLogLikelihood`.
///
/// Error budget of `OnlineLogSumExp` (relative error of s = Σ e^(x − m), which is the absolute
/// error of ln s and so of the NLL, in nats):
/// - `VectorMath.exp`: ≤ 3 float ulps per term, 3·2⁻²³ ≈ 3.6e-7 (`VectorMathTests`);
/// - rounding of the float argument x − m: a relative 2⁻²⁴ on d = m − x, i.e. d·2⁻²⁴ on the term
///   e^(−d); the softmax-weighted mean of d is ≤ ln V + 1 ≈ 10.5 for V ≤ 20000 → ≤ 6.3e-7;
/// - float32 partial sums of at most 16 terms per lane plus 7 to combine the lanes:
///   ≤ 23·2⁻²⁴ ≈ 1.4e-6; block sums, slice rescaling and ln in Double: ~1e-15.
/// Total ≤ 2.4e-6 nats whatever the slice width or the logit magnitude; the tolerance 5e-6
/// leaves a 2× margin, while a dropped slice, a wrong rescale e^(m − m') or a target picked from
/// the wrong slice changes the NLL by ≫ 1e-3.
final class OnlineLogSumExpTests: XCTestCase {
    let tolerance = 5e-6

    /// Folds `row` in slices of `width` and returns (logsumexp, x[token] picked from its slice).
    func slicedNLL(_ row: [Float], token: Int, width: Int) -> Double {
        var state = OnlineLogSumExp()
        var target = Float.nan
        var scratch = [Float](repeating: 0, count: width)
        for start in stride(from: 0, to: row.count, by: width) {
            let count = min(width, row.count - start)
            for i in 0..<count { scratch[i] = row[start + i] }
            if (start..<start + count).contains(token) { target = scratch[token - start] }
            scratch.withUnsafeMutableBufferPointer { state.fold($0.baseAddress!, count: count) }
        }
        return state.logSumExp - Double(target)
    }

    func referenceNLL(_ row: [Float], token: Int) -> Double {
        row.withUnsafeBufferPointer { Scoring.negativeLogLikelihood($0, token: token) }
    }

    func testRandomRowsMatchDoubleReference() {
        var rng = SeededGenerator(seed: 2024)
        // (V, slice widths): V not a multiple of any width; widths below, at and above the
        // 128-value Double-accumulation block; the real model's V = 49152 with its default slice.
        let shapes: [(vocabulary: Int, widths: [Int])] = [(1, [1, 4096]), (53, [7, 53, 4096]),
                                                          (5003, [1, 100, 128, 1000, 4096]), (49152, [2048])]
        var worst = 0.0, mismatches: [String] = []
        for (vocabulary, widths) in shapes {
            for scale: Float in [0.1, 3, 30, 80] {
                var row = (0..<vocabulary).map { _ in scale * Float.random(in: -1...1, using: &rng) }
                let tokens = [0, vocabulary - 1, vocabulary / 2, Int.random(in: 0..<vocabulary, using: &rng)]
                // One variant where the target is the maximum, placed in a late slice.
                var argmaxRow = row
                argmaxRow[vocabulary - 1] = scale + 1
                for (values, token) in tokens.map({ (row, $0) }) + [(argmaxRow, vocabulary - 1)] {
                    let expected = referenceNLL(values, token: token)
                    for width in widths {
                        let got = slicedNLL(values, token: token, width: width)
                        let error = abs(got - expected)
                        worst = max(worst, error)
                        if !(error <= tolerance) {
                            mismatches.append("V=\(vocabulary) scale=\(scale) width=\(width) token=\(token): \(got) vs \(expected)")
                        }
                    }
                }
                row.shuffle(using: &rng)
            }
        }
        print("OnlineLogSumExp vs Double reference: max |ΔNLL| = \(worst) nats")
        XCTAssertTrue(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5)), max difference \(worst)")
    }

    func testRunningMaximumGrowsAcrossSlices() {
        // Increasing slices force a rescale e^(m − m') at every fold; a huge jump (Δm = 150)
        // makes the earlier sum underflow the float range but not Double's.
        let row: [Float] = [-80, -79, -20, -10, 0, 5, 70, 70.5]
        for token in row.indices {
            for width in [1, 2, 3] {
                XCTAssertEqual(slicedNLL(row, token: token, width: width), referenceNLL(row, token: token),
                               accuracy: tolerance, "token \(token) width \(width)")
            }
        }
    }

    func testNonFiniteValues() {
        var empty = OnlineLogSumExp()
        XCTAssertEqual(empty.logSumExp, -.infinity, "empty row")
        var values: [Float] = [-.infinity, -.infinity]
        values.withUnsafeMutableBufferPointer { empty.fold($0.baseAddress!, count: 2) }
        XCTAssertEqual(empty.logSumExp, -.infinity, "all −∞")

        let withMinusInfinity: [Float] = [-.infinity, 1, 2, -.infinity, 0.5]
        XCTAssertEqual(slicedNLL(withMinusInfinity, token: 2, width: 2), referenceNLL(withMinusInfinity, token: 2),
                       accuracy: tolerance, "−∞ entries contribute 0")
        XCTAssertEqual(slicedNLL(withMinusInfinity, token: 0, width: 2), .infinity, "target −∞: NLL +∞")
        XCTAssertEqual(slicedNLL([1, .infinity, 2], token: 0, width: 2), .infinity, "+∞ logit: logsumexp +∞")
        XCTAssertTrue(slicedNLL([1, 2, .nan, 3], token: 0, width: 2).isNaN, "NaN propagates")
        XCTAssertTrue(slicedNLL([.nan, -.infinity, 1], token: 2, width: 2).isNaN, "NaN in an all-NaN/−∞ slice")
    }

    func testSumInDoubleMatchesDoubleSum() {
        var rng = SeededGenerator(seed: 5)
        for count in [0, 1, 7, 8, 127, 128, 129, 1000, 4096, 5003] {
            let values = (0..<count).map { _ in Float.random(in: 0...1, using: &rng) }
            let expected = values.reduce(0.0) { $0 + Double($1) }
            let got = values.withUnsafeBufferPointer { $0.baseAddress.map { VectorMath.sumInDouble($0, count: count) } ?? 0 }
            // ≤ 23 float roundings per block sum (see the class comment): 1.4e-6 relative.
            XCTAssertEqual(got, expected, accuracy: 1.4e-6 * expected, "count \(count)")
        }
    }
}
