import Foundation
import RoPE
import Spectra

/// Upper estimates of the memory (bytes) and work (floating-point operations) of an analysis,
/// computed from its sizes before anything is allocated, and the limits they are checked against.
///
/// The estimates are deliberately generous (they count the transient FFT scratch, kept arrays and
/// JSON text together) so that an accepted computation fits; they are not timings.
/// ```
/// spectrum, per regime:  W = L (causal) or 2L (bidirectional) samples, N = N_fft(W)
///   bytes ≈ 48·N + 64·W + 64·(d/2)            (r2c scratch, power, kernel, envelope, analytic signal)
///   ops   ≈ (d/2)·(W + 5·N·log₂N) + 5·N·log₂N  (kernel, one leakage FFT per pair, the spectrum)
/// conditioning, per regime: m = L or 2L−1 rows, n = 2·(d/2) columns, θ and θ'
///   bytes ≈ 8·(n² + (2048 + 16)·n)·2            (running R, one block, reflectors)
///   ops   ≈ 2·m·n²                             (two blocked QRs of m/2 × n/2 halves, ×2 sets)
/// sweep: rows × (per-row coverage ≈ 4 KiB + 400·(d/2) bytes, 200·(d/2) ops) + the above per row
/// ```
public struct ResourceEstimate: Equatable, Sendable {
    /// Estimated peak memory, bytes.
    public var bytes: Double
    /// Estimated work, floating-point operations.
    public var operations: Double

    public init(bytes: Double, operations: Double) {
        self.bytes = bytes
        self.operations = operations
    }

    static func + (a: Self, b: Self) -> Self { Self(bytes: a.bytes + b.bytes, operations: a.operations + b.operations) }

    /// Spectra of `pairCount` pairs over `length` tokens for `regimes`.
    public static func spectrum(
        pairCount: Int, length: Int, options: SpectrumOptions, regimes: [RelativeDistanceRegime]
    ) throws -> ResourceEstimate {
        var total = ResourceEstimate(bytes: 0, operations: 0)
        for regime in regimes {
            let samples = Double(regime == .causal ? length : 2 * length)
            let n = Double(try options.fftLength(signalLength: Int(samples)))
            let fft = 5 * n * Foundation.log2(max(n, 2))
            total = total + ResourceEstimate(
                bytes: 48 * n + 64 * samples + 64 * Double(pairCount),
                operations: Double(pairCount) * (samples + fft) + fft)
        }
        return total
    }

    /// Conditioning (θ and θ') of `pairCount` pairs over `length` tokens for `regimes`.
    public static func conditioning(pairCount: Int, length: Int, regimes: [RelativeDistanceRegime]) -> ResourceEstimate {
        let n = 2 * Double(pairCount)
        var total = ResourceEstimate(bytes: 0, operations: 0)
        for regime in regimes {
            let m = Double(regime == .causal ? length : 2 * length - 1)
            total = total + ResourceEstimate(bytes: 16 * (n * n + 2064 * n), operations: 2 * m * n * n)
        }
        return total
    }

    /// Coverage of one frequency set (the tables every analyzer keeps).
    public static func coverage(pairCount: Int) -> ResourceEstimate {
        ResourceEstimate(bytes: 4096 + 400 * Double(pairCount), operations: 200 * Double(pairCount))
    }

    /// A whole sweep, from its sizes alone (no row is built): rows × the per-row estimates.
    /// Throws `AnalyzerError.invalidConfigValue` through the spectrum settings.
    public static func sweep(_ configuration: SweepConfiguration, path: String) throws -> (rows: Double, estimate: ResourceEstimate) {
        let dimensions = configuration.rotaryDimensions ?? configuration.preset.map { [$0.rotaryDimension] } ?? []
        let bases = Double((configuration.bases ?? configuration.preset.map { [$0.base] } ?? []).count)
        let targets = Double(configuration.targetLengths.count)
        let perTarget = configuration.methods.reduce(0.0) { $0 + Double(max($1.factors?.count ?? 1, 1)) }
        let spectrum = try configuration.spectrum.map { try ResolvedSpectrumSettings($0, path: path) }
        let conditioningLength = try configuration.conditioning.map { try resolvedConditioningLength($0, path: path) }
        var rows = 0.0
        var total = ResourceEstimate(bytes: 0, operations: 0)
        for d in dimensions {
            let pairs = max(d / 2, 1)
            let perGeometry = bases * targets * perTarget
            rows += perGeometry
            var perRow = coverage(pairCount: pairs)
            if let spectrum {
                perRow = perRow + (try Self.spectrum(
                    pairCount: pairs, length: spectrum.length, options: spectrum.options, regimes: RelativeDistanceRegime.allCases))
            }
            if let conditioningLength {
                perRow = perRow + conditioning(pairCount: pairs, length: conditioningLength, regimes: RelativeDistanceRegime.allCases)
            }
            total = total + ResourceEstimate(bytes: perGeometry * perRow.bytes, operations: perGeometry * perRow.operations)
        }
        return (rows, total)
    }
}

/// Limits an analysis is checked against before it allocates (CLI: `--max-memory`, `--max-work`).
public struct ResourceLimits: Equatable, Sendable {
    /// Default memory limit: 4 GiB.
    public static let defaultBytes: Double = 4 * 1_073_741_824
    /// Default work limit: 2·10¹² floating-point operations (minutes, not hours, on a laptop core).
    public static let defaultOperations: Double = 2e12

    public var bytes: Double
    public var operations: Double

    public init(bytes: Double = Self.defaultBytes, operations: Double = Self.defaultOperations) {
        self.bytes = bytes
        self.operations = operations
    }

    /// Throws `AnalyzerError.limitExceeded` when `estimate` is above either limit; `what` names
    /// the computation ("spectrum of 32768 pairs over 4194304 tokens").
    public func check(_ estimate: ResourceEstimate, what: String) throws {
        if estimate.bytes > bytes {
            throw AnalyzerError.limitExceeded(
                what: what, estimate: "\(Self.formatBytes(estimate.bytes)) of memory", limit: Self.formatBytes(bytes),
                flag: "--max-memory SIZE (e.g. 16g)")
        }
        if estimate.operations > operations {
            throw AnalyzerError.limitExceeded(
                what: what, estimate: String(format: "%.2g floating-point operations", estimate.operations),
                limit: String(format: "%.2g", operations), flag: "--max-work OPS (e.g. 1e13)")
        }
    }

    /// "1.5 GiB"-style text (powers of 1024).
    public static func formatBytes(_ bytes: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = bytes
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int(value)) B" : String(format: "%.3g", value) + " " + units[unit]
    }
}
