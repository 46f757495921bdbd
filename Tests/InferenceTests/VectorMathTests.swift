@testable import Inference
import XCTest

/// The vectorised exp against Double `exp`.
final class VectorMathTests: XCTestCase {
    func testExpRelativeErrorOverTheWholeRange() {
        // Cephes expf is documented at ~1 ulp; allow 3 float ulps (3·2⁻²³·… ≈ 3.6e-7 relative).
        var worst = 0.0
        var x = -87.3
        while x < 88.3 {
            let value = Float(x)
            let exact = Foundation.exp(Double(value))
            worst = max(worst, abs(Double(VectorMath.exp(value)) - exact) / exact)
            x += 0.00117
        }
        XCTAssertLessThanOrEqual(worst, 3.6e-7, "max relative error \(worst)")
    }

    func testExpSpecialValues() {
        let result = [-Float.infinity, -100, 0, 1, -87.5, 89, .nan, -0.0].map(VectorMath.exp)
        XCTAssertEqual(result[0], 0)
        XCTAssertEqual(result[1], 0)
        XCTAssertEqual(result[2], 1)
        XCTAssertEqual(Double(result[3]), M_E, accuracy: 3e-7)
        XCTAssertEqual(result[4], 0)
        XCTAssertTrue(result[5].isFinite, "clamped, not infinite")
        XCTAssertTrue(result[6].isNaN, "NaN propagates")
        XCTAssertEqual(result[7], 1)
    }

    /// Both the dispatching entry points (AVX2 kernels on this CPU when available) and the
    /// portable loops, so that the fallback is tested on every machine.
    func testExponentiateAndSwiGLUTails() {
        typealias Exponentiate = (UnsafeMutablePointer<Float>, Int, Float) -> Float
        typealias SwiGLU = (UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int) -> Void
        let variants: [(String, Exponentiate, SwiGLU)] = [
            ("dispatching", { VectorMath.exponentiate($0, count: $1, subtracting: $2) }, { VectorMath.swiGLU(gate: $0, up: $1, count: $2) }),
            ("portable", { VectorMath.portableExponentiate($0, count: $1, subtracting: $2) },
             { VectorMath.portableSwiGLU(gate: $0, up: $1, count: $2) }),
        ]
        for (label, exponentiate, swiGLU) in variants {
            var values: [Float] = (0..<13).map { Float($0) * -0.5 }
            let sum = values.withUnsafeMutableBufferPointer { exponentiate($0.baseAddress!, 13, 1) }
            let expected = (0..<13).map { Foundation.exp(Double($0) * -0.5 - 1) }
            for (a, e) in zip(values, expected) { XCTAssertEqual(Double(a), e, accuracy: 3e-7 * e, label) }
            XCTAssertEqual(Double(sum), expected.reduce(0, +), accuracy: 1e-6, label)

            var gate: [Float] = (0..<11).map { Float($0) - 5 }
            let up: [Float] = (0..<11).map { Float($0) * 0.25 + 1 }
            gate.withUnsafeMutableBufferPointer { g in
                up.withUnsafeBufferPointer { u in swiGLU(g.baseAddress!, u.baseAddress!, 11) }
            }
            for i in 0..<11 {
                let g = Double(i) - 5, u = Double(i) * 0.25 + 1
                let exact = g / (1 + Foundation.exp(-g)) * u
                XCTAssertEqual(Double(gate[i]), exact, accuracy: 1e-7 + 3e-7 * abs(exact), "\(label) swiGLU[\(i)]")   // a few float ulps
            }
            var row: [Float] = [3, .nan, -1, 7, 2, -.infinity, 0, 6.5, 1, 9]
            let maximum = label == "portable" ? VectorMath.portableMaximum(&row, count: 10) : VectorMath.maximum(&row, count: 10)
            XCTAssertEqual(maximum, 9, "\(label) maximum ignores NaN")
        }
    }
}
