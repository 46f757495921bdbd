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

/// Runs every row of a grid (rows in parallel over the available cores; results in row order,
/// so the output is deterministic).
public enum SweepAnalysis {
    /// Computes all rows. `progress(done, total)` is called from worker threads as rows finish.
    public static func run(
        _ grid: SweepGrid, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws -> [SweepRowResult] {
        let rows = grid.rows
        let results = ResultSlots<Result<SweepRowResult, Error>>(count: rows.count)
        // Rows already use every core; nested OpenBLAS threads in the conditioning QR would
        // oversubscribe them (measured 4× slower on the default sweep).
        BLASThreading.singleThreaded {
            DispatchQueue.concurrentPerform(iterations: rows.count) { index in
                let row = rows[index]
                let result = Result {
                    try SweepRowResult(row: row, spectrum: grid.spectrum, conditioningLength: grid.conditioningLength)
                }
                let done = results.store(result, at: index)
                progress?(done, rows.count)
            }
        }
        return try results.values().map { try $0.get() }
    }
}

/// Lock-protected result slots filled from concurrent workers.
final class ResultSlots<Value>: @unchecked Sendable {
    private var slots: [Value?]
    private var filled = 0
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// Stores a value and returns how many slots are filled.
    func store(_ value: Value, at index: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        slots[index] = value
        filled += 1
        return filled
    }

    /// All values; every slot must have been filled.
    func values() -> [Value] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { slot in
            guard let slot else { preconditionFailure("sweep slot left empty") }
            return slot
        }
    }
}
