import RoPE
import TensorArchive

extension AnalysisArchive {
    /// Writes a `scale` recommendation: one entry per regime along `regime`.
    public static func writeScale(_ recommendation: ScaleRecommendation, geometry: RotaryGeometry,
                                  to container: ArchiveContainer) throws {
        let rules = recommendation.rules
        try container.writeCoordinate("regime", values: .strings(rules.map(\.regime.rawValue)), units: "1",
                                      longName: "relative-distance regime (causal [0,T], bidirectional [-T,T])")
        try container.writeVariable("spec", dimensions: ["regime"], values: .strings(rules.map(\.spec)), units: "1",
                                    longName: "spec reproducing the recommendation")
        try container.writeVariable("critical_dimension", dimensions: ["regime"],
                                    values: .int32(rules.map { Int32($0.result.criticalDimension) }), units: "1",
                                    longName: "critical dimension 2*ceil((d/2)*log_b(T_cap/(2*pi)))")
        try container.writeVariable("exact_scaling_factor", dimensions: ["regime"],
                                    values: .float64(rules.map(\.result.exactScalingFactor)), units: "1",
                                    longName: "lambda = (T_Ecap/(2*pi))^(d/d_crit)/b")
        try container.writeVariable("scaling_factor", dimensions: ["regime"],
                                    values: .float64(rules.map(\.result.scalingFactor)), units: "1",
                                    longName: "lambda applied (rounded up when requested)")
        try container.writeVariable("new_base", dimensions: ["regime"], values: .float64(rules.map(\.base)), units: "1",
                                    longName: "recommended RoPE base b*lambda")
        try container.writeVariable("captured_length", dimensions: ["regime"],
                                    values: .float64(rules.map(\.result.capturedLength)), units: "tokens",
                                    longName: "T_cap = m*T_train")
        try container.writeVariable("extended_length", dimensions: ["regime"],
                                    values: .float64(rules.map(\.result.extendedLength)), units: "tokens",
                                    longName: "T_Ecap = m*T_target")
        try container.setAttribute("rotary_dimension", .int64(Int64(geometry.rotaryDimension)))
        try container.setAttribute("base", .double(geometry.base))
        try container.setAttribute("length_ratio", .double(recommendation.lengthRatio))
    }
}
