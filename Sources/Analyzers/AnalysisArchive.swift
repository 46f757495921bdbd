import Foundation
import RoPE
import TensorArchive

/// The HDF5 (netCDF-4) layout of analyzer results: one row per scaling choice along dimension
/// `config`, so `rope`, `coverage` and `sweep` files share one schema.
///
/// Dimensions and coordinates: `config` (row index), `pair` (pair index i, padded to the largest
/// d/2 of the file; padded entries are NaN, or −1 in int8 flags), `regime` ("causal",
/// "bidirectional"). Per-row label variables: `spec`, `method`, `factor`, `rotary_dimension`,
/// `base`, `train_length`, `target_length`.
public enum AnalysisArchive {
    /// Writes every row's pair table and coverage into `container`.
    public static func writeRows(_ results: [SweepRowResult], to container: ArchiveContainer) throws {
        let rows = results.count
        let pairs = results.map { $0.row.setup.geometry.pairCount }.max() ?? 0
        let regimes = RelativeDistanceRegime.allCases
        try container.writeCoordinate("config", values: .ints(Array(0..<rows)), units: "1", longName: "sweep row index")
        try container.writeCoordinate("pair", values: .ints(Array(0..<pairs)), units: "1", longName: "rotary pair index i")
        try container.writeCoordinate("regime", values: .strings(regimes.map(\.rawValue)), units: "1",
                                      longName: "relative-distance regime (causal [0,T], bidirectional [-T,T])")

        try labels(results, to: container)

        func perPair(_ name: String, units: String, longName: String, _ value: (SweepRowResult) -> [Double]) throws {
            var values = [Double](repeating: .nan, count: rows * pairs)
            for (r, result) in results.enumerated() {
                for (i, v) in value(result).enumerated() { values[r * pairs + i] = v }
            }
            try container.writeVariable(name, dimensions: ["config", "pair"], values: .float64(values), units: units, longName: longName)
        }
        try perPair("base_inverse_frequency", units: "rad/token", longName: "unscaled inverse frequency theta_i = b^(-2i/d)") {
            $0.table.baseInverseFrequency
        }
        try perPair("inverse_frequency", units: "rad/token", longName: "scaled inverse frequency theta'_i") { $0.table.inverseFrequency }
        try perPair("wavelength", units: "tokens", longName: "scaled wavelength 2*pi/theta'_i") { $0.table.wavelength }
        try perPair("rotations_train", units: "1", longName: "rotations of the unscaled pair within T_train") {
            $0.table.rotationsInTrainLength
        }
        try perPair("rotations_target", units: "1", longName: "rotations of the scaled pair within T_target") {
            $0.table.rotationsInTargetLength
        }

        func perRegimePair(_ name: String, units: String, longName: String,
                           _ value: (CoverageAnalysis.Regime) -> [Double]) throws {
            var values = [Double](repeating: .nan, count: rows * regimes.count * pairs)
            for (r, result) in results.enumerated() {
                for (g, regime) in regimes.enumerated() {
                    for (i, v) in value(result.coverage[regime]).enumerated() { values[(r * regimes.count + g) * pairs + i] = v }
                }
            }
            try container.writeVariable(name, dimensions: ["config", "regime", "pair"], values: .float64(values),
                                        units: units, longName: longName)
        }
        try perRegimePair("period_fraction_train", units: "1",
                          longName: "fraction of a full period covered in training, min(1, m*T_train*theta_i/(2*pi))") {
            $0.training.periodFraction
        }
        try perRegimePair("period_fraction_target", units: "1",
                          longName: "fraction of a full period covered at the target, min(1, m*T_target*theta'_i/(2*pi))") {
            $0.target.periodFraction
        }
        try perRegimePair("excess_angle", units: "rad", longName: "target angle span beyond the span seen in training") {
            $0.outOfRange.excessAngle
        }
        var flags = [Int8](repeating: -1, count: rows * regimes.count * pairs)
        for (r, result) in results.enumerated() {
            for (g, regime) in regimes.enumerated() {
                for (i, out) in result.coverage[regime].outOfRange.outOfRange.enumerated() {
                    flags[(r * regimes.count + g) * pairs + i] = out ? 1 : 0
                }
            }
        }
        try container.writeVariable(
            "out_of_range", dimensions: ["config", "regime", "pair"], values: .int8(flags), units: "1",
            longName: "1 when the pair reaches angles never seen in training (-1 = padding beyond d/2)")

        func perRegime(_ name: String, units: String, longName: String, _ value: (CoverageAnalysis.Regime) -> Double) throws {
            let values = results.flatMap { result in regimes.map { value(result.coverage[$0]) } }
            try container.writeVariable(name, dimensions: ["config", "regime"], values: .float64(values), units: units, longName: longName)
        }
        try perRegime("out_of_range_fraction", units: "1", longName: "fraction of pairs out of range") {
            $0.outOfRange.outOfRangeFraction
        }
        try perRegime("worst_excess_angle", units: "rad", longName: "largest excess angle over pairs") { $0.outOfRange.worstExcessAngle }
        try perRegime("worst_span_ratio", units: "1", longName: "largest target/train angle-span ratio among out-of-range pairs") {
            $0.outOfRange.worstSpanRatio
        }
        try perRegime("extrapolation_bound", units: "tokens",
                      longName: "T_extra = 2*pi/(m*theta'_c), c = d_crit/2 (NaN when every pair is covered)") {
            $0.extrapolationBound ?? .nan
        }
        let critical = results.flatMap { result in regimes.map { Int32(result.coverage[$0].criticalDimension) } }
        try container.writeVariable(
            "critical_dimension", dimensions: ["config", "regime"], values: .int32(critical), units: "1",
            longName: "critical dimension 2*ceil((d/2)*log_b(m*T_train/(2*pi)))")
        try writeSpectra(results, pairs: pairs, to: container)
        try writeConditioning(results, to: container)
    }

    private static func labels(_ results: [SweepRowResult], to container: ArchiveContainer) throws {
        try container.writeVariable("spec", dimensions: ["config"], values: .strings(results.map(\.row.spec)),
                                    units: "1", longName: "canonical RoPE spec of the row")
        try container.writeVariable("method", dimensions: ["config"], values: .strings(results.map(\.row.method.rawValue)),
                                    units: "1", longName: "RoPE scaling method")
        try container.writeVariable("factor", dimensions: ["config"], values: .float64(results.map { $0.row.factor ?? .nan }),
                                    units: "1", longName: "factor applied to the method template (NaN when none)")
        try container.writeVariable("rotary_dimension", dimensions: ["config"],
                                    values: .int32(results.map { Int32($0.row.setup.geometry.rotaryDimension) }),
                                    units: "1", longName: "rotary dimension d")
        try container.writeVariable("base", dimensions: ["config"], values: .float64(results.map(\.row.setup.geometry.base)),
                                    units: "1", longName: "unscaled RoPE base b")
        try container.writeVariable("train_length", dimensions: ["config"], values: .ints(results.map(\.row.setup.trainLength)),
                                    units: "tokens", longName: "training context T_train")
        try container.writeVariable("target_length", dimensions: ["config"], values: .ints(results.map(\.row.setup.targetLength)),
                                    units: "tokens", longName: "target context T_target")
        try container.writeVariable("attention_factor", dimensions: ["config"],
                                    values: .float64(results.map(\.table.frequencies.attentionFactor)),
                                    units: "1", longName: "multiplier on cos and sin (logits scale by its square)")
        try container.writeVariable("effective_base", dimensions: ["config"],
                                    values: .float64(results.map { $0.table.frequencies.effectiveBase ?? .nan }),
                                    units: "1", longName: "single base b' when the scaling has one (NaN otherwise)")
        try container.writeVariable("scaling_factor", dimensions: ["config"],
                                    values: .float64(results.map { $0.table.frequencies.criticalRule?.scalingFactor ?? .nan }),
                                    units: "1", longName: "base multiplier lambda of critical-ntk/diffusion-ntk (NaN otherwise)")
    }
}
