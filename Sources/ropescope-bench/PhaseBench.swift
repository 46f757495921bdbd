import Analyzers
import Foundation
import RoPE
import Spectra

/// Splits a sweep's analysis time by phase: every row run serially with each phase timed on its
/// own (same calls as `SweepRowResult`, with OpenBLAS on one thread as in the sweep), plus the
/// parallel `SweepAnalysis.run` total.
enum PhaseBench {
    static func run(configPath: String?, repeats: Int) throws -> [String: Any] {
        let configuration = try configPath.map { try SweepConfiguration.load(path: $0) } ?? DefaultSweep.configuration()
        let grid = try SweepGrid(configuration, path: configPath ?? DefaultSweep.label)
        var parallel = Double.infinity
        for _ in 0..<max(repeats, 1) { parallel = min(parallel, try seconds { _ = try SweepAnalysis.run(grid) }) }

        var phases: [String: Double] = [:]
        func timed<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
            let start = DispatchTime.now().uptimeNanoseconds
            let value = try body()
            phases[name, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            return value
        }
        BLASThreading.setThreadCount(1)  // as inside SweepAnalysis.run
        for row in grid.rows {
            let coverage = try timed("coverage") { try CoverageAnalysis(row.setup) }
            let table = coverage.table
            for regime in RelativeDistanceRegime.allCases {
                if let settings = grid.spectrum {
                    let window = try RelativeDistanceWindow(regime: regime, length: settings.length)
                    let kernel = try timed("kernel") { try RelativePositionKernel(inverseFrequency: table.inverseFrequency, window: window) }
                    _ = try timed("power_spectrum") { try PowerSpectrum(signal: kernel.values, options: settings.options) }
                    _ = try timed("envelope") { try KernelDecay(kernel: kernel) }
                    _ = try timed("resolution") {
                        try PairResolution(inverseFrequency: table.inverseFrequency, window: window, spectralWindow: settings.options.window)
                    }
                    _ = try timed("leakage") {
                        try PairLeakage(inverseFrequency: table.inverseFrequency, window: window, options: settings.options)
                    }
                }
                if let length = grid.conditioningLength {
                    _ = try timed("conditioning_unscaled") {
                        try PositionFeatureConditioning(inverseFrequency: table.baseInverseFrequency, regime: regime, length: length)
                    }
                    _ = try timed("conditioning_scaled") {
                        try PositionFeatureConditioning(inverseFrequency: table.inverseFrequency, regime: regime, length: length)
                    }
                }
            }
        }
        return [
            "rows": grid.rows.count, "parallel_analysis_seconds": parallel,
            "serial_phase_seconds": phases, "serial_total_seconds": phases.values.reduce(0, +),
            "cores": ProcessInfo.processInfo.activeProcessorCount,
        ]
    }
}
