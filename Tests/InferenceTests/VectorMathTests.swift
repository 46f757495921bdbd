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

    func testExponentiateAndSwiGLUTails() {
        var values: [Float] = (0..<13).map { Float($0) * -0.5 }
        let sum = values.withUnsafeMutableBufferPointer { VectorMath.exponentiate($0.baseAddress!, count: 13, subtracting: 1) }
        let expected = (0..<13).map { Foundation.exp(Double($0) * -0.5 - 1) }
        for (a, e) in zip(values, expected) { XCTAssertEqual(Double(a), e, accuracy: 3e-7 * e) }
        XCTAssertEqual(Double(sum), expected.reduce(0, +), accuracy: 1e-6)

        var gate: [Float] = (0..<11).map { Float($0) - 5 }
        let up: [Float] = (0..<11).map { Float($0) * 0.25 + 1 }
        gate.withUnsafeMutableBufferPointer { g in
            up.withUnsafeBufferPointer { u in VectorMath.swiGLU(gate: g.baseAddress!, up: u.baseAddress!, count: 11) }
        }
        for i in 0..<11 {
            let g = Double(i) - 5, u = Double(i) * 0.25 + 1
            let exact = g / (1 + Foundation.exp(-g)) * u
            XCTAssertEqual(Double(gate[i]), exact, accuracy: 1e-7 + 3e-7 * abs(exact), "swiGLU[\(i)]")   // a few float ulps
        }
    }
}
