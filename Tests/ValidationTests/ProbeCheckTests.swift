import RoPE
import XCTest
@testable import Validation

/// The rules of `passkey` and `attention-local-mass` on hand-made values, their thresholds and the
/// budget scaling of the passkey grid (the probes run end to end in CLIValidateTests).
final class ProbeCheckTests: XCTestCase {
    private func problem() throws -> ValidationProblem {
        try ValidationProblem(geometry: RotaryGeometry(rotaryDimension: 8, base: 1e4), trainLength: 64, targetLength: 128,
                              regime: .causal)
    }

    /// passkey = mean log p at T_target − at T_train, passes when ≥ −passkey-logprob-drop (default 1 nat).
    func testPasskeyRuleAndThreshold() throws {
        let p = try problem()
        let defaults = ValidationThresholds()
        let within = ProbeChecks.passkey(trainedLogProbability: -3.0, targetLogProbability: -3.75, trainedExact: 0.5,
                                         targetExact: 0.25, problem: p, thresholds: defaults, grid: "1 depth")
        XCTAssertEqual(within.name, "passkey")
        XCTAssertEqual(within.kind, .empirical)
        XCTAssertEqual(try XCTUnwrap(within.value), -0.75, accuracy: 1e-12)
        XCTAssertEqual(within.threshold, -1)
        XCTAssertEqual(within.status, .passed)
        XCTAssertEqual(within.preference, .higher)
        XCTAssert(within.reason.contains("0.25") && within.reason.contains("0.5"), within.reason)
        XCTAssertFalse(within.source.isEmpty)
        let beyond = ProbeChecks.passkey(trainedLogProbability: -3.0, targetLogProbability: -4.5, trainedExact: 0, targetExact: 0,
                                         problem: p, thresholds: defaults, grid: "1 depth")
        XCTAssertEqual(beyond.status, .failed)
        XCTAssertEqual(try XCTUnwrap(beyond.value), -1.5, accuracy: 1e-12)
        let strict = try ValidationThresholds(parsing: ["passkey-logprob-drop=0.5"])
        XCTAssertEqual(ProbeChecks.passkey(trainedLogProbability: -3.0, targetLogProbability: -3.75, trainedExact: 0, targetExact: 0,
                                           problem: p, thresholds: strict, grid: "").status, .failed)
        // A gain always passes, even with a zero allowance.
        let zero = try ValidationThresholds(parsing: ["passkey-logprob-drop=0"])
        XCTAssertEqual(ProbeChecks.passkey(trainedLogProbability: -3.0, targetLogProbability: -2.0, trainedExact: 0, targetExact: 0,
                                           problem: p, thresholds: zero, grid: "").status, .passed)
    }

    /// attention-local-mass = local mass at T_target − at T_train, passes when ≤ local-mass-increase (default 0.1).
    func testLocalMassRuleAndThreshold() throws {
        let p = try problem()
        let small = ProbeChecks.localMass(trained: 0.30, target: 0.35, window: 4, problem: p, thresholds: ValidationThresholds())
        XCTAssertEqual(try XCTUnwrap(small.value), 0.05, accuracy: 1e-12)
        XCTAssertEqual(small.threshold, 0.1)
        XCTAssertEqual(small.status, .passed)
        XCTAssertEqual(small.preference, .lower)
        XCTAssert(small.reason.contains("last 4 tokens"), small.reason)
        let large = ProbeChecks.localMass(trained: 0.30, target: 0.55, window: 4, problem: p, thresholds: ValidationThresholds())
        XCTAssertEqual(large.status, .failed)
        XCTAssert(large.reason.contains("toward local"), large.reason)
        let loose = try ValidationThresholds(parsing: ["local-mass-increase=0.3"])
        XCTAssertEqual(ProbeChecks.localMass(trained: 0.30, target: 0.55, window: 4, problem: p, thresholds: loose).status, .passed)
    }

    func testThresholdsAreValidated() {
        XCTAssertThrowsError(try ValidationThresholds(parsing: ["passkey-logprob-drop=-1"]))
        XCTAssertThrowsError(try ValidationThresholds(parsing: ["local-mass-increase=2"]))
        XCTAssertNoThrow(try ValidationThresholds(parsing: ["local-mass-increase=-0.05"]))
    }

    /// Depths first (1, 3, 5), then trials up to 2; nothing when one trial does not fit.
    func testPasskeyGridScalesWithBudget() {
        XCTAssertNil(ProbeChecks.passkeyGrid(budgetSeconds: 0.9, trialSeconds: 1))
        XCTAssertNil(ProbeChecks.passkeyGrid(budgetSeconds: -5, trialSeconds: 1))
        XCTAssertNil(ProbeChecks.passkeyGrid(budgetSeconds: 5, trialSeconds: 0))
        let one = ProbeChecks.passkeyGrid(budgetSeconds: 2.5, trialSeconds: 1)
        XCTAssertEqual(one?.depths, [0.5])
        XCTAssertEqual(one?.trials, 2)
        let three = ProbeChecks.passkeyGrid(budgetSeconds: 4, trialSeconds: 1)
        XCTAssertEqual(three?.depths, [0.1, 0.5, 0.9])
        XCTAssertEqual(three?.trials, 1)
        let five = ProbeChecks.passkeyGrid(budgetSeconds: 12, trialSeconds: 1)
        XCTAssertEqual(five?.depths.count, 5)
        XCTAssertEqual(five?.trials, 2)
        XCTAssertEqual(ProbeChecks.passkeyGrid(budgetSeconds: 1e300, trialSeconds: 1)?.trials, 2)
        for (budget, trial) in [(2.5, 1.0), (4, 1), (12, 1), (1000, 1), (7.3, 0.4)] {
            let grid = ProbeChecks.passkeyGrid(budgetSeconds: budget, trialSeconds: trial)
            if let grid { XCTAssertLessThanOrEqual(Double(grid.depths.count * grid.trials) * trial, budget, "fits the budget") }
        }
    }

    func testLocalWindow() {
        XCTAssertEqual(ProbeChecks.localWindow(trainLength: 8), 1)
        XCTAssertEqual(ProbeChecks.localWindow(trainLength: 64), 4)
        XCTAssertEqual(ProbeChecks.localWindow(trainLength: 4096), 64)
    }
}
