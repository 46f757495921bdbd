@testable import Inference
import XCTest

/// The AVX2/FMA kernels (`CVectorKernels`) against Double references and the portable Swift loops.
///
/// Tolerances: both paths evaluate the same Cephes polynomial; FMA changes the rounding of the
/// range reduction and of Horner's steps by at most an ulp or two, so values agree with Double
/// `exp` within 3 float ulps (3.6e-7 relative, as the portable test) and with each other within
/// 4 ulps. Sums of n ≤ 1000 terms in float with 8 lanes: relative 1e-6.
final class VectorKernelTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(VectorMath.usesVectorKernels, "this CPU has no AVX2+FMA: only the portable loops run")
    }

    func testExponentiateAcrossTheRangeAndEveryTailLength() {
        // exp over [−87.3, 88.3] in one call (shift 0), then every length 0…17 for the masked tail.
        let inputs = stride(from: -87.3, to: 88.3, by: 0.0117).map { Float($0) }
        var values = inputs
        _ = values.withUnsafeMutableBufferPointer { VectorMath.exponentiate($0.baseAddress!, count: $0.count, subtracting: 0) }
        var worst = 0.0
        for (x, e) in zip(inputs, values) {
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(e) - exact) / exact)
        }
        XCTAssertLessThanOrEqual(worst, 3.6e-7, "AVX2 exp: max relative error \(worst)")

        for count in 0...17 {
            let row: [Float] = (0..<count).map { Float($0) * 0.37 - 2 }
            var vector = row + [123], portable = row + [123]   // the sentinel after the row must stay
            let sum = vector.withUnsafeMutableBufferPointer { VectorMath.exponentiate($0.baseAddress!, count: count, subtracting: 0.5) }
            let portableSum = portable.withUnsafeMutableBufferPointer {
                VectorMath.portableExponentiate($0.baseAddress!, count: count, subtracting: 0.5)
            }
            XCTAssertEqual(vector[count], 123, "count \(count): wrote past the end")
            for i in 0..<count {
                XCTAssertEqual(vector[i], portable[i], accuracy: 4 * portable[i].ulp, "count \(count) [\(i)]")
            }
            XCTAssertEqual(sum, portableSum, accuracy: 1e-6 * max(1, portableSum), "count \(count): sum")
        }
    }

    func testSpecialValuesMatchThePortableLoop() {
        let specials: [Float] = [-.infinity, -100, -87.5, 0, -0.0, 1, 89, 1000, .nan, -87.3, 88.3]
        var vector = specials, portable = specials
        _ = vector.withUnsafeMutableBufferPointer { VectorMath.exponentiate($0.baseAddress!, count: $0.count, subtracting: 0) }
        _ = portable.withUnsafeMutableBufferPointer { VectorMath.portableExponentiate($0.baseAddress!, count: $0.count, subtracting: 0) }
        for (i, x) in specials.enumerated() {
            if x.isNaN {
                XCTAssertTrue(vector[i].isNaN, "NaN propagates")
            } else {
                XCTAssertEqual(vector[i], portable[i], accuracy: 4 * max(portable[i].ulp, .leastNonzeroMagnitude), "exp(\(x))")
                XCTAssertTrue(vector[i].isFinite, "exp(\(x)) finite (clamped)")
            }
        }
        XCTAssertEqual(vector[0], 0, "exp(−∞) = 0")
    }

    func testMaximumIgnoresNaNAndHandlesAllNegativeInfinity() {
        for count in 1...19 {
            var row: [Float] = (0..<count).map { Float(($0 * 7) % 11) - 5 }
            row[count / 2] = .nan
            let finite = row.filter { !$0.isNaN }
            let expected = finite.max() ?? -.infinity
            let found = row.withUnsafeBufferPointer { VectorMath.maximum($0.baseAddress!, count: count) }
            XCTAssertEqual(found, expected, "count \(count)")
            let portable = row.withUnsafeBufferPointer { VectorMath.portableMaximum($0.baseAddress!, count: count) }
            XCTAssertEqual(found, portable, "count \(count): portable")
        }
        let empty = [Float](repeating: -.infinity, count: 9)
        XCTAssertEqual(empty.withUnsafeBufferPointer { VectorMath.maximum($0.baseAddress!, count: 9) }, -.infinity)
    }

    func testSwiGLUMatchesDoubleForEveryTailLength() {
        for count in 0...17 {
            var gate: [Float] = (0..<count).map { Float($0) * 1.7 - 14 } + [99]
            let up: [Float] = (0..<count).map { Float($0) * 0.25 - 1 } + [0]
            let original = gate
            gate.withUnsafeMutableBufferPointer { g in
                up.withUnsafeBufferPointer { u in VectorMath.swiGLU(gate: g.baseAddress!, up: u.baseAddress!, count: count) }
            }
            XCTAssertEqual(gate[count], 99, "count \(count): wrote past the end")
            for i in 0..<count {
                let g = Double(original[i]), exact = g / (1 + Foundation.exp(-g)) * Double(up[i])
                XCTAssertEqual(Double(gate[i]), exact, accuracy: 1e-7 + 6e-7 * abs(exact), "swiGLU count \(count) [\(i)]")
            }
        }
    }
}
