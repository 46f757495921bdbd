import Foundation
import Inference
import RoPE

/// LLaDA's masked-diffusion generation with low-confidence remasking, temperature 0 (a port of
/// `generate` in ML-GSAI/LLaDA `generate.py`, commit 41760b9, without classifier-free guidance):
/// ```
/// x = prompt + [mask]·n;  B = blockLength, n/B blocks, steps/(n/B) steps per block
/// for each block, left to right (semi-autoregressive):
///     k_s = ⌊m/S⌋ + (s < m mod S ? 1 : 0)     tokens to unmask at step s (m masks in the block, S steps)
///     for each step s with k_s > 0:
///         one bidirectional pass over x (no KV cache: every position may change every step)
///         at each masked answer position p up to the block's end: x̂_p = argmax logits_p, c_p = softmax(logits_p)[x̂_p]
///         unmask the k_s positions of highest c_p (ties: the earlier position) with x̂_p
/// ```
/// Positions after the current block are never unmasked before their block (LLaDA sets their
/// confidence to −∞); a prediction equal to the mask token leaves its position masked. Steps with k_s = 0 change nothing and are skipped (LLaDA still runs their
/// pass). With shifted logits (Dream), position p is predicted by row p − 1.
public struct DiffusionSampler: Equatable, Sendable {
    /// Total denoising steps S_total ≥ 1, a multiple of the number of blocks.
    public let steps: Int
    /// Block length B ≥ 1, dividing the answer length.
    public let blockLength: Int
    /// Token id of a masked position.
    public let maskTokenID: Int32
    /// True when logits row p − 1 predicts token p.
    public let shiftLogits: Bool

    public init(steps: Int, blockLength: Int, maskTokenID: Int32, shiftLogits: Bool) {
        self.steps = steps
        self.blockLength = blockLength
        self.maskTokenID = maskTokenID
        self.shiftLogits = shiftLogits
    }

    /// Throws `ProbeError.invalidParameter` (naming `--block-length` / `--steps`) unless the
    /// block length divides `length` and the steps divide evenly over its blocks.
    public func validate(answerLength length: Int) throws {
        guard blockLength >= 1, length % blockLength == 0 else {
            throw ProbeError.invalidParameter(
                name: "--block-length", value: "\(blockLength)",
                allowed: "a divisor of the answer length \(length) tokens (LLaDA's semi-autoregressive blocks tile the answer)")
        }
        let blocks = length / blockLength
        guard steps >= 1, steps % blocks == 0 else {
            throw ProbeError.invalidParameter(
                name: "--steps", value: "\(steps)", allowed: "a positive multiple of the \(blocks) block(s) of the answer")
        }
    }

    /// Unmasking counts of one block: `masked` spread over `steps` steps, the remainder first.
    public static func transferCounts(masked: Int, steps: Int) -> [Int] {
        (0..<steps).map { masked / steps + ($0 < masked % steps ? 1 : 0) }
    }

    /// The n = `length` generated tokens after `prompt`; `forwardPasses` counts the passes run.
    public func generate(model: LlamaModel, prompt: [Int32], length: Int, frequencies: RoPEFrequencies) throws
        -> (tokens: [Int32], forwardPasses: Int) {
        try validate(answerLength: length)
        var x = prompt + [Int32](repeating: maskTokenID, count: length)
        let stepsPerBlock = steps / (length / blockLength)
        var passes = 0
        for blockStart in stride(from: prompt.count, to: x.count, by: blockLength) {
            let block = blockStart..<(blockStart + blockLength)
            for count in Self.transferCounts(masked: blockLength, steps: stepsPerBlock) where count > 0 {
                // As in LLaDA, a position of an earlier block whose prediction was the mask token
                // itself is still masked and still a candidate.
                let masked = (prompt.count..<block.upperBound).filter { x[$0] == maskTokenID }
                let rows = masked.map { shiftLogits ? max(0, $0 - 1) : $0 }
                let result = try model.forward(tokens: x, mask: .bidirectional, frequencies: frequencies, logits: .rows(rows))
                passes += 1
                let V = result.vocabularySize
                let candidates: [(position: Int, token: Int32, confidence: Double)] = result.logits.withUnsafeBufferPointer { all in
                    masked.indices.map { i in
                        let row = UnsafeBufferPointer(rebasing: all[i * V..<(i + 1) * V])
                        let token = TokenSampler.argmax(row)
                        let nll = Scoring.negativeLogLikelihood(row, token: Int(token))
                        return (masked[i], token, Foundation.exp(-nll))
                    }
                }
                let chosen = candidates.sorted { $0.confidence != $1.confidence ? $0.confidence > $1.confidence : $0.position < $1.position }
                for candidate in chosen.prefix(count) { x[candidate.position] = candidate.token }
            }
        }
        return (Array(x[prompt.count...]), passes)
    }
}
