import Foundation
import RoPE
import Validation

/// The `validate --report` page: one self-contained HTML file (no scripts, fonts, images or
/// network), the verdict first, then every check with its rule, a table of every candidate's
/// value and reason, and an inline SVG figure drawn by ropescope; print-friendly CSS.
public struct ValidationReport {
    public let verdict: ValidationVerdict
    public let notes: [String]
    public let curves: [PositionCurve]
    /// Passkey grids and local-mass points when those probes ran (empty otherwise).
    public let passkey: [PasskeyHeatmap]
    public let localMass: [LocalMassPoint]
    public let title: String
    public let commandLine: String

    public init(verdict: ValidationVerdict, notes: [String], curves: [PositionCurve], passkey: [PasskeyHeatmap] = [],
                localMass: [LocalMassPoint] = [], title: String, commandLine: String) {
        self.verdict = verdict
        self.notes = notes
        self.curves = curves
        self.passkey = passkey
        self.localMass = localMass
        self.title = title
        self.commandLine = commandLine
    }

    /// Ids of the figures the page holds, in order.
    public var figureIDs: [String] {
        ["fig-wavelength", "fig-coverage-causal", "fig-coverage-bidirectional", "fig-envelope"]
            + (curves.isEmpty ? [] : ["fig-nll-position"]) + (passkey.isEmpty ? [] : ["fig-passkey"])
            + (localMass.count > 1 ? ["fig-local-mass"] : [])
    }

    public func html() -> String {
        let e = Markup.escape
        let p = verdict.problem
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>ropescope validate: \(e(title))</title>\n"
            + "<style>\n\(Self.css)</style>\n</head>\n<body>\n<main>\n"
        out += "<h1>RoPE pre-flight check</h1>\n<p class=\"subtitle\">\(e(title))</p>\n"
        out += verdictSection()
        out += "<section id=\"problem\">\n<h2>Setting</h2>\n<table class=\"facts\"><tbody>\n"
        let facts: [(String, String)] = [
            ("rotary dimension d", "\(p.geometry.rotaryDimension) (\(p.geometry.pairCount) pairs)"),
            ("base b", Markup.number(p.geometry.base)), ("trained length T_train", "\(p.trainLength) tokens"),
            ("target length T_target", "\(p.targetLength) tokens (×\(Markup.number(p.lengthRatio, digits: 4)))"),
            ("attention", p.regime == .causal ? "causal: distances [0, T]" : "bidirectional: distances [−T, T]"),
            ("critical dimension d_crit(m)", "\(p.criticalDimension) (critical pair \(p.criticalDimension / 2))"),
        ]
        for (name, value) in facts { out += "<tr><th scope=\"row\">\(e(name))</th><td>\(e(value))</td></tr>\n" }
        out += "</tbody></table>\n"
        out += "<table class=\"candidates\">\n<caption>Candidates as resolved (canonical spec, single base b' where the "
            + "method has one, attention factor on cos/sin)</caption>\n<thead><tr><th scope=\"col\">candidate</th>"
            + "<th scope=\"col\">canonical spec</th><th scope=\"col\">base b'</th><th scope=\"col\">attention factor</th></tr></thead>\n<tbody>\n"
        for c in verdict.candidates {
            let f = c.candidate.frequencies
            out += "<tr><td><code>\(e(c.candidate.spec))</code></td><td><code>\(e(c.candidate.canonicalSpec))</code></td>"
                + "<td>\(f.effectiveBase.map { e(Markup.number($0, digits: 5)) } ?? "per-pair")</td>"
                + "<td>\(e(Markup.number(f.attentionFactor, digits: 4)))</td></tr>\n"
        }
        out += "</tbody></table>\n</section>\n"
        out += checkSection("critical-pair-bound", "Extrapolation bound of the critical pair",
                            "The critical pair c = d_crit/2 is the first pair that did not complete a full period in training. "
                                + "Its scaled period bounds the context the model can extrapolate to: T_extra = 2π/(m·θ'_c), "
                                + "m = 1 causal, 2 bidirectional (Liu et al., arXiv 2310.05209). A candidate passes when T_extra "
                                + "reaches T_target; a bound equal to T_target is the critical-dimension rule's design point.",
                            figure: ReportFigures.wavelength(verdict).svg())
        out += checkSection("out-of-range-pairs", "Pairs pushed out of the trained angle range",
                            "A pair that never completed a period in training has only seen angles up to m·T_train·θ_i. At the "
                                + "target it sees m·T_target·θ'_i. The check takes the worst ratio of the two over the "
                                + "out-of-range pairs; the default tolerance is one pair step b^(2/d), the quantisation of d_crit. "
                                + "Both regimes are drawn: bidirectional attention doubles the span (UltraLLaDA, arXiv 2510.10481).",
                            figure: ReportFigures.coverage(verdict, regime: .causal).svg() + "\n"
                                + ReportFigures.coverage(verdict, regime: .bidirectional).svg())
        out += checkSection("high-frequency-resolution", "Short-range resolution",
                            "The fastest pair rotates θ_0 = 1 rad per token and tells neighbouring tokens apart. Position "
                                + "interpolation divides every θ by s, so neighbours become s times closer in angle; NTK-style "
                                + "and YaRN scalings keep the fast pairs. The check is θ'_0/θ_0 ≥ the threshold.", figure: nil)
        out += checkSection("resolvable-pairs", "Kernel envelope and resolvable pairs",
                            "The relative-position kernel K(Δ) = (2/d)·Σ cos(θ'_i Δ) summarises what the rotations let attention "
                                + "see at distance Δ. The check counts the pairs a hann-windowed spectrum over the target window "
                                + "separates (from DC, Nyquist and each other) and requires at least as many as the trained window had.",
                            figure: ReportFigures.envelope(verdict).svg())
        out += checkSection("feature-conditioning", "Conditioning of the position features",
                            "The cos/sin features of every distance in the window form a matrix whose numerical rank counts the "
                                + "independent directions positions occupy. A scaling that slows many pairs too much over the "
                                + "target window merges them numerically; the check requires the trained window's rank.", figure: nil)
        let nll = ReportFigures.nllByPosition(curves, problem: p)?.svg()
        out += checkSection("perplexity-at-target", "Perplexity at the target length",
                            "Runs the model (score protocol) on the text: mean NLL at T_target under each candidate against the "
                                + "model's own scaling at T_train.", figure: nil)
        out += checkSection("late-window-nll", "NLL by position: late-window blow-up",
                            "Within the T_target windows, positions past T_train must not average a higher NLL than "
                                + "positions [T_train/2, T_train).", figure: nll)
        out += checkSection("passkey", "Passkey retrieval",
                            "A five-digit key is hidden at a few depths of a filler haystack; prompts of T_train and T_target "
                                + "tokens are scored under the candidate (the same keys at both lengths). The check compares the "
                                + "mean teacher-forced log p(key) at T_target with that at T_train (graded, so small models that "
                                + "rarely retrieve the key exactly still give a signal): the drop must stay within "
                                + "passkey-logprob-drop nats. Exact-match fractions are drawn and stated.",
                            figure: ReportFigures.passkey(passkey, problem: p)?.svg())
        out += checkSection("attention-local-mass", "Attention local-mass shift",
                            "The mean attention probability on the last w = \(ProbeChecks.localWindow(trainLength: p.trainLength)) "
                                + "tokens (averaged over layers × heads × rows) at T_target under the candidate, against the "
                                + "trained scaling at T_train; a rise larger than local-mass-increase is the 'local perception' "
                                + "bias of extended RoPE (attention collapsing onto nearby tokens).",
                            figure: ReportFigures.localMass(localMass, problem: p,
                                                            window: ProbeChecks.localWindow(trainLength: p.trainLength))?.svg())
        out += "<section id=\"provenance\">\n<h2>Provenance</h2>\n"
        if !notes.isEmpty { out += "<ul>\n" + notes.map { "<li>\(e($0))</li>\n" }.joined() + "</ul>\n" }
        out += "<p>Command: <code>\(e(commandLine))</code></p>\n<p>Thresholds in force: "
            + ThresholdName.allCases.map { "<code>\($0.rawValue)=\(Markup.number(verdict.thresholds.value($0, for: p)))</code>" }
                .joined(separator: ", ") + ".</p>\n</section>\n</main>\n</body>\n</html>\n"
        return out
    }

    private func verdictSection() -> String {
        let e = Markup.escape
        var out = "<section id=\"verdict\">\n<h2>Verdict</h2>\n"
        if let best = verdict.recommended {
            out += "<p class=\"banner pass\">Recommended: <strong>\(e(best.candidate.spec))</strong> passes every check.</p>\n"
        } else {
            out += "<p class=\"banner fail\">No candidate passes every check.</p>\n"
        }
        let decisions = verdict.candidates.compactMap { c in c.decision.map { (c, $0) } }
        if !decisions.isEmpty {
            out += "<p>What decided the order:</p>\n<ol class=\"decisions\">\n"
            for (c, decision) in decisions {
                out += "<li><code>\(e(c.candidate.spec))</code> above the next: \(e(decision)).</li>\n"
            }
            out += "</ol>\n"
        }
        let names = verdict.candidates.first?.checks.map(\.name) ?? []
        out += "<table class=\"ranking\">\n<caption>Candidates ranked (ok = passed, FAIL = failed, – = skipped)</caption>\n<thead><tr>"
            + "<th scope=\"col\">rank</th><th scope=\"col\">candidate</th><th scope=\"col\">verdict</th>"
            + names.map { "<th scope=\"col\">\(e($0))</th>" }.joined() + "<th scope=\"col\">ranked above the next by</th></tr></thead>\n<tbody>\n"
        for c in verdict.candidates {
            out += "<tr><td>\(c.rank)</td><td><code>\(e(c.candidate.spec))</code></td>"
                + "<td class=\"\(c.passed ? "pass" : "fail")\">\(c.passed ? "pass" : "fail")</td>"
            for name in names {
                let check = c.check(name)
                let (text, cls) = check.map { check -> (String, String) in
                    switch check.status {
                    case .passed: return ("ok", "pass")
                    case .failed: return ("FAIL", "fail")
                    case .skipped: return ("–", "skip")
                    }
                } ?? ("", "skip")
                out += "<td class=\"\(cls)\">\(text)</td>"
            }
            out += "<td>\(e(c.decidedBy ?? ""))</td></tr>\n"
        }
        out += "</tbody>\n</table>\n"
        for c in verdict.candidates where !c.passed {
            out += "<p class=\"why\"><code>\(e(c.candidate.spec))</code> fails: "
                + c.failures.map { "<strong>\(e($0.name))</strong>: \(e($0.reason))" }.joined(separator: "; ") + ".</p>\n"
        }
        return out + "</section>\n"
    }

    private func checkSection(_ name: String, _ heading: String, _ explanation: String, figure: String?) -> String {
        let e = Markup.escape
        var out = "<section id=\"check-\(name)\" class=\"check\">\n<h2>\(e(heading)) <code>\(e(name))</code></h2>\n<p>\(e(explanation))</p>\n"
        if let first = verdict.candidates.first?.check(name) { out += "<p class=\"source\">Source: \(e(first.source)).</p>\n" }
        out += "<table class=\"checks\">\n<thead><tr><th scope=\"col\">candidate</th><th scope=\"col\">result</th>"
            + "<th scope=\"col\">value</th><th scope=\"col\">threshold</th><th scope=\"col\">reason</th></tr></thead>\n<tbody>\n"
        for c in verdict.candidates {
            guard let check = c.check(name) else { continue }
            let unit = check.unit
            out += "<tr><td><code>\(e(c.candidate.spec))</code></td><td class=\"\(check.status == .passed ? "pass" : (check.status == .failed ? "fail" : "skip"))\">"
                + "\(check.status.rawValue)</td><td>\(check.value.map { e(Markup.number($0, digits: 5) + " " + unit) } ?? "–")</td>"
                + "<td>\(check.threshold.map { e(Markup.number($0, digits: 5) + " " + unit) } ?? "–")</td><td>\(e(check.reason))</td></tr>\n"
        }
        out += "</tbody>\n</table>\n"
        if let figure { out += "<figure>\n\(figure)\n</figure>\n" }
        return out + "</section>\n"
    }

    static let css = """
        body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111; background: #fff; margin: 0; }
        main { max-width: 1000px; margin: 0 auto; padding: 16px 24px 48px; }
        h1 { font-size: 26px; margin: 8px 0 0; }
        h2 { font-size: 19px; border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 28px; }
        .subtitle { color: #444; margin-top: 4px; }
        .banner { font-size: 20px; padding: 10px 14px; border-radius: 4px; border: 2px solid; }
        .banner.pass { background: #e6f4ea; border-color: #1e7b34; }
        .banner.fail { background: #fde8e8; border-color: #a61b1b; }
        table { border-collapse: collapse; margin: 10px 0; font-size: 13px; }
        th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
        thead th { background: #f0f0f0; }
        caption { text-align: left; font-size: 12px; color: #444; padding-bottom: 4px; }
        td.pass { color: #1e7b34; font-weight: bold; }
        td.fail { color: #a61b1b; font-weight: bold; }
        td.skip { color: #777; }
        table.checks td:last-child { max-width: 520px; }
        table.ranking { width: 100%; font-size: 12px; }
        table.ranking th { overflow-wrap: break-word; }
        code { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 12px; }
        .source { font-size: 12px; color: #444; }
        figure { margin: 12px 0; }
        svg.figure-svg { display: block; max-width: 100%; height: auto; margin: 8px 0; }
        @media print {
          main { max-width: none; padding: 0; }
          h2 { break-after: avoid; }
          figure, svg.figure-svg, table.ranking, .banner { break-inside: avoid; }
          .banner { border-width: 3px; }
          td.pass, td.fail { color: #000; }
          a { color: #000; }
        }

        """
}
