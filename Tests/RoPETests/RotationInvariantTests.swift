import XCTest
@testable import RoPE

/// Invariants any correct rotary embedding satisfies, for both pairings.
final class RotationInvariantTests: XCTestCase {
    private func randomVector(_ count: Int, seed: inout UInt64) -> [Float] {
        (0..<count).map { _ in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: seed >> 11) % 2000) / 1000 - 1
        }
    }

    private func dot(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    func testRotationPreservesNorm() throws {
        let geometry = try RotaryGeometry(rotaryDimension: 64, base: 10000)
        var seed: UInt64 = 1
        for pairing in RotaryPairing.allCases {
            for position in [0.0, 1, 17, 4095, 131071] {
                let original = randomVector(64, seed: &seed)
                var rotated = original
                pairing.rotate(&rotated, position: position, inverseFrequency: geometry.inverseFrequency)
                let before = dot(original, original).squareRoot()
                let after = dot(rotated, rotated).squareRoot()
                // Float32 rounding of 64 products: a few ulps of a unit-scale norm.
                XCTAssertEqual(after, before, accuracy: 1e-5 * before, "\(pairing) at position \(position)")
            }
        }
    }

    func testScoreDependsOnlyOnRelativeDistance() throws {
        let geometry = try RotaryGeometry(rotaryDimension: 32, base: 10000)
        var seed: UInt64 = 7
        let q = randomVector(32, seed: &seed)
        let k = randomVector(32, seed: &seed)
        for pairing in RotaryPairing.allCases {
            func score(_ m: Double, _ n: Double) -> Double {
                var rq = q, rk = k
                pairing.rotate(&rq, position: m, inverseFrequency: geometry.inverseFrequency)
                pairing.rotate(&rk, position: n, inverseFrequency: geometry.inverseFrequency)
                return dot(rq, rk)
            }
            for (m, n) in [(5.0, 2.0), (105.0, 102.0), (1003.0, 1000.0)] {
                // Same distance 3: scores agree to Float32 accuracy (|q||k| ≈ 10, eps 1.2e-7, 32 terms).
                XCTAssertEqual(score(m, n), score(3, 0), accuracy: 1e-4, "\(pairing) (\(m), \(n))")
            }
            XCTAssertNotEqual(score(3, 0), score(4, 0), accuracy: 1e-3, "distance must matter")
        }
    }

    func testAdjacentOnPermutedVectorEqualsSplitHalves() throws {
        // llama.cpp's converter permutation: HF row j of half h ↦ GGUF row 2j + h.
        let geometry = try RotaryGeometry(rotaryDimension: 16, base: 500000)
        var seed: UInt64 = 3
        let hf = randomVector(16, seed: &seed)
        var gguf = [Float](repeating: 0, count: 16)
        for j in 0..<8 {
            gguf[2 * j] = hf[j]
            gguf[2 * j + 1] = hf[j + 8]
        }
        var rotatedHF = hf, rotatedGGUF = gguf
        RotaryPairing.splitHalves.rotate(&rotatedHF, position: 321, inverseFrequency: geometry.inverseFrequency)
        RotaryPairing.adjacent.rotate(&rotatedGGUF, position: 321, inverseFrequency: geometry.inverseFrequency)
        for j in 0..<8 {
            XCTAssertEqual(rotatedGGUF[2 * j], rotatedHF[j], accuracy: 1e-6)
            XCTAssertEqual(rotatedGGUF[2 * j + 1], rotatedHF[j + 8], accuracy: 1e-6)
        }
        // The wrong pairing on the same weights gives a different vector.
        var wrong = gguf
        RotaryPairing.splitHalves.rotate(&wrong, position: 321, inverseFrequency: geometry.inverseFrequency)
        XCTAssertGreaterThan(zip(wrong, rotatedGGUF).map { abs($0 - $1) }.max() ?? 0, 0.01)
    }

    func testPartialRotaryLeavesTailUntouchedAndAttentionFactorScales() throws {
        let geometry = try RotaryGeometry(rotaryDimension: 8, base: 10000)
        var vector: [Float] = [1, 0, 1, 0, 1, 0, 1, 0, 9, 9]
        RotaryPairing.adjacent.rotate(&vector, position: 0, inverseFrequency: geometry.inverseFrequency, attentionFactor: 2)
        XCTAssertEqual(vector, [2, 0, 2, 0, 2, 0, 2, 0, 9, 9])
    }
}
