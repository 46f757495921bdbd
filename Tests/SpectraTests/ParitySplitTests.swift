import Foundation
import RoPE
import XCTest

@testable import Spectra

/// `FeatureParitySplit` against the SVD of the materialised feature matrix F, and the OpenBLAS
/// thread-count switch that the sweep uses.
final class ParitySplitTests: XCTestCase {
    /// σ of F itself: dgesvd of the full row-major matrix (transposed into column-major).
    private func directSingularValues(_ theta: [Double], regime: RelativeDistanceRegime, length: Int) throws -> [Double] {
        let rowMajor = try PositionFeatures.matrix(inverseFrequency: theta, regime: regime, length: length)
        let m = PositionFeatures.rowCount(regime: regime, length: length)
        let n = 2 * theta.count
        var columns = [Double](repeating: 0, count: m * n)
        for r in 0..<m { for c in 0..<n { columns[c * m + r] = rowMajor[r * n + c] } }
        return try TallSkinnySVD.svd(&columns, rows: m, columns: n, leadingDimension: m)
    }

    func testSplitEqualsSVDOfTheFullMatrix() throws {
        // Odd and even row counts (the split has a centre row only for odd m), fewer rows than
        // columns, and one block or many (blockRows 3 forces the running QR through both halves).
        let theta = [1.3, 0.9, 0.4, 0.11, 0.03, 0.002]
        for regime in RelativeDistanceRegime.allCases {
            for length in [1, 2, 3, 4, 7, 64, 301] {
                let direct = try directSingularValues(theta, regime: regime, length: length)
                for blockRows in [3, 100_000] {
                    let split = try PositionFeatureConditioning(
                        inverseFrequency: theta, regime: regime, length: length, blockRows: blockRows)
                    XCTAssertEqual(split.singularValues.count, direct.count, "count \(regime) L=\(length)")
                    // Two backward-stable routes to σ of the same matrix: |Δσ_j| ≤ 64·ε·σ_1.
                    let tolerance = 64 * Double.ulpOfOne * (direct.first ?? 0)
                    assertClose(split.singularValues, direct, relative: 0, absolute: tolerance,
                                "split vs direct \(regime) L=\(length) blockRows=\(blockRows)")
                }
            }
        }
    }

    func testSingleThreadedRestoresTheThreadCount() throws {
        let before = BLASThreading.threadCount
        XCTAssertTrue(BLASThreading.setThreadCount(2))
        XCTAssertEqual(BLASThreading.threadCount, 2)
        let inside = BLASThreading.singleThreaded { BLASThreading.threadCount }
        XCTAssertEqual(inside, 1)
        XCTAssertEqual(BLASThreading.threadCount, 2)
        BLASThreading.setThreadCount(before)
    }
}
