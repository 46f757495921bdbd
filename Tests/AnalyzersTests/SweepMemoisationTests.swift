import Foundation
import RoPE
import Spectra
import XCTest

@testable import Analyzers

/// `SweepAnalysis.run` analyses each distinct frequency set once per regime and shares it between
/// rows; the shared results must be exactly the per-row ones.
final class SweepMemoisationTests: XCTestCase {
    /// `none` at three targets (same θ' three times), YaRN factors that repeat across targets,
    /// and length-derived factors that do not; one geometry, so θ is shared by every row.
    private func grid() throws -> SweepGrid {
        let json = """
            {"name": "memo", "rotary_dimensions": [32], "bases": [10000.0], "train_length": 256,
             "target_lengths": [512, 1024, 2048],
             "methods": [{"spec": "none"}, {"spec": "yarn", "factors": [2, 4]},
                         {"spec": "linear", "factor_from_length": true}, {"spec": "critical-ntk"}],
             "spectrum": {"length": 300, "window": "hann", "padding_factor": 2},
             "conditioning": {"length": 300}}
            """
        return try SweepGrid(try SweepConfiguration.decode(Data(json.utf8), path: "memo.json"), path: "memo.json")
    }

    func testSharedResultsEqualPerRowResultsExactly() throws {
        let grid = try grid()
        let shared = try SweepAnalysis.run(grid)
        let perRow = try SweepAnalysis.run(grid, memoisingRepeatedFrequencySets: false)
        XCTAssertEqual(shared.count, perRow.count)
        // Same code on bit-identical inputs with fixed plans and one BLAS thread: equality, not
        // closeness, is the contract (a tolerance would hide a mix-up between rows).
        for (a, b) in zip(shared, perRow) {
            let label = a.row.label
            XCTAssertEqual(a.row, b.row, label)
            XCTAssertEqual(a.coverage, b.coverage, label)
            let spectraA = try XCTUnwrap(a.spectra), spectraB = try XCTUnwrap(b.spectra)
            for (x, y) in zip(spectraA, spectraB) {
                XCTAssertEqual(x.regime, y.regime, label)
                XCTAssertEqual(x.kernel, y.kernel, "kernel \(label)")
                XCTAssertEqual(x.power, y.power, "power \(label)")
                XCTAssertEqual(x.envelope, y.envelope, "envelope \(label)")
                XCTAssertEqual(x.leakage, y.leakage, "leakage \(label)")
                XCTAssertEqual(x.resolvable, y.resolvable, "resolvable \(label)")
                XCTAssertEqual(x.firstCrossingDistance, y.firstCrossingDistance, label)
                XCTAssertEqual(x.settlingDistance, y.settlingDistance, label)
            }
            let conditioningA = try XCTUnwrap(a.conditioning), conditioningB = try XCTUnwrap(b.conditioning)
            for (x, y) in zip(conditioningA, conditioningB) {
                XCTAssertEqual(x.unscaled, y.unscaled, "unscaled \(label)")
                XCTAssertEqual(x.scaled, y.scaled, "scaled \(label)")
            }
        }
        // And each row's shared spectrum is the one of its own θ' (not a neighbour's).
        for result in shared {
            let own = try RegimeSpectrum(
                inverseFrequency: result.table.inverseFrequency, regime: .bidirectional, length: 300,
                options: SpectrumOptions(window: .hann, paddingFactor: 2))
            XCTAssertEqual(result.spectra?[1].power, own.power, result.row.label)
        }
    }

    func testRepeatedFrequencySetsAreAnalysedOnce() throws {
        let grid = try grid()
        var shared = SweepWorkPlan(memoises: true)
        var perRow = SweepWorkPlan(memoises: false)
        var distinctScaled = Set<[UInt64]>()
        var distinctUnscaled = Set<[UInt64]>()
        for row in grid.rows {
            let table = try CoverageAnalysis(row.setup).table
            shared.register(row: row.index, table: table, spectra: true, conditioning: true)
            perRow.register(row: row.index, table: table, spectra: true, conditioning: true)
            distinctScaled.insert(table.inverseFrequency.map(\.bitPattern))
            distinctUnscaled.insert(table.baseInverseFrequency.map(\.bitPattern))
        }
        let regimes = RelativeDistanceRegime.allCases.count
        XCTAssertEqual(perRow.tasks.count, grid.rows.count * regimes * 3)
        // One geometry: one unscaled θ, which `none` also has, so conditioning needs one task per
        // distinct θ' (the unscaled set among them) and spectra one per distinct θ'.
        XCTAssertEqual(distinctUnscaled.count, 1)
        XCTAssertTrue(distinctScaled.isSuperset(of: distinctUnscaled))
        XCTAssertEqual(shared.tasks.count, regimes * 2 * distinctScaled.count)
        XCTAssertLessThan(distinctScaled.count, grid.rows.count)
    }
}
