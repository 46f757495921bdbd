import Foundation
import RoPE
import Spectra

/// Everything computed for one sweep row.
public struct SweepRowResult: Sendable {
    public let row: SweepRow
    public let coverage: CoverageAnalysis
    /// Causal then bidirectional; nil when spectra are off.
    public let spectra: [RegimeSpectrum]?
    /// Causal then bidirectional; nil when conditioning is off.
    public let conditioning: [ConditioningComparison]?
    public var table: PairTable { coverage.table }

    public init(row: SweepRow, coverage: CoverageAnalysis, spectra: [RegimeSpectrum]? = nil,
                conditioning: [ConditioningComparison]? = nil) {
        self.row = row
        self.coverage = coverage
        self.spectra = spectra
        self.conditioning = conditioning
    }

    /// Computes coverage and, when requested, spectra and conditioning of the scaled frequencies.
    public init(row: SweepRow, spectrum: ResolvedSpectrumSettings?, conditioningLength: Int?) throws {
        let coverage = try CoverageAnalysis(row.setup)
        let theta = coverage.table.inverseFrequency
        let spectra = try spectrum.map { settings in
            try RelativeDistanceRegime.allCases.map {
                try RegimeSpectrum(inverseFrequency: theta, regime: $0, length: settings.length, options: settings.options)
            }
        }
        let conditioning = try conditioningLength.map { length in
            try RelativeDistanceRegime.allCases.map { try ConditioningComparison(table: coverage.table, regime: $0, length: length) }
        }
        self.init(row: row, coverage: coverage, spectra: spectra, conditioning: conditioning)
    }
}

/// Runs every row of a grid on all cores; results are in row order and deterministic.
///
/// Spectra and conditioning depend only on (frequency set, regime) once the grid fixes the window
/// and options, so each distinct (bit-identical) frequency set is analysed once per regime and
/// shared by the rows that have it: the unscaled θ of every row with the same (d, b), `none` at
/// every target length, repeated YaRN factors. The shared results are the very values a per-row
/// computation gives (same code, same input, single-threaded BLAS and fixed FFTW plans), which
/// `AnalyzersTests` checks against `memoisingRepeatedFrequencySets: false`.
public enum SweepAnalysis {
    /// Computes all rows. `progress(done, total)` is called from worker threads as units of work
    /// finish: one per row (coverage) plus one per distinct (frequency set, regime) analysis.
    public static func run(
        _ grid: SweepGrid, memoisingRepeatedFrequencySets memoises: Bool = true,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws -> [SweepRowResult] {
        let rows = grid.rows
        let regimes = RelativeDistanceRegime.allCases
        // Rows already use every core; nested OpenBLAS threads in the conditioning QR would
        // oversubscribe them (measured 4× slower on the default sweep).
        return try BLASThreading.singleThreaded {
            let coverageSlots = ResultSlots<Result<CoverageAnalysis, Error>>(count: rows.count)
            var plan = SweepWorkPlan(memoises: memoises)
            // Coverage is cheap; the frequency sets it yields decide the shared work below.
            DispatchQueue.concurrentPerform(iterations: rows.count) { index in
                _ = coverageSlots.store(Result { try CoverageAnalysis(rows[index].setup) }, at: index)
            }
            let coverages = try coverageSlots.values().map { try $0.get() }
            for (index, coverage) in coverages.enumerated() {
                plan.register(row: index, table: coverage.table, spectra: grid.spectrum != nil,
                              conditioning: grid.conditioningLength != nil)
            }
            let tasks = plan.tasks
            let total = rows.count + tasks.count
            progress?(rows.count, total)
            let taskSlots = ResultSlots<Result<SweepWorkPlan.Output, Error>>(count: tasks.count)
            DispatchQueue.concurrentPerform(iterations: tasks.count) { index in
                let result = Result { try tasks[index].run(spectrum: grid.spectrum, conditioningLength: grid.conditioningLength) }
                let done = taskSlots.store(result, at: index)
                progress?(rows.count + done, total)
            }
            let outputs = try taskSlots.values().map { try $0.get() }
            return rows.indices.map { index in
                let table = coverages[index].table
                let spectra = grid.spectrum.map { _ in
                    regimes.map { plan.spectrum(of: table.inverseFrequency, row: index, regime: $0, in: outputs) }
                }
                let conditioning = grid.conditioningLength.map { _ in
                    regimes.map { regime in
                        ConditioningComparison(
                            unscaled: plan.conditioning(
                                of: table.baseInverseFrequency, row: index, unscaled: true, regime: regime, in: outputs),
                            scaled: plan.conditioning(
                                of: table.inverseFrequency, row: index, unscaled: false, regime: regime, in: outputs))
                    }
                }
                return SweepRowResult(row: rows[index], coverage: coverages[index], spectra: spectra, conditioning: conditioning)
            }
        }
    }
}
