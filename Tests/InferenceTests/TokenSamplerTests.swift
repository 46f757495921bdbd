import Foundation
import Inference
import RoPE
import RoPEScopeTestSupport
import XCTest

/// Sampling against the closed-form distribution, and seeded generation.
final class TokenSamplerTests: XCTestCase {
    /// logits ln(1), ln(2), ln(3), ln(4), −∞-like: at T = 1 p = (1, 2, 3, 4)/10.
    let logits: [Float] = [0, Float(log(2.0)), Float(log(3.0)), Float(log(4.0)), -200]

    func distribution(_ parameters: SamplingParameters) -> [Int32: Double] {
        let pairs = logits.withUnsafeBufferPointer { TokenSampler.distribution($0, parameters: parameters) }
        return Dictionary(uniqueKeysWithValues: pairs.map { ($0.token, $0.probability) })
    }

    /// Closed forms: T = 1 gives (1,2,3,4)/10; T = 2 gives √ weights (1, √2, √3, 2)/Σ; top-k 2 keeps
    /// 3 and 4 → (3/7, 4/7); top-p 0.65 keeps 4 (0.4) and 3 (0.7 ≥ 0.65) → (3/7, 4/7); top-p 0.35
    /// keeps 4 alone. Float32 logits of ln k carry ~1e-7 relative error: tolerance 1e-6.
    func testDistributionClosedForms() throws {
        let plain = distribution(try SamplingParameters(temperature: 1))
        for (token, expected) in [(0, 0.1), (1, 0.2), (2, 0.3), (3, 0.4)] {
            XCTAssertEqual(plain[Int32(token)] ?? -1, expected, accuracy: 1e-6, "T=1 token \(token)")
        }
        let hot = distribution(try SamplingParameters(temperature: 2))
        let roots = [1, 2.0.squareRoot(), 3.0.squareRoot(), 2]
        let total = roots.reduce(0, +) + exp(-100)
        for (token, root) in roots.enumerated() {
            XCTAssertEqual(hot[Int32(token)] ?? -1, root / total, accuracy: 1e-6, "T=2 token \(token)")
        }
        for parameters in [try SamplingParameters(temperature: 1, topK: 2), try SamplingParameters(temperature: 1, topP: 0.65)] {
            let kept = distribution(parameters)
            XCTAssertEqual(Set(kept.keys), [2, 3], "\(parameters)")
            XCTAssertEqual(kept[2] ?? -1, 3.0 / 7, accuracy: 1e-6)
            XCTAssertEqual(kept[3] ?? -1, 4.0 / 7, accuracy: 1e-6)
        }
        XCTAssertEqual(distribution(try SamplingParameters(temperature: 1, topP: 0.35)), [3: 1])
        XCTAssertEqual(distribution(.greedy), [3: 1])
    }

    /// 40 000 seeded draws at T = 1: each frequency within 5 binomial standard errors of p
    /// (a false alarm has probability ~1e-6 per token); the same seed repeats the same draws.
    func testSampleFrequenciesAndSeed() throws {
        let parameters = try SamplingParameters(temperature: 1)
        let draws = 40_000
        func run(seed: UInt64) -> [Int32] {
            var generator = SeededGenerator(seed: seed)
            return logits.withUnsafeBufferPointer { row in
                (0..<draws).map { _ in TokenSampler.sample(row, parameters: parameters, using: &generator) }
            }
        }
        let first = run(seed: 5)
        XCTAssertEqual(first, run(seed: 5))
        XCTAssertNotEqual(first, run(seed: 6))
        for (token, p) in [(0, 0.1), (1, 0.2), (2, 0.3), (3, 0.4)] {
            let frequency = Double(first.filter { $0 == Int32(token) }.count) / Double(draws)
            let standardError = (p * (1 - p) / Double(draws)).squareRoot()
            XCTAssertEqual(frequency, p, accuracy: 5 * standardError, "token \(token)")
        }
        XCTAssertFalse(first.contains(4))
    }

    func testArgmaxTiesAndInvalidParameters() {
        let tied: [Float] = [1, 5, 5, -1]
        XCTAssertEqual(tied.withUnsafeBufferPointer { TokenSampler.argmax($0) }, 1)
        XCTAssertThrowsError(try SamplingParameters(temperature: -1))
        XCTAssertThrowsError(try SamplingParameters(temperature: .nan))
        XCTAssertThrowsError(try SamplingParameters(temperature: 1, topK: -1))
        XCTAssertThrowsError(try SamplingParameters(temperature: 1, topP: 0))
        XCTAssertThrowsError(try SamplingParameters(temperature: 1, topP: 1.5))
    }

    /// Greedy generation picks the argmax of the full recompute at every step and stops at a stop
    /// token; a seeded run repeats itself.
    func testGenerateGreedyMatchesFullArgmaxAndStops() throws {
        let model = try RandomModel.model()
        let frequencies = try model.frequencies(.none)
        let prompt = RandomModel.tokens(9)
        var generator = SeededGenerator(seed: 1)
        let result = try model.generate(prompt: prompt, maximumTokens: 12, frequencies: frequencies,
                                        sampling: .greedy, using: &generator)
        XCTAssertEqual(result.tokens.count, 12)
        XCTAssertEqual(result.stop, .maximumTokens)
        XCTAssertEqual(result.decodeSteps, 11)
        let full = try model.forward(tokens: prompt + result.tokens.dropLast(), mask: .causal, frequencies: frequencies).logits
        for (i, token) in result.tokens.enumerated() {
            let row = Array(full[(prompt.count - 1 + i) * 53..<(prompt.count + i) * 53])
            XCTAssertEqual(row.withUnsafeBufferPointer { TokenSampler.argmax($0) }, token, "step \(i)")
        }
        let stopAt = result.tokens[4]
        let firstStop = try XCTUnwrap(result.tokens.firstIndex(of: stopAt))
        let stopped = try model.generate(prompt: prompt, maximumTokens: 12, frequencies: frequencies, sampling: .greedy,
                                         stopTokens: [stopAt], using: &generator)
        XCTAssertEqual(stopped.tokens, Array(result.tokens[...firstStop]))
        XCTAssertEqual(stopped.stop, .endOfSequence)

        let sampling = try SamplingParameters(temperature: 1.5, topK: 20, topP: 0.95)
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
        let one = try model.generate(prompt: prompt, maximumTokens: 10, frequencies: frequencies, sampling: sampling, using: &a)
        let two = try model.generate(prompt: prompt, maximumTokens: 10, frequencies: frequencies, sampling: sampling, using: &b)
        XCTAssertEqual(one.tokens, two.tokens)
        XCTAssertThrowsError(try model.generate(prompt: prompt, maximumTokens: 0, frequencies: frequencies, sampling: .greedy,
                                                using: &a))
        XCTAssertThrowsError(try model.generate(prompt: [], maximumTokens: 1, frequencies: frequencies, sampling: .greedy,
                                                using: &a))
    }
}
