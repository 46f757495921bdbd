import Foundation
import RoPE
import XCTest
@testable import Validation

/// The verdicts of issue §4 against closed forms computed here in Double (Liu et al. arXiv
/// 2310.05209; UltraLLaDA arXiv 2510.10481), not against the analyzers' own numbers.
final class KnownVerdictTests: XCTestCase {
    /// d_crit(m) = 2⌈(d/2)·ln(m·T/2π)/ln b⌉.
    private func criticalDimension(d: Double, b: Double, length: Double) -> Int {
        2 * Int((d / 2 * log(length / (2 * .pi)) / log(b)).rounded(.up))
    }

    private func verdict(d: Int, b: Double, train: Int, target: Int, regime: RelativeDistanceRegime,
                         specs: [String], thresholds: [String] = []) throws -> ValidationVerdict {
        let problem = try ValidationProblem(geometry: RotaryGeometry(rotaryDimension: d, base: b), trainLength: train,
                                            targetLength: target, regime: regime)
        return try ValidationVerdict(problem: problem, candidates: ValidationCandidate.resolve(specs, problem: problem),
                                     thresholds: ValidationThresholds(parsing: thresholds))
    }

    private func candidate(_ verdict: ValidationVerdict, _ spec: String) throws -> CandidateVerdict {
        try XCTUnwrap(verdict.candidates.first { $0.candidate.spec == spec }, "no candidate \(spec)")
    }

    private func assertRelative(_ value: Double?, _ expected: Double, _ tolerance: Double, _ label: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        guard let value else { return XCTFail("\(label): nil, expected \(expected)", file: file, line: line) }
        XCTAssertEqual(value / expected, 1, accuracy: tolerance, "\(label): \(value) vs closed form \(expected)", file: file, line: line)
    }

    /// LLaMA-2 (d 128, b 1e4, 4K) to 16K causal: NTK ×4's bound is about 13K (fails), critical-ntk's
    /// bound is exactly 16K (its design point, passes), and critical-ntk is recommended.
    func testLlama2To16KNTKFailsCriticalNTKPasses() throws {
        let (d, b, t, tt) = (128.0, 1e4, 4096.0, 16384.0)
        let verdict = try verdict(d: 128, b: b, train: 4096, target: 16384, regime: .causal, specs: ["ntk:factor=4", "critical-ntk"])
        let dCrit = criticalDimension(d: d, b: b, length: t)
        XCTAssertEqual(dCrit, 92, "published critical dimension of LLaMA-2")
        XCTAssertEqual(verdict.problem.criticalDimension, dCrit)

        // NTK ×4: b' = b·4^(d/(d−2)); T_extra = 2π·b'^(d_crit/d) ≈ 12.97K < 16K.
        let ntkBase = b * pow(4, d / (d - 2))
        let ntkBound = 2 * Double.pi * pow(ntkBase, Double(dCrit) / d)
        XCTAssert((12_500...13_500).contains(ntkBound), "closed form itself: \(ntkBound)")
        let ntk = try candidate(verdict, "ntk:factor=4")
        let ntkCheck = try XCTUnwrap(ntk.check("critical-pair-bound"))
        assertRelative(ntkCheck.value, ntkBound, 1e-9, "ntk T_extra")
        XCTAssertEqual(ntkCheck.status, .failed)
        XCTAssertEqual(ntkCheck.threshold, tt)
        // Worst out-of-range pair is the critical one: span ratio (T'/T)·(b/b')^(d_crit/d) ≈ 1.45 > b^(2/d) ≈ 1.155.
        let ntkRatio = (tt / t) * pow(b / ntkBase, Double(dCrit) / d)
        let ntkRange = try XCTUnwrap(ntk.check("out-of-range-pairs"))
        assertRelative(ntkRange.value, ntkRatio, 1e-9, "ntk worst span ratio")
        assertRelative(ntkRange.threshold, pow(b, 2 / d), 1e-12, "default tolerance b^(2/d)")
        XCTAssertEqual(ntkRange.status, .failed)
        XCTAssertFalse(ntk.passed)

        // critical-ntk: b'' = (T'/2π)^(d/d_crit): its critical pair's new period is exactly T'.
        let criticalBase = pow(tt / (2 * .pi), d / Double(dCrit))
        let critical = try candidate(verdict, "critical-ntk")
        let bound = try XCTUnwrap(critical.check("critical-pair-bound"))
        assertRelative(bound.value, 2 * .pi * pow(criticalBase, Double(dCrit) / d), 1e-9, "critical-ntk T_extra")
        assertRelative(bound.value, tt, 1e-9, "critical-ntk T_extra = T'")
        XCTAssertEqual(bound.status, .passed, bound.reason)
        // Its critical pair spans exactly one period at T': ratio 2π/(T·θ_c) = b^(2δ/d) < b^(2/d).
        let range = try XCTUnwrap(critical.check("out-of-range-pairs"))
        assertRelative(range.value, 2 * .pi / (t * pow(b, -Double(dCrit) / d)), 1e-9, "critical-ntk worst span ratio")
        XCTAssertEqual(range.status, .passed, range.reason)
        XCTAssert(critical.passed, critical.failures.map(\.reason).joined(separator: "; "))

        XCTAssertEqual(verdict.recommended?.candidate.spec, "critical-ntk")
        XCTAssertEqual(verdict.candidates.first?.decidedBy, "failed-checks")
    }

    /// LLaDA-8B geometry (d 128, b 5e5, 4K) to 128K bidirectional: NTK ×32 fails, critical-ntk
    /// and diffusion-ntk pass, and diffusion-ntk (UltraLLaDA's choice, the smaller sufficient base)
    /// is recommended.
    func testLLaDA8BTo128KBidirectionalRecommendsDiffusionNTK() throws {
        let (d, b, t, tt) = (128.0, 5e5, 4096.0, 131072.0)
        let verdict = try verdict(d: 128, b: b, train: 4096, target: 131072, regime: .bidirectional,
                                  specs: ["ntk:factor=32", "critical-ntk", "diffusion-ntk"])
        let dCausal = criticalDimension(d: d, b: b, length: t)
        let dBidirectional = criticalDimension(d: d, b: b, length: 2 * t)
        XCTAssertEqual(dCausal, 64)
        XCTAssertEqual(dBidirectional, 70)
        // Bidirectional bound T_extra(2) = 2π/(2·θ'_c), c = d_crit(2)/2.
        func bound(_ base: Double) -> Double { Double.pi * pow(base, Double(dBidirectional) / d) }
        let diffusionBase = pow(2 * tt / (2 * .pi), d / Double(dBidirectional))
        let criticalBase = pow(tt / (2 * .pi), d / Double(dCausal))
        let ntkBase = b * pow(32, d / (d - 2))
        XCTAssertEqual(bound(diffusionBase) / tt, 1, accuracy: 1e-12)
        XCTAssertLessThan(diffusionBase, criticalBase, "diffusion-ntk needs the smaller base")

        let diffusion = try candidate(verdict, "diffusion-ntk")
        let critical = try candidate(verdict, "critical-ntk")
        let ntk = try candidate(verdict, "ntk:factor=32")
        assertRelative(diffusion.candidate.frequencies.effectiveBase, diffusionBase, 1e-9, "diffusion-ntk base")
        assertRelative(critical.candidate.frequencies.effectiveBase, criticalBase, 1e-9, "critical-ntk base")
        assertRelative(diffusion.check("critical-pair-bound")?.value, bound(diffusionBase), 1e-9, "diffusion-ntk bound")
        assertRelative(critical.check("critical-pair-bound")?.value, bound(criticalBase), 1e-9, "critical-ntk bound")
        assertRelative(ntk.check("critical-pair-bound")?.value, bound(ntkBase), 1e-9, "ntk bound")
        XCTAssertLessThan(bound(ntkBase), tt)
        XCTAssertFalse(ntk.passed)
        XCTAssert(diffusion.passed, diffusion.failures.map(\.reason).joined(separator: "; "))
        XCTAssert(critical.passed, critical.failures.map(\.reason).joined(separator: "; "))
        XCTAssertEqual(verdict.recommended?.candidate.spec, "diffusion-ntk")
        let decided = try XCTUnwrap(verdict.candidates.first?.decidedBy)
        XCTAssert(ValidationVerdict.rankingOrder.contains(decided), "decided by \(decided)")
        XCTAssertEqual(verdict.candidates.last?.candidate.spec, "ntk:factor=32")
    }

    /// The diffusion rule is not safe for a causal model: under causal attention its bound is
    /// 2π·b'^(d_crit(1)/d) < T'.
    func testDiffusionNTKFailsCausally() throws {
        let (d, t, tt) = (128.0, 4096.0, 131072.0)
        let verdict = try verdict(d: 128, b: 5e5, train: 4096, target: 131072, regime: .causal, specs: ["diffusion-ntk"])
        let base = pow(2 * tt / (2 * .pi), d / Double(criticalDimension(d: d, b: 5e5, length: 2 * t)))
        let expected = 2 * Double.pi * pow(base, Double(criticalDimension(d: d, b: 5e5, length: t)) / d)
        let check = try XCTUnwrap(verdict.candidates.first?.check("critical-pair-bound"))
        assertRelative(check.value, expected, 1e-9, "causal bound of diffusion-ntk")
        XCTAssertLessThan(expected, tt)
        XCTAssertEqual(check.status, .failed)
        XCTAssertNil(verdict.recommended)
    }

    /// Linear ×4 keeps 1/4 of the fastest pair's angle per token: the high-frequency check fails.
    func testLinearLosesShortRangeResolution() throws {
        let verdict = try verdict(d: 128, b: 1e4, train: 4096, target: 16384, regime: .causal, specs: ["linear:factor=4", "yarn:factor=4"])
        let linear = try candidate(verdict, "linear:factor=4")
        let check = try XCTUnwrap(linear.check("high-frequency-resolution"))
        XCTAssertEqual(try XCTUnwrap(check.value), 0.25, accuracy: 1e-15)
        XCTAssertEqual(check.status, .failed)
        // YaRN keeps the pairs above β_fast = 32 rotations untouched: ratio 1.
        XCTAssertEqual(try XCTUnwrap(candidate(verdict, "yarn:factor=4").check("high-frequency-resolution")?.value), 1, accuracy: 1e-15)
    }

    /// --threshold critical-bound-margin=0.75: NTK ×4's 12.97K ≥ 0.75·16384 now passes that check.
    func testThresholdOverride() throws {
        let verdict = try verdict(d: 128, b: 1e4, train: 4096, target: 16384, regime: .causal, specs: ["ntk:factor=4"],
                                  thresholds: ["critical-bound-margin=0.75"])
        let check = try XCTUnwrap(verdict.candidates.first?.check("critical-pair-bound"))
        XCTAssertEqual(check.threshold, 0.75 * 16384)
        XCTAssertEqual(check.status, .passed)
        XCTAssertThrowsError(try ValidationThresholds(parsing: ["no-such=1"])) { error in
            XCTAssert("\(error)".contains("allowed out-of-range-span-ratio"), "\(error)")
        }
        XCTAssertThrowsError(try ValidationThresholds(parsing: ["high-frequency-retained=2"]))
        XCTAssertThrowsError(try ValidationThresholds(parsing: ["high-frequency-retained=x"]))
    }

    func testTargetMustExceedTraining() throws {
        let geometry = try RotaryGeometry(rotaryDimension: 128, base: 1e4)
        XCTAssertThrowsError(try ValidationProblem(geometry: geometry, trainLength: 4096, targetLength: 4096, regime: .causal)) { error in
            XCTAssertEqual(error as? VerdictError, .targetNotLonger(trainLength: 4096, targetLength: 4096))
        }
    }

    /// Without --rope the standard set at s = T'/T, in the documented order.
    func testStandardCandidates() throws {
        let problem = try ValidationProblem(geometry: RotaryGeometry(rotaryDimension: 64, base: 1e5), trainLength: 8192,
                                            targetLength: 20480, regime: .causal)
        XCTAssertEqual(ValidationCandidate.standardSpecs(for: problem),
                       ["ntk:factor=2.5", "yarn:factor=2.5", "critical-ntk", "diffusion-ntk", "linear:factor=2.5", "none"])
        XCTAssertThrowsError(try ValidationCandidate.resolve(["ntk:factor=2", "ntk:factor=2.0"], problem: problem))
    }
}
