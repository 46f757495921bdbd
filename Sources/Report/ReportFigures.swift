import Foundation
import RoPE
import Validation

/// The report's figures, drawn from the verdict's analyzer results (the same arrays the JSON and
/// HDF5 outputs hold), one function per figure.
enum ReportFigures {
    static func style(_ index: Int) -> (color: String, dash: String) {
        (LinePlot.palette[index % LinePlot.palette.count], LinePlot.dashes[(index + 1) % LinePlot.dashes.count])
    }

    /// Wavelength λ'_i per pair, trained and each candidate, with T_train, T_target and the critical pair.
    static func wavelength(_ verdict: ValidationVerdict) -> LinePlot {
        let p = verdict.problem
        let pairs = (0..<p.geometry.pairCount).map(Double.init)
        var series = [PlotSeries(label: "trained θ (b = \(Markup.number(p.geometry.base)))", x: pairs,
                                 y: RoPE.wavelength(inverseFrequency: verdict.reference.inverseFrequency), color: "#000000", width: 2.5)]
        for (index, c) in verdict.candidates.enumerated() {
            let s = style(index)
            series.append(PlotSeries(label: c.candidate.spec, x: pairs, y: c.candidate.frequencies.wavelength, color: s.color, dash: s.dash))
        }
        let m = p.rangeMultiplier
        var markers = [PlotMarker(.horizontal, at: Double(p.trainLength), label: "T_train = \(p.trainLength)"),
                       PlotMarker(.horizontal, at: Double(p.targetLength), label: "T_target = \(p.targetLength)"),
                       PlotMarker(.vertical, at: Double(p.criticalDimension / 2), label: "critical pair \(p.criticalDimension / 2)")]
        if m != 1 {
            markers.append(PlotMarker(.horizontal, at: m * Double(p.targetLength), label: "2·T_target (bidirectional span)"))
        }
        return LinePlot(
            id: "fig-wavelength", title: "Wavelength per pair: trained and each candidate",
            description: "Line plot of the wavelength 2π/θ'_i in tokens (log scale) against the pair index i for the trained "
                + "frequencies and \(verdict.candidates.count) candidates. Horizontal lines mark T_train = \(p.trainLength) and "
                + "T_target = \(p.targetLength); the vertical line marks the critical pair \(p.criticalDimension / 2). A candidate "
                + "passes the critical-pair bound when its wavelength at the critical pair reaches m·T_target.",
            xAxis: PlotAxis(label: "pair index i", range: 0...Double(max(1, p.geometry.pairCount - 1))),
            yAxis: PlotAxis(label: "wavelength λ'_i (tokens, log scale)", scale: .log10), series: series, markers: markers)
    }

    /// Target/trained angle span per pair and candidate for one regime; pairs that completed a
    /// period in training are hatched.
    static func coverage(_ verdict: ValidationVerdict, regime: RelativeDistanceRegime) -> Heatmap {
        let p = verdict.problem
        let critical = verdict.candidates.first?.analysis.coverage[regime].criticalDimension ?? 0
        let values: [[Double?]] = verdict.candidates.map { c in
            let r = c.analysis.coverage[regime]
            return (0..<p.geometry.pairCount).map { i in
                r.training.angleSpan[i] >= 2 * Double.pi ? nil : Foundation.log2(max(r.outOfRange.spanRatio[i], 1e-12))
            }
        }
        let span = regime == .causal ? "[0, T]" : "[−T, T]"
        return Heatmap(
            id: "fig-coverage-\(regime.rawValue)", title: "\(regime == .causal ? "Causal" : "Bidirectional") coverage \(span): "
                + "target / trained angle span",
            description: "Heatmap with one row per candidate and one column per pair. Colour is log2 of the angle span at "
                + "T_target divided by the span trained at T_train under \(regime.rawValue) attention \(span); red cells "
                + "are pairs pushed past the angles seen in training, blue cells stay inside them, hatched cells completed a "
                + "full period in training. The dashed line marks the critical pair \(critical / 2) (d_crit = \(critical)).",
            rows: verdict.candidates.map(\.candidate.spec), columnLabel: "pair index i", values: values,
            scaleLabel: "log2(target span / trained span)", range: -3...3, centre: 0,
            missingLabel: "full period seen in training", columnMarkers: [(critical / 2, "critical pair \(critical / 2)")],
            lowMeaning: "inside the trained range", highMeaning: "out of the trained range")
    }

    /// Upper envelope of the relative-position kernel: trained over T_train, candidates over T_target.
    static func envelope(_ verdict: ValidationVerdict) -> LinePlot {
        let p = verdict.problem
        let trained = verdict.reference.envelope
        var series = [PlotSeries(label: "trained θ over T_train", x: trained.distance.map(Double.init), y: trained.upperEnvelope,
                                 color: "#000000", width: 2.5)]
        for (index, c) in verdict.candidates.enumerated() {
            let s = style(index)
            series.append(PlotSeries(label: "\(c.candidate.spec) over T_target", x: c.analysis.envelope.distance.map(Double.init),
                                     y: c.analysis.envelope.upperEnvelope, color: s.color, dash: s.dash))
        }
        return LinePlot(
            id: "fig-envelope", title: "Kernel envelope of K(Δ) = (2/d)·Σ cos(θ'_i Δ)",
            description: "Line plot of the upper analytic-signal envelope of the relative-position kernel against the distance "
                + "Δ in tokens (log scale), for the trained frequencies over T_train and each candidate over T_target, "
                + "\(p.regime.rawValue) window. The horizontal line at 1/e marks where the kernel has decayed; the vertical "
                + "lines mark T_train and T_target.",
            xAxis: PlotAxis(label: "relative distance Δ (tokens, log scale)", scale: .log10),
            yAxis: PlotAxis(label: "envelope U(Δ), K(0) = 1", range: 0...1.05), series: series,
            markers: [PlotMarker(.horizontal, at: Foundation.exp(-1), label: "1/e"),
                      PlotMarker(.vertical, at: Double(p.trainLength), label: "T_train"),
                      PlotMarker(.vertical, at: Double(p.targetLength), label: "T_target")])
    }

    /// NLL by window position, when the empirical checks ran.
    static func nllByPosition(_ curves: [PositionCurve], problem: ValidationProblem) -> LinePlot? {
        guard !curves.isEmpty else { return nil }
        let series = curves.enumerated().map { index, curve -> PlotSeries in
            let s = index == 0 ? (color: "#000000", dash: "") : style(index - 1)
            return PlotSeries(label: curve.label, x: curve.position, y: curve.meanNLL, color: s.color, dash: s.dash)
        }
        return LinePlot(
            id: "fig-nll-position", title: "NLL by position in the window",
            description: "Line plot of the mean negative log-likelihood in nats per token against the position in the window, "
                + "in equal bins, for the model's own scaling on T_train windows and each probed candidate on T_target "
                + "windows. The vertical line marks T_train = \(problem.trainLength); a rise after it is a late-window blow-up.",
            xAxis: PlotAxis(label: "position in window (tokens)"), yAxis: PlotAxis(label: "mean NLL (nats/token)"),
            series: series, markers: [PlotMarker(.vertical, at: Double(problem.trainLength), label: "T_train")])
    }

    /// Passkey exact-match fraction per candidate × depth (rows) and length (columns), when probed.
    static func passkey(_ maps: [PasskeyHeatmap], problem: ValidationProblem) -> Heatmap? {
        guard !maps.isEmpty else { return nil }
        var rows: [String] = [], values: [[Double?]] = [], logs: [String] = []
        for map in maps {
            let columns = map.lengths.count
            for (k, depth) in map.depths.enumerated() {
                rows.append("\(map.label), depth \(Markup.number(depth, digits: 2))")
                let cells = (0..<columns).map { map.exactMatch[k * columns + $0] }
                values.append(cells.map { $0.isFinite ? $0 : nil })
                logs.append((0..<columns).map { Markup.number(map.logProbability[k * columns + $0], digits: 3) }.joined(separator: " → "))
            }
        }
        return Heatmap(
            id: "fig-passkey", title: "Passkey retrieval: exact match by depth and length",
            description: "Heatmap with one row per candidate and needle depth and two columns: column 0 is the prompt length "
                + "T_train = \(problem.trainLength), column 1 is T_target = \(problem.targetLength). Colour is the fraction of "
                + "trials whose greedy answer is the key exactly (blue 0, red 1). Mean log p(key) in nats, T_train → T_target, "
                + "row by row: " + logs.joined(separator: "; ") + ".",
            rows: rows, columnLabel: "prompt length: 0 = T_train (\(problem.trainLength)), 1 = T_target (\(problem.targetLength))",
            values: values, scaleLabel: "exact-match fraction", range: 0...1, centre: 0.5, missingLabel: "not run",
            columnMarkers: [], lowMeaning: "key not retrieved", highMeaning: "key retrieved")
    }

    /// Mean local attention mass: the trained run at T_train joined to each candidate at T_target.
    static func localMass(_ points: [LocalMassPoint], problem: ValidationProblem, window: Int) -> LinePlot? {
        guard let trained = points.first, points.count > 1 else { return nil }
        let series = points.dropFirst().enumerated().map { index, point -> PlotSeries in
            let s = style(index)
            return PlotSeries(label: point.label, x: [Double(trained.length), Double(point.length)],
                              y: [trained.localMass, point.localMass], color: s.color, dash: s.dash)
        }
        let top = min(1, max(0.05, (points.map(\.localMass).max() ?? 1) * 1.2))
        return LinePlot(
            id: "fig-local-mass", title: "Attention local mass (within \(window) tokens): T_train → T_target",
            description: "Line plot of the mean attention probability within the last \(window) tokens, averaged over layers, "
                + "heads and query rows, against the window length in tokens: the trained scaling at T_train = "
                + "\(problem.trainLength) (\(Markup.number(trained.localMass, digits: 4))) joined to each candidate at T_target = "
                + "\(problem.targetLength) ("
                + points.dropFirst().map { "\($0.label) \(Markup.number($0.localMass, digits: 4))" }.joined(separator: ", ")
                + "). A rise means attention shifted toward local tokens.",
            xAxis: PlotAxis(label: "window length (tokens)"), yAxis: PlotAxis(label: "mean local mass (probability)", range: 0...top),
            series: series, markers: [PlotMarker(.vertical, at: Double(problem.trainLength), label: "T_train")])
    }
}
