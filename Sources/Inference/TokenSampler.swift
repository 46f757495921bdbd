import Foundation

/// How the next token is chosen from a logits row: greedy (temperature 0) or a draw from the
/// tempered distribution restricted by top-k and top-p, in that order (the order of Hugging Face
/// `generate`'s logits warpers; llama.cpp's default chain applies the temperature last):
/// ```
/// p_v ∝ exp((x_v − max x)/T)                      over the vocabulary
/// keep the k most probable (k = 0: all)
/// keep the smallest most-probable prefix whose mass ≥ top_p·(mass kept), at least one token
/// renormalise and draw
/// ```
public struct SamplingParameters: Equatable, Sendable {
    /// T ≥ 0 (0 = greedy: the argmax, lowest id on ties).
    public let temperature: Double
    /// k ≥ 0 most probable tokens kept (0 = no limit).
    public let topK: Int
    /// Nucleus mass in (0, 1] (1 = no limit).
    public let topP: Double

    /// Throws `InferenceError.invalidConfiguration` for a negative or non-finite temperature, a
    /// negative top-k or a top-p outside (0, 1].
    public init(temperature: Double, topK: Int = 0, topP: Double = 1) throws {
        guard temperature.isFinite, temperature >= 0 else {
            throw InferenceError.invalidConfiguration(name: "temperature", value: "\(temperature)", allowed: "a finite number >= 0 (0 = greedy)")
        }
        guard topK >= 0 else {
            throw InferenceError.invalidConfiguration(name: "top-k", value: "\(topK)", allowed: "an integer >= 0 (0 = no limit)")
        }
        guard topP.isFinite, topP > 0, topP <= 1 else {
            throw InferenceError.invalidConfiguration(name: "top-p", value: "\(topP)", allowed: "a number in (0, 1] (1 = no limit)")
        }
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
    }

    private init(unchecked temperature: Double) {
        self.temperature = temperature
        topK = 0
        topP = 1
    }

    /// Temperature 0: always the argmax.
    public static let greedy = SamplingParameters(unchecked: 0)

    /// True for temperature 0.
    public var isGreedy: Bool { temperature == 0 }
}

/// Chooses tokens from logits rows (see `SamplingParameters`).
public enum TokenSampler {
    /// The id of the largest logit (the lowest id among equal maxima; NaN entries never win).
    public static func argmax(_ row: UnsafeBufferPointer<Float>) -> Int32 {
        var best = 0
        var bestValue = -Float.infinity
        for (index, value) in row.enumerated() where value > bestValue {
            best = index
            bestValue = value
        }
        return Int32(best)
    }

    /// The distribution `sample` draws from: the kept tokens, most probable first (ties by id),
    /// with probabilities summing to 1 (Double). Greedy gives the argmax with probability 1.
    public static func distribution(_ row: UnsafeBufferPointer<Float>, parameters: SamplingParameters)
        -> [(token: Int32, probability: Double)] {
        guard !parameters.isGreedy else { return [(argmax(row), 1)] }
        let maximum = Double(row.max() ?? 0)
        let weights = row.map { value -> Double in
            let w = Foundation.exp((Double(value) - maximum) / parameters.temperature)
            return w.isFinite ? w : 0
        }
        var order = Array(0..<row.count).sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
        if parameters.topK > 0, parameters.topK < order.count { order.removeSubrange(parameters.topK...) }
        let kept = order.reduce(0) { $0 + weights[$1] }
        if parameters.topP < 1 {
            var mass = 0.0
            var count = 0
            while count < order.count, count == 0 || mass < parameters.topP * kept {
                mass += weights[order[count]]
                count += 1
            }
            order.removeSubrange(count...)
        }
        let total = order.reduce(0) { $0 + weights[$1] }
        guard total > 0, total.isFinite else { return [(argmax(row), 1)] }   // no finite logit
        return order.map { (Int32($0), weights[$0] / total) }
    }

    /// The next token: the argmax for greedy parameters, else a draw from `distribution` with
    /// one uniform u = (generator.next() >> 11)·2⁻⁵³ ∈ [0, 1): the first token whose cumulative
    /// probability exceeds u (most probable first). The same generator state gives the same token.
    public static func sample<Generator: RandomNumberGenerator>(
        _ row: UnsafeBufferPointer<Float>, parameters: SamplingParameters, using generator: inout Generator) -> Int32 {
        guard !parameters.isGreedy else { return argmax(row) }
        let candidates = distribution(row, parameters: parameters)
        let u = Double(generator.next() >> 11) * 0x1p-53
        var cumulative = 0.0
        for candidate in candidates {
            cumulative += candidate.probability
            if u < cumulative { return candidate.token }
        }
        return candidates[candidates.count - 1].token   // u within rounding of 1
    }
}
