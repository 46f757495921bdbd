import Foundation
import RoPE
import Spectra
import TensorArchive

extension AnalysisArchive {
    /// Writes kernels, spectra, resolvability, leakage and decay (when every row has spectra).
    ///
    /// Extra dimensions: `distance_causal` (Δ = 0…L−1), `distance_bidirectional` (Δ = −L…L−1),
    /// `frequency_causal` and `frequency_bidirectional` (k/N_fft cycles/token).
    static func writeSpectra(_ results: [SweepRowResult], pairs: Int, to container: ArchiveContainer) throws {
        let spectra = results.compactMap(\.spectra)
        guard spectra.count == results.count, let first = spectra.first else { return }
        let regimes = RelativeDistanceRegime.allCases
        for (g, regime) in regimes.enumerated() {
            let sample = first[g]
            let suffix = regime.rawValue
            let window = try RelativeDistanceWindow(regime: regime, length: regime == .causal ? sample.kernel.count : sample.kernel.count / 2)
            try container.writeCoordinate("distance_\(suffix)", values: .ints(window.distances), units: "tokens",
                                          longName: "relative distance Delta (\(suffix) window)")
            let bins = sample.power.count
            try container.writeCoordinate("frequency_\(suffix)",
                                          values: .float64((0..<bins).map { Double($0) / Double(sample.fftLength) }),
                                          units: "cycles/token", longName: "spectral frequency k/N_fft (\(suffix) window)")
            try container.writeVariable(
                "kernel_\(suffix)", dimensions: ["config", "distance_\(suffix)"],
                values: .float64(spectra.flatMap { $0[g].kernel }), units: "1",
                longName: "relative-position kernel K(Delta) = sum_i cos(theta'_i Delta)/(d/2)")
            try container.writeVariable(
                "kernel_envelope_\(suffix)", dimensions: ["config", "distance_\(suffix)"],
                values: .float64(spectra.flatMap { $0[g].envelope }), units: "1",
                longName: "magnitude of the analytic signal of K (Hilbert envelope)"
                    + (regime == .causal ? "; causal: of the even extension K(-Delta) = K(Delta), Delta = -(L-1)..L-1" : ""))
            try container.writeVariable(
                "kernel_power_\(suffix)", dimensions: ["config", "frequency_\(suffix)"],
                values: .float64(spectra.flatMap { $0[g].power }), units: "1",
                longName: "power spectrum |rfft(window*K, N_fft)|^2 (unnormalised)")
        }
        var resolvable = [Int8](repeating: -1, count: results.count * regimes.count * pairs)
        var leakage = [Double](repeating: .nan, count: results.count * regimes.count * pairs)
        for (r, rowSpectra) in spectra.enumerated() {
            for g in regimes.indices {
                for (i, flag) in rowSpectra[g].resolvable.enumerated() {
                    resolvable[(r * regimes.count + g) * pairs + i] = flag ? 1 : 0
                    leakage[(r * regimes.count + g) * pairs + i] = rowSpectra[g].leakage[i]
                }
            }
        }
        try container.writeVariable(
            "pair_resolvable", dimensions: ["config", "regime", "pair"], values: .int8(resolvable), units: "1",
            longName: "1 when the pair's frequency is one main-lobe half-width from DC, Nyquist and its neighbours (-1 = padding)")
        try container.writeVariable(
            "pair_leakage", dimensions: ["config", "regime", "pair"], values: .float64(leakage), units: "1",
            longName: "fraction of the windowed tone's power outside its main lobe")
        try container.writeVariable(
            "envelope_first_crossing", dimensions: ["config", "regime"],
            values: .float64(spectra.flatMap { $0.map { $0.firstCrossingDistance.map(Double.init) ?? .nan } }), units: "tokens",
            longName: "first distance where the kernel envelope falls below |K(0)|/e (NaN = none in window)")
        try container.writeVariable(
            "envelope_settling", dimensions: ["config", "regime"],
            values: .float64(spectra.flatMap { $0.map { $0.settlingDistance.map(Double.init) ?? .nan } }), units: "tokens",
            longName: "distance after which the kernel envelope stays below |K(0)|/e (NaN = none)")
        if let settings = results.first?.spectra?.first {
            try container.setAttribute("spectrum_fft_length_causal", .int64(Int64(settings.fftLength)))
        }
    }

    /// Writes singular values and summaries before and after scaling (when every row has them).
    static func writeConditioning(_ results: [SweepRowResult], to container: ArchiveContainer) throws {
        let conditioning = results.compactMap(\.conditioning)
        guard conditioning.count == results.count, !conditioning.isEmpty else { return }
        let regimes = RelativeDistanceRegime.allCases
        let columns = results.map { 2 * $0.row.setup.geometry.pairCount }.max() ?? 0
        try container.writeCoordinate("singular_index", values: .ints(Array(0..<columns)), units: "1",
                                      longName: "index of the singular value (descending)")
        for (suffix, pick) in [("", { (c: ConditioningComparison) in c.scaled }), ("_unscaled", { $0.unscaled })] {
            var values = [Double](repeating: .nan, count: results.count * regimes.count * columns)
            for (r, rows) in conditioning.enumerated() {
                for g in regimes.indices {
                    for (j, s) in pick(rows[g]).singularValues.enumerated() { values[(r * regimes.count + g) * columns + j] = s }
                }
            }
            let which = suffix.isEmpty ? "scaled theta'" : "unscaled theta"
            try container.writeVariable(
                "singular_values\(suffix)", dimensions: ["config", "regime", "singular_index"], values: .float64(values),
                units: "1", longName: "singular values of the [distance x 2*pairs] cos/sin feature matrix (\(which))")
            func summary(_ name: String, _ longName: String, _ value: (PositionFeatureConditioning) -> Double) throws {
                try container.writeVariable(
                    name + suffix, dimensions: ["config", "regime"],
                    values: .float64(conditioning.flatMap { $0.map { value(pick($0)) } }), units: "1", longName: "\(longName) (\(which))")
            }
            try summary("condition_number", "sigma_max/sigma_min as numpy.linalg.cond (huge when features are nearly dependent)") {
                $0.singularValueRatio
            }
            try summary("effective_rank", "exp(entropy of sigma/sum(sigma)) (Roy & Vetterli 2007)") { $0.effectiveRank }
            try summary("numerical_rank", "count of sigma > sigma_max*max(m,n)*eps") { Double($0.numericalRank) }
        }
        if let length = conditioning.first?.first?.scaled.length {
            try container.setAttribute("conditioning_length", .int64(Int64(length)))
        }
    }
}
