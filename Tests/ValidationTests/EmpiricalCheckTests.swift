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

    /// seconds(L) = s_c·(2P·L + 4·n_layer·w_q·K(L))/(2P·L_c + 4·n_layer·w_q·L_c(L_c+1)/2), K(L) = L(L+1)/2
    /// causal, L² bidirectional (the calibration pass is causal).
    func testPassCostModel() throws {
        let c = try LlamaConfiguration(vocabularySize: 256, embeddingSize: 16, layerCount: 2, headCount: 2, keyValueHeadCount: 1,
                                       headDimension: 8, feedForwardSize: 32, rmsNormEpsilon: 1e-5, ropeBase: 1e4,
                                       trainedContextLength: 64)
        let base = EmpiricalRunner.passSeconds(length: 100, calibrationLength: 100, seconds: 2, configuration: c)
        XCTAssertEqual(base, 2, accuracy: 1e-12)
        // P by hand: per layer Q, K, V, O (16·8·2, 16·8, 16·8, 8·2·16) + gate, up, down (3·16·32), plus the 256×16 head.
        let p = Double(2 * (256 + 128 + 128 + 256 + 1536) + 256 * 16)
        XCTAssertEqual(Double(EmpiricalRunner.parameterCount(c)), p)
        let a = 4.0 * 2 * 16
        let calibration = 2 * p * 100 + a * 100 * 101 / 2
        let causal = 2 * (2 * p * 400 + a * 400 * 401 / 2) / calibration
        XCTAssertEqual(EmpiricalRunner.passSeconds(length: 400, calibrationLength: 100, seconds: 2, configuration: c), causal,
                       accuracy: 1e-9 * causal)
        let bidirectional = 2 * (2 * p * 400 + a * 400 * 400) / calibration
        XCTAssertEqual(EmpiricalRunner.passSeconds(length: 400, calibrationLength: 100, seconds: 2, configuration: c,
                                                   attention: .bidirectional), bidirectional, accuracy: 1e-9 * bidirectional)
    }

    /// SmolLM2-135M at 32K: P = 30·(576·(2·576 + 2·192) + 3·576·1536) + 49152·576 = 134 479 872,
    /// a = 4·30·576; causal/bidirectional = (2P·L + a·L(L+1)/2)/(2P·L + a·L²) = 0.5531 at L = 32768
    /// (the tiled kernel skips the masked half, so a cost model with L² overestimates causal passes ≈ 1.8×).
    func testCausalAttentionCostsHalfTheQuadraticTerm() throws {
        let c = try LlamaConfiguration(vocabularySize: 49152, embeddingSize: 576, layerCount: 30, headCount: 9, keyValueHeadCount: 3,
                                       headDimension: 64, feedForwardSize: 1536, rmsNormEpsilon: 1e-5, ropeBase: 1e5,
                                       trainedContextLength: 8192)
        let causal = EmpiricalRunner.passSeconds(length: 32768, calibrationLength: 256, seconds: 1, configuration: c)
        let bidirectional = EmpiricalRunner.passSeconds(length: 32768, calibrationLength: 256, seconds: 1, configuration: c,
                                                        attention: .bidirectional)
        XCTAssertEqual(causal / bidirectional, 0.5531, accuracy: 1e-4)
    }
}
