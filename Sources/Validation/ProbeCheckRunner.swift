import Foundation
import Inference
import Probes
import RoPE

/// What `passkey` and `attention-local-mass` measured.
struct ProbeCheckOutcome {
    var checks: [String: [CheckResult]] = [:]
    var heatmaps: [PasskeyHeatmap] = []
    var localMass: [LocalMassPoint] = []
    var notes: [String] = []
}

extension EmpiricalRunner {
    /// Runs `attention-local-mass` (a third of `seconds`) and `passkey` (the rest) for `candidates`,
    /// best-ranked first. Costs from the calibrated forward pass: attention = one window at
    /// T_train (trained scaling) + one at T_target per candidate; passkey = (depths × trials)
    /// prompts at T_train and at T_target per candidate (×4: prefill, greedy answer steps and the teacher-forced rescoring; measured ≈ 6 s per trial pair on SmolLM2-135M at 128/256 tokens on 2 loaded cores).
    /// What the budget does not buy is skipped with the seconds it would need.
    func probeChecks(problem: ValidationProblem, candidates: [ValidationCandidate], thresholds: ValidationThresholds,
                     seconds: Double, trainPass: Double, targetPass: Double,
                     progress: (String) -> Void) throws -> ProbeCheckOutcome {
        var outcome = ProbeCheckOutcome()
        let (train, target) = (problem.trainLength, problem.targetLength)
        func skip(_ spec: String, _ name: String, _ reason: String) {
            let check = CheckResult.skipped(name, kind: .empirical, unit: EmpiricalChecks.unit(name), reason: "skipped: \(reason)",
                                            source: EmpiricalChecks.source(name))
            outcome.checks[spec, default: []].append(check)
        }
        // attention-local-mass
        let window = ProbeChecks.localWindow(trainLength: train)
        let attentionBudget = seconds / 3
        let fits = ((attentionBudget - trainPass) / max(targetPass, 1e-9)).rounded(.down)
        let attentionRuns = fits.isFinite ? Int(max(0, min(Double(candidates.count), fits))) : 0
        if attentionRuns > 0 {
            let layout = try AttentionProfileLayout(distanceEdges: AttentionProfileLayout.logDistanceEdges(maximumLength: target),
                                                    sinkTokens: 0, localWindow: window)
            let running = candidates.prefix(attentionRuns)
            let definition = AttentionProfileGridDefinition(
                modelSHA256: "not computed (validate)", text: GridText(label: "text", sha256: "", tokenCount: tokens.count),
                specs: [GridSpec(label: "trained", source: .declared)]
                    + running.map { GridSpec(label: $0.canonicalSpec, source: .user($0.canonicalSpec)) },
                contextLengths: [train, target], attentions: [attention], layout: layout, maximumWindows: 1)
            let runner = AttentionProfileRunner(context: context, definition: definition, tokens: tokens)
            progress("attention profile at \(train)")
            let base = try runner.run(AttentionCellKey(spec: 0, length: 0, attention: 0))
            if let trained = base.profile.map(Self.meanLocal) {
                outcome.localMass.append(LocalMassPoint(label: "trained (\(train))", length: train, localMass: trained))
                for (index, candidate) in running.enumerated() {
                    progress("attention profile of \(candidate.spec) at \(target)")
                    let cell = try runner.run(AttentionCellKey(spec: index + 1, length: 1, attention: 0))
                    guard let profile = cell.profile else {
                        skip(candidate.spec, "attention-local-mass", cell.skipReason ?? "cell skipped")
                        continue
                    }
                    let local = Self.meanLocal(profile)
                    outcome.localMass.append(LocalMassPoint(label: candidate.spec, length: target, localMass: local))
                    outcome.checks[candidate.spec, default: []].append(
                        ProbeChecks.localMass(trained: trained, target: local, window: window, problem: problem, thresholds: thresholds))
                }
            } else {
                for candidate in running { skip(candidate.spec, "attention-local-mass", base.skipReason ?? "baseline skipped") }
            }
        }
        let attentionNeed = Int((trainPass + targetPass).rounded(.up))
        for candidate in candidates.dropFirst(attentionRuns) {
            skip(candidate.spec, "attention-local-mass", "budget: not run (needs ≈ \(attentionNeed)s more)")
        }
        if attentionRuns < candidates.count {
            outcome.notes.append("budget: attention-local-mass run for \(attentionRuns) of \(candidates.count) candidate(s)")
        }
        // passkey
        let trialSeconds = 4 * (trainPass + targetPass)
        let perCandidate = (seconds - attentionBudget) / Double(max(1, candidates.count))
        guard attention == .causal else {
            for candidate in candidates {
                skip(candidate.spec, "passkey", "validate scores passkeys on causal models only (use probe passkey for masked diffusion)")
            }
            return outcome
        }
        guard let grid = ProbeChecks.passkeyGrid(budgetSeconds: perCandidate, trialSeconds: trialSeconds) else {
            for candidate in candidates {
                skip(candidate.spec, "passkey", "budget: one trial at both lengths needs ≈ \(Int(trialSeconds.rounded(.up)))s per candidate")
            }
            outcome.notes.append("budget: passkey not run (≈ \(Int(trialSeconds.rounded(.up)))s per candidate needed)")
            return outcome
        }
        let gridText = "\(grid.depths.count) depth(s) × \(grid.trials) trial(s) per length"
        outcome.notes.append("passkey: \(gridText) (of 5 depths × 2 trials at most)")
        let haystack = try Haystack(text: Haystack.defaultFiller, label: "filler", repeats: true, tokenize: context.tokens)
        for candidate in candidates {
            let probe = PasskeyProbe(
                context: context, definition: PasskeyGridDefinition(
                    specs: [candidate.canonicalSpec], contextLengths: [train, target], depths: grid.depths, trials: grid.trials,
                    seed: 0, distractors: 0, template: .passkey),
                haystack: haystack, method: .causal)
            do { try probe.validate() } catch {
                skip(candidate.spec, "passkey", "prompt cannot be built (\(error))")
                continue
            }
            progress("passkey of \(candidate.spec)")
            let cells = try probe.run()
            func mean(_ length: Int, _ value: (PasskeyCellResult) -> Double) -> Double {
                let chosen = cells.filter { $0.length == length }
                return chosen.reduce(0) { $0 + value($1) } / Double(max(1, chosen.count))
            }
            var exact = [Double](repeating: .nan, count: grid.depths.count * 2), logp = exact
            for cell in cells {
                exact[cell.depth * 2 + cell.length] = cell.exactMatch
                logp[cell.depth * 2 + cell.length] = cell.meanLogProbability
            }
            outcome.heatmaps.append(PasskeyHeatmap(label: candidate.spec, depths: grid.depths, lengths: [train, target],
                                                   exactMatch: exact, logProbability: logp))
            outcome.checks[candidate.spec, default: []].append(ProbeChecks.passkey(
                trainedLogProbability: mean(0, \.meanLogProbability), targetLogProbability: mean(1, \.meanLogProbability),
                trainedExact: mean(0, \.exactMatch), targetExact: mean(1, \.exactMatch), problem: problem,
                thresholds: thresholds, grid: gridText))
        }
        return outcome
    }

    /// Mean over layers × heads of the per-row local mass.
    static func meanLocal(_ profile: AttentionProfile) -> Double {
        var sum = 0.0
        for layer in 0..<profile.layers { for head in 0..<profile.heads { sum += profile.mean(layer: layer, head: head).local } }
        return sum / Double(max(1, profile.layers * profile.heads))
    }
}
