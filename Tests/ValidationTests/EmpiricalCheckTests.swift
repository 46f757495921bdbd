import Inference
import Probes
import RoPE
import XCTest
@testable import Validation

/// The empirical checks' arithmetic on hand-made per-token values (the probe engine itself is
/// tested in ProbesTests; the CLI tests run it end to end).
final class EmpiricalCheckTests: XCTestCase {
    private func summary(_ nll: [Double], positions: [Int]) -> GridCellSummary {
        GridCellSummary(meanNLL: nll.reduce(0, +) / Double(nll.count), standardError: 0.01, tokensScored: nll.count, windows: 1,
                        seconds: 1, tokensPerSecond: 1, tokenNLL: nll, tokenPosition: positions.map(Int32.init),
                        tokenWindow: positions.map { _ in 0 })
    }

    func testPerplexityAndLateWindowArithmetic() throws {
        let problem = try ValidationProblem(geometry: RotaryGeometry(rotaryDimension: 8, base: 1e4), trainLength: 4,
                                            targetLength: 8, regime: .causal)
        // Positions 1…7 of an 8-token window: [T/2, T) = {2, 3}, past T = {4, 5, 6, 7}.
        let target = summary([3.0, 2.0, 2.2, 2.1, 2.5, 2.4, 2.6], positions: [1, 2, 3, 4, 5, 6, 7])
        let baseline = summary([3.1, 2.3, 2.2], positions: [1, 2, 3])
        let checks = EmpiricalRunner.checks(target, baseline: baseline, problem: problem, thresholds: ValidationThresholds(),
                                            estimator: .chainRule, windows: 1)
        XCTAssertEqual(checks.map(\.name), EmpiricalChecks.names)
        let increase = (3.0 + 2.0 + 2.2 + 2.1 + 2.5 + 2.4 + 2.6) / 7 - (3.1 + 2.3 + 2.2) / 3
        XCTAssertEqual(try XCTUnwrap(checks[0].value), increase, accuracy: 1e-12)
        XCTAssertEqual(checks[0].status, increase <= 0.05 ? .passed : .failed)
        let late = (2.1 + 2.5 + 2.4 + 2.6) / 4 - (2.0 + 2.2) / 2
        XCTAssertEqual(try XCTUnwrap(checks[1].value), late, accuracy: 1e-12)
        XCTAssertEqual(checks[1].status, .failed, "0.3 nats later in the window is a blow-up above 0.1")
        XCTAssertEqual(checks[2].reason, "skipped: not run", "placeholder until the probe checks replace it")
        XCTAssertNil(checks[3].passed)
    }

    /// seconds(L) = s_c·L·(2P + 4·L·n_layer·w_q)/(L_c·(2P + 4·L_c·n_layer·w_q)).
    func testPassCostModel() throws {
        let c = try LlamaConfiguration(vocabularySize: 256, embeddingSize: 16, layerCount: 2, headCount: 2, keyValueHeadCount: 1,
                                       headDimension: 8, feedForwardSize: 32, rmsNormEpsilon: 1e-5, ropeBase: 1e4,
                                       trainedContextLength: 64)
        let base = EmpiricalRunner.passSeconds(length: 100, calibrationLength: 100, seconds: 2, configuration: c)
        XCTAssertEqual(base, 2, accuracy: 1e-12)
        let p = Double(EmpiricalRunner.parameterCount(c)), a = 4 * Double(c.layerCount * c.queryWidth)
        let expected = 2 * (400 * (2 * p + a * 400)) / (100 * (2 * p + a * 100))
        XCTAssertEqual(EmpiricalRunner.passSeconds(length: 400, calibrationLength: 100, seconds: 2, configuration: c), expected,
                       accuracy: 1e-9 * expected)
    }
}
