import Foundation
import GGUF
import Inference
import Probes
import RoPE
import RoPEScopeTestSupport
import XCTest

/// The passkey scores against naive references on the tiny model: full recomputes without a KV
/// cache (causal), and a direct transcription of LLaDA's loop over full logits (masked diffusion).
///
/// Tolerance: the cached and full passes differ only in float32 summation order (logits within
/// 5e-5, see KeyValueCacheTests), so a sum of ≤ 6 NLLs agrees to 6·(2·5e-5 + 5e-6) < 1e-3.
final class PasskeyScorerTests: XCTestCase {
    let tolerance = 1e-3

    func logSoftmax(_ logits: ArraySlice<Float>, _ token: Int32) -> Double {
        let values = logits.map(Double.init)
        let peak = values.max() ?? 0
        return values[Int(token)] - peak - log(values.reduce(0) { $0 + exp($1 - peak) })
    }

    func argmax(_ logits: ArraySlice<Float>) -> Int32 {
        var best = logits.startIndex
        for index in logits.indices where logits[index] > logits[best] { best = index }
        return Int32(best - logits.startIndex)
    }

    func testCausalScoresEqualFullRecompute() throws {
        let (_, _, model) = try TinyModel.load()
        let frequencies = try model.frequencies(RoPESpec.parse("yarn:factor=2,original-context=32"))
        let scorer = PasskeyScorer(model: model, frequencies: frequencies, method: .causal)
        let prompt: [Int32] = (0..<40).map { Int32(($0 * 37 + 11) % 256) }
        let answer: [Int32] = [32, 49, 50, 51]
        let distractors: [[Int32]] = [[32, 52, 53, 54], [32, 57, 48, 49], [65]]
        let score = try scorer.score(prompt: prompt, answer: answer, distractors: distractors)
        let V = model.configuration.vocabularySize
        func reference(_ candidate: [Int32]) throws -> Double {
            let logits = try model.forward(tokens: prompt + candidate, mask: .causal, frequencies: frequencies).logits
            return candidate.indices.reduce(0) { total, i in
                let row = prompt.count - 1 + i
                return total + logSoftmax(logits[(row * V)..<((row + 1) * V)], candidate[i])
            }
        }
        let expected = try reference(answer)
        XCTAssertEqual(score.answerLogProbability, expected, accuracy: tolerance)
        let expectedDistractors = try distractors.map(reference)
        for (got, want) in zip(score.distractorLogProbabilities, expectedDistractors) { XCTAssertEqual(got, want, accuracy: tolerance) }
        XCTAssertEqual(score.rank, 1 + expectedDistractors.filter { $0 > expected }.count)
        var greedy: [Int32] = []
        while greedy.count < answer.count {
            let logits = try model.forward(tokens: prompt + greedy, mask: .causal, frequencies: frequencies).logits
            let row = prompt.count + greedy.count - 1
            greedy.append(argmax(logits[(row * V)..<((row + 1) * V)]))
        }
        XCTAssertEqual(score.generated, greedy)
        XCTAssertEqual(score.exactMatch, greedy == answer)
        let matched = try scorer.score(prompt: prompt, answer: greedy, distractors: [])
        XCTAssertTrue(matched.exactMatch)
        XCTAssertEqual(matched.rank, 1)
    }

    /// LLaDA's `generate` (temperature 0, low-confidence remasking) written out directly over full
    /// logits: confidence −∞ off the mask and past the block, top-k by confidence.
    func naiveLLaDA(model: LlamaModel, frequencies: RoPEFrequencies, prompt: [Int32], length: Int, steps: Int, block: Int,
                    mask: Int32, shift: Bool) throws -> [Int32] {
        var x = prompt + [Int32](repeating: mask, count: length)
        let blocks = length / block, perBlock = steps / blocks, V = model.configuration.vocabularySize
        for b in 0..<blocks {
            let m = block
            let counts = (0..<perBlock).map { m / perBlock + ($0 < m % perBlock ? 1 : 0) }
            for k in counts {
                let logits = try model.forward(tokens: x, mask: .bidirectional, frequencies: frequencies, logits: .all).logits
                var confidence = [Double](repeating: -.infinity, count: x.count)
                var prediction = x
                for p in x.indices where x[p] == mask && p < prompt.count + (b + 1) * block {
                    let row = shift ? p - 1 : p
                    let slice = logits[(row * V)..<((row + 1) * V)]
                    prediction[p] = argmax(slice)
                    confidence[p] = exp(logSoftmax(slice, prediction[p]))
                }
                let chosen = x.indices.sorted { confidence[$0] != confidence[$1] ? confidence[$0] > confidence[$1] : $0 < $1 }.prefix(k)
                for p in chosen { x[p] = prediction[p] }
            }
        }
        return Array(x[prompt.count...])
    }

    func testMaskedDiffusionScoresEqualNaiveReference() throws {
        let bytes = try TinyModel.variant(metadata: ["llama.attention.causal": .bool(false)])
        let model = try LlamaGGUFLoader.model(try GGUFFile(bytes: bytes))
        let frequencies = try model.frequencies(.none)
        let prompt: [Int32] = (0..<30).map { Int32(($0 * 53 + 7) % 256) }
        let answer: [Int32] = [32, 49, 50, 51, 52, 53]
        let distractors: [[Int32]] = [[32, 54, 55, 56, 57, 48], [32, 57, 57, 57, 57, 57]]
        let V = model.configuration.vocabularySize
        for (steps, block, shift) in [(6, 6, false), (6, 2, false), (2, 3, false), (4, 3, true)] {
            let sampler = DiffusionSampler(steps: steps, blockLength: block, maskTokenID: 5, shiftLogits: shift)
            let score = try PasskeyScorer(model: model, frequencies: frequencies, method: .maskedDiffusion(sampler))
                .score(prompt: prompt, answer: answer, distractors: distractors)
            let expected = try naiveLLaDA(model: model, frequencies: frequencies, prompt: prompt, length: 6, steps: steps,
                                          block: block, mask: 5, shift: shift)
            XCTAssertEqual(score.generated, expected, "steps \(steps) block \(block) shift \(shift)")
            let logits = try model.forward(tokens: prompt + [Int32](repeating: 5, count: 6), mask: .bidirectional,
                                           frequencies: frequencies, logits: .all).logits
            func reference(_ candidate: [Int32]) -> Double {
                candidate.indices.reduce(0) { total, i in
                    let row = prompt.count + i - (shift ? 1 : 0)
                    return total + logSoftmax(logits[(row * V)..<((row + 1) * V)], candidate[i])
                }
            }
            XCTAssertEqual(score.answerLogProbability, reference(answer), accuracy: tolerance)
            XCTAssertEqual(score.distractorLogProbabilities[1], reference(distractors[1]), accuracy: tolerance)
        }
        XCTAssertEqual(DiffusionSampler.transferCounts(masked: 5, steps: 3), [2, 2, 1])
        XCTAssertEqual(DiffusionSampler.transferCounts(masked: 2, steps: 4), [1, 1, 0, 0])
        XCTAssertThrowsError(try DiffusionSampler(steps: 6, blockLength: 4, maskTokenID: 5, shiftLogits: false)
            .validate(answerLength: 6)) { XCTAssert("\($0)".contains("--block-length 4"), "\($0)") }
        XCTAssertThrowsError(try DiffusionSampler(steps: 3, blockLength: 3, maskTokenID: 5, shiftLogits: false)
            .validate(answerLength: 6)) { XCTAssert("\($0)".contains("--steps 3"), "\($0)") }
        let sampler = DiffusionSampler(steps: 6, blockLength: 6, maskTokenID: 5, shiftLogits: false)
        XCTAssertThrowsError(try PasskeyScorer(model: model, frequencies: frequencies, method: .maskedDiffusion(sampler))
            .score(prompt: prompt, answer: answer, distractors: [[1, 2]]))
    }
}
