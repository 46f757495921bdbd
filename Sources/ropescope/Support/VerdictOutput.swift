import Foundation
import Validation

/// JSON of `validate --json`: `{"recommended": SPEC or null, "candidates": [{"spec", "rank", "passed",
/// "checks": [{"name", "kind", "passed", "value", "threshold", "reason", ...}]}]}` plus the problem,
/// thresholds in force and notes.
struct VerdictJSON: Encodable {
    struct Check: Encodable {
        var name: String
        var kind: String
        @EncodeNull var passed: Bool?
        var status: String
        @EncodeNull var value: Double?
        @EncodeNull var threshold: Double?
        var unit: String
        var reason: String
        var source: String
    }

    struct Candidate: Encodable {
        var spec: String
        var canonicalSpec: String
        var rank: Int
        var passed: Bool
        @EncodeNull var decidedBy: String?
        @EncodeNull var decision: String?
        @EncodeNull var effectiveBase: Double?
        var attentionFactor: Double
        var checks: [Check]
    }

    struct Problem: Encodable {
        var rotaryDimension: Int
        var base: Double
        var trainLength: Int
        var targetLength: Int
        var attention: String
        var criticalDimension: Int
    }

    @EncodeNull var recommended: String?
    var candidates: [Candidate]
    var problem: Problem
    var thresholds: [String: Double]
    var notes: [String]

    init(_ verdict: ValidationVerdict, notes: [String]) {
        recommended = verdict.recommended?.candidate.spec
        candidates = verdict.candidates.map { c in
            Candidate(spec: c.candidate.spec, canonicalSpec: c.candidate.canonicalSpec, rank: c.rank, passed: c.passed,
                      decidedBy: c.decidedBy, decision: c.decision,
                      effectiveBase: Output.finite(c.candidate.frequencies.effectiveBase),
                      attentionFactor: c.candidate.frequencies.attentionFactor,
                      checks: c.checks.map { check in
                          Check(name: check.name, kind: check.kind.rawValue, passed: check.passed, status: check.status.rawValue,
                                value: Output.finite(check.value), threshold: Output.finite(check.threshold), unit: check.unit,
                                reason: check.reason, source: check.source)
                      })
        }
        let p = verdict.problem
        problem = Problem(rotaryDimension: p.geometry.rotaryDimension, base: p.geometry.base, trainLength: p.trainLength,
                          targetLength: p.targetLength, attention: p.regime.rawValue, criticalDimension: p.criticalDimension)
        thresholds = Dictionary(uniqueKeysWithValues: ThresholdName.allCases.map { ($0.rawValue, verdict.thresholds.value($0, for: p)) })
        self.notes = notes
    }
}

/// The plain-text verdict: the recommendation first, the ranked table, then each failed check's reason.
enum VerdictTable {
    static func render(_ verdict: ValidationVerdict, notes: [String]) -> String {
        var lines = notes.map { "note: \($0)" }
        let p = verdict.problem
        lines.append("validate d=\(p.geometry.rotaryDimension) b=\(Output.number(p.geometry.base)) T_train=\(p.trainLength) "
            + "T_target=\(p.targetLength) attention=\(p.regime.rawValue) d_crit=\(p.criticalDimension)")
        if let best = verdict.recommended {
            lines.append("recommended: \(best.candidate.spec) (passes every check)")
        } else {
            lines.append("recommended: none — no candidate passes every check")
        }
        lines.append("")
        let names = verdict.candidates.first?.checks.filter { $0.status != .skipped || $0.kind == .analytic }.map(\.name) ?? []
        var table = TextTable(["rank", "spec", "verdict"] + names + ["decided_by"])
        for c in verdict.candidates {
            let cells = names.map { name -> String in
                guard let check = c.check(name) else { return "" }
                switch check.status {
                case .passed: return "ok"
                case .failed: return "FAIL"
                case .skipped: return "-"
                }
            }
            table.add(["\(c.rank)", c.candidate.spec, c.passed ? "pass" : "fail"] + cells + [c.decidedBy ?? ""])
        }
        lines.append(table.render())
        for c in verdict.candidates where !c.passed {
            lines.append("")
            lines.append("\(c.candidate.spec):")
            for check in c.failures { lines.append("  \(check.name): \(check.reason)") }
        }
        let skipped = verdict.candidates.first?.checks.filter { $0.status == .skipped } ?? []
        if !skipped.isEmpty {
            lines.append("")
            lines.append("skipped: " + skipped.map { "\($0.name) (\($0.reason.replacingOccurrences(of: "skipped: ", with: "")))" }
                .joined(separator: "; "))
        }
        return lines.joined(separator: "\n")
    }
}
