import Foundation

/// A token to score at one window position: NLL of `token` under the logits row `row`.
public struct TokenTarget: Equatable, Sendable {
    /// Window position whose logits are used, 0…L−1.
    public var row: Int
    /// Token id whose negative log-likelihood is computed, 0…V−1.
    public var token: Int32

    /// Scores `token` under the logits of window position `row`.
    public init(row: Int, token: Int32) {
        self.row = row
        self.token = token
    }

    /// Next-token targets of a causal window: row t scores tokens[t+1], t = 0…L−2. Shape [L−1].
    public static func nextTokens(_ tokens: [Int32]) -> [TokenTarget] {
        tokens.indices.dropLast().map { TokenTarget(row: $0, token: tokens[$0 + 1]) }
    }
}

/// Log-softmax scoring in Double.
public enum Scoring {
    /// logsumexp of one logits row, in Double:
    /// ```
    /// lse = m + ln Σ_v e^(x_v − m),  m = max_v x_v
    /// ```
    public static func logSumExp(_ row: UnsafeBufferPointer<Float>) -> Double {
        var maximum = -Double.infinity
        for value in row { maximum = max(maximum, Double(value)) }
        guard maximum.isFinite else { return maximum }
        var sum: Double = 0
        for value in row { sum += Foundation.exp(Double(value) - maximum) }
        return maximum + Foundation.log(sum)
    }

    /// Negative log-likelihood of `token` under one logits row, nats:
    /// `nll = logsumexp(x) − x[token]` (≥ 0).
    public static func negativeLogLikelihood(_ row: UnsafeBufferPointer<Float>, token: Int) -> Double {
        logSumExp(row) - Double(row[token])
    }

    /// Per-token next-token NLL of a window from its logits, nats:
    /// ```
    /// nll[t] = logsumexp(logits[t]) − logits[t][tokens[t+1]],  t = 0…L−2
    /// ```
    /// `logits`: [L, V] row-major; `tokens`: [L]. Returns [L−1]. Throws `lengthMismatch` or
    /// `tokenOutOfRange` for inconsistent inputs.
    public static func nextTokenNegativeLogLikelihood(logits: [Float], vocabularySize: Int, tokens: [Int32]) throws -> [Double] {
        guard vocabularySize >= 1, logits.count == tokens.count * vocabularySize else {
            throw InferenceError.lengthMismatch(
                name: "logits (rows of \(vocabularySize))", count: logits.count, expected: tokens.count * max(1, vocabularySize))
        }
        for (position, token) in tokens.enumerated() where token < 0 || Int(token) >= vocabularySize {
            throw InferenceError.tokenOutOfRange(position: position, token: token, vocabularySize: vocabularySize)
        }
        return logits.withUnsafeBufferPointer { all in
            TokenTarget.nextTokens(tokens).map { target in
                let row = UnsafeBufferPointer(rebasing: all[target.row * vocabularySize..<(target.row + 1) * vocabularySize])
                return negativeLogLikelihood(row, token: Int(target.token))
            }
        }
    }
}
