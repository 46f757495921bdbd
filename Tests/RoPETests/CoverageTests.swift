import XCTest
@testable import RoPE

final class CoverageTests: XCTestCase {
    func testBidirectionalCoversDoubleTheArc() throws {
        let theta = try RotaryGeometry(rotaryDimension: 128, base: 10000).inverseFrequency
        let causal = PairCoverage(inverseFrequency: theta, length: 4096, regime: .causal)
        let bidirectional = PairCoverage(inverseFrequency: theta, length: 4096, regime: .bidirectional)
        for i in theta.indices {
            XCTAssertEqual(bidirectional.angleSpan[i], 2 * causal.angleSpan[i])
            XCTAssertEqual(causal.periodFraction[i], min(1, 4096 * theta[i] / (2 * .pi)), accuracy: 1e-15)
        }
        // d_crit/2 = 46 pairs covered causally; with 2·T: ⌈64·log_1e4(8192/2π)⌉ = ⌈49.85⌉ = 50.
        XCTAssertEqual(causal.fullyCoveredPairCount, 46)
        XCTAssertEqual(bidirectional.fullyCoveredPairCount, 50)
        XCTAssertEqual(CriticalDimension.criticalDimension(length: 8192, rotaryDimension: 128, base: 10000), 100)
    }

    func testPositionInterpolationStaysInRangeAndPlainRoPEDoesNot() throws {
        let theta = try RotaryGeometry(rotaryDimension: 64, base: 10000).inverseFrequency
        let interpolated = theta.map { $0 / 4 }
        let pi = OutOfRangeReport(
            trainInverseFrequency: theta, targetInverseFrequency: interpolated,
            trainLength: 2048, targetLength: 8192, regime: .causal)
        XCTAssertEqual(pi.outOfRangeFraction, 0)
        XCTAssertEqual(pi.worstExcessAngle, 0)
        let plain = OutOfRangeReport(
            trainInverseFrequency: theta, targetInverseFrequency: theta,
            trainLength: 2048, targetLength: 8192, regime: .causal)
        let covered = PairCoverage(inverseFrequency: theta, length: 2048, regime: .causal).fullyCoveredPairCount
        XCTAssertEqual(plain.outOfRange.filter { $0 }.count, 32 - covered)
        XCTAssertEqual(plain.worstSpanRatio, 4, accuracy: 1e-12)
        // The largest excess belongs to the fastest uncovered pair: 3·2048·θ_c radians.
        XCTAssertEqual(plain.worstExcessAngle, 3 * 2048 * theta[covered], accuracy: 1e-12)
    }
}
