import Foundation
import RoPE
import XCTest

@testable import Spectra

final class ConditioningTests: XCTestCase {
    func testIntegerBinFrequenciesGiveOrthogonalColumns() throws {
        // Causal Δ = 0 … L−1 with θ_i = 2πk_i/L, distinct 0 < k_i < L/2: the columns cos, sin
        // are orthogonal with squared norm L/2 (discrete orthogonality of the DFT basis), so
        // FᵀF = (L/2)·I: every σ = √(L/2), κ = 1, numerical and effective rank = n.
        let length = 64
        let bins = [1, 2, 3, 5, 8, 13, 21, 31]
        let theta = bins.map { 2 * Double.pi * Double($0) / Double(length) }
        let result = try PositionFeatureConditioning(inverseFrequency: theta, regime: .causal, length: length)
        let expected = (Double(length) / 2).squareRoot()
        // Entries carry a few ε; σ of a 64×16 matrix moves by ≲ √(mn)·few·ε·σ: 1e-13 relative.
        assertClose(result.singularValues, [Double](repeating: expected, count: 16), relative: 1e-13, absolute: 0, "σ")
        assertClose(result.conditionNumber, 1, relative: 1e-13, absolute: 0, "κ")
        assertClose(result.effectiveRank, 16, relative: 1e-13, absolute: 0, "erank")
        XCTAssertEqual(result.numericalRank, 16)
        XCTAssertEqual(result.rowCount, 64)
        XCTAssertEqual(result.columnCount, 16)
    }

    func testBlockedQRAgreesWithDirectSVD() throws {
        let theta = [1.0, 0.5, 0.2, 0.07, 0.02]
        for regime in [RelativeDistanceRegime.causal, .bidirectional] {
            let direct = try PositionFeatureConditioning(
                inverseFrequency: theta, regime: regime, length: 300, blockRows: 100_000)
            for blockRows in [1, 7, 10, 64, 299] {
                let blocked = try PositionFeatureConditioning(
                    inverseFrequency: theta, regime: regime, length: 300, blockRows: blockRows)
                // Two backward-stable routes: |Δσ_j| ≤ 64·ε·σ_1.
                let tolerance = 64 * Double.ulpOfOne * (direct.singularValues.first ?? 0)
                assertClose(
                    blocked.singularValues, direct.singularValues, relative: 0, absolute: tolerance,
                    "blocked \(blockRows) \(regime)")
                XCTAssertEqual(blocked.numericalRank, direct.numericalRank)
            }
        }
    }

    func testZeroFrequencyMakesFRankDeficient() throws {
        // θ = 0: the sin column is identically zero, so σ_n = 0 and κ = ∞.
        let result = try PositionFeatureConditioning(inverseFrequency: [0.9, 0], regime: .bidirectional, length: 20)
        XCTAssertEqual(result.numericalRank, 3)
        XCTAssertEqual(result.conditionNumber, .infinity)
        XCTAssertEqual(result.rowCount, 39)
    }

    func testFewerRowsThanColumns() throws {
        // L = 3 causal rows, 8 columns: rank ≤ 3 < n, so κ = ∞ while σ_1/σ_3 stays finite.
        let result = try PositionFeatureConditioning(
            inverseFrequency: [1, 0.5, 0.25, 0.125], regime: .causal, length: 3)
        XCTAssertEqual(result.singularValues.count, 3)
        XCTAssertEqual(result.conditionNumber, .infinity)
        XCTAssertTrue(result.singularValueRatio.isFinite)
        XCTAssertEqual(result.numericalRank, 3)
    }

    func testFeatureMatrixLayout() throws {
        let theta = [0.7, 0.05]
        let matrix = try PositionFeatures.matrix(inverseFrequency: theta, regime: .bidirectional, length: 4)
        XCTAssertEqual(matrix.count, 7 * 4)
        for row in 0..<7 {
            let delta = Double(row - 3)
            let expected = [cos(0.7 * delta), sin(0.7 * delta), cos(0.05 * delta), sin(0.05 * delta)]
            // Phasor evaluation: two products and a sum of values ≤ 1 (≤ 3 ulp of 1) plus the
            // rounding of θΔ₀ and θj: 1e-15 ≈ 4.5 ε.
            assertClose(Array(matrix[(row * 4)..<(row * 4 + 4)]), expected, relative: 0, absolute: 1e-15, "row \(row)")
        }
    }

    func testEffectiveRankFormula() {
        // p = (1/2, 1/4, 1/4): H = 1.5·ln 2, exp(H) = 2^1.5.
        assertClose(PositionFeatureConditioning.effectiveRank([2, 1, 1, 0]), pow(2, 1.5), relative: 1e-15, absolute: 0, "erank")
        XCTAssertEqual(PositionFeatureConditioning.effectiveRank([0, 0]), 0)
    }

    func testValidation() {
        XCTAssertThrowsError(try PositionFeatureConditioning(inverseFrequency: [], regime: .causal, length: 5))
        XCTAssertThrowsError(try PositionFeatureConditioning(inverseFrequency: [1], regime: .causal, length: 0))
        let tooMany = [Double](repeating: 0.1, count: PositionFeatures.maximumPairCount + 1)
        XCTAssertThrowsError(try PositionFeatureConditioning(inverseFrequency: tooMany, regime: .causal, length: 5)) { error in
            XCTAssertEqual("\(error)", "invalid pair count d/2 1025: allowed 1...1024")
        }
    }
}
