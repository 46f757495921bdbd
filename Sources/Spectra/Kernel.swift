/// The relative-position kernel of a RoPE frequency set, sampled on a `RelativeDistanceWindow`:
///
/// ```
/// K(Δ) = Σ_i w_i · cos(θ_i · Δ)        i = 0 … d/2 − 1, Δ in tokens, θ_i in rad/token
/// ```
/// With the default weights w_i = 1/(d/2), K(0) = Σ w_i = 1. K(Δ) is the RoPE logit
/// q·R(Δ)k / (d/2) for a query and key whose every rotation pair is the unit vector (1, 0),
/// Δ = m − n tokens apart; it is even in Δ.
public struct RelativePositionKernel: Equatable, Sendable {
    /// The sampled distances.
    public let window: RelativeDistanceWindow
    /// θ_i, rad/token. Shape [d/2].
    public let inverseFrequency: [Double]
    /// w_i (dimensionless). Shape [d/2].
    public let weights: [Double]
    /// K(Δ) with Δ = `window.firstDistance` + j at index j. Shape [`window.sampleCount`].
    public let values: [Double]

    /// Samples K on `window`.
    ///
    /// - Parameters:
    ///   - inverseFrequency: θ_i, rad/token, finite, at least one (e.g.
    ///     `RoPEFrequencies.inverseFrequency`). Shape [d/2].
    ///   - weights: w_i, finite, shape [d/2]; nil means 1/(d/2) each.
    ///   - window: the distances to sample.
    /// - Throws: `emptyInput`, `nonFiniteInput`, `lengthMismatch`.
    /// - Complexity: O(d/2 · L_w) multiply-adds plus O(d/2 · L_w / 256) trigonometric calls.
    public init(inverseFrequency: [Double], weights: [Double]? = nil, window: RelativeDistanceWindow) throws {
        try Validate.nonEmpty(inverseFrequency, "inverse frequencies θ")
        try Validate.finite(inverseFrequency, "inverse frequencies θ")
        let resolvedWeights = weights ?? Self.defaultWeights(pairCount: inverseFrequency.count)
        guard resolvedWeights.count == inverseFrequency.count else {
            throw SpectraError.lengthMismatch(
                name: "kernel weights", count: resolvedWeights.count, expected: inverseFrequency.count)
        }
        try Validate.finite(resolvedWeights, "kernel weights")
        self.window = window
        self.inverseFrequency = inverseFrequency
        self.weights = resolvedWeights
        let count = window.sampleCount
        let first = window.firstDistance
        self.values = [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else { initialized = 0; return }
            base.initialize(repeating: 0, count: count)
            for (theta, weight) in zip(inverseFrequency, resolvedWeights) {
                Phasor.accumulateCos(theta: theta, weight: weight, firstDistance: first, count: count, into: base)
            }
            initialized = count
        }
    }

    /// w_i = 1/n for n pairs, so that K(0) = 1. Shape [n].
    public static func defaultWeights(pairCount: Int) -> [Double] {
        [Double](repeating: 1 / Double(max(pairCount, 1)), count: pairCount)
    }

    /// The sampled distances Δ, tokens. Shape [`window.sampleCount`].
    public var distances: [Int] { window.distances }

    /// K(0) = Σ w_i, read from the samples.
    public var valueAtZero: Double { values[window.zeroIndex] }
}

/// Per-pair signals s_i(Δ) = cos(θ_i·Δ) on a window, stored row-major: `values[i·L_w + j]` is
/// pair i at Δ = `window.firstDistance` + j. Memory: d/2 · L_w doubles (use
/// `PairLeakage`/`PairResolution` for large windows; they never materialise all signals).
public struct PairSignals: Equatable, Sendable {
    /// The sampled distances.
    public let window: RelativeDistanceWindow
    /// θ_i, rad/token. Shape [d/2].
    public let inverseFrequency: [Double]
    /// cos(θ_i·Δ_j), row-major. Shape [d/2, L_w].
    public let values: [Double]

    /// Samples cos(θ_i·Δ) for every pair. Throws `emptyInput`, `nonFiniteInput`.
    public init(inverseFrequency: [Double], window: RelativeDistanceWindow) throws {
        try Validate.nonEmpty(inverseFrequency, "inverse frequencies θ")
        try Validate.finite(inverseFrequency, "inverse frequencies θ")
        self.window = window
        self.inverseFrequency = inverseFrequency
        let count = window.sampleCount
        let total = count * inverseFrequency.count
        self.values = [Double](unsafeUninitializedCapacity: total) { buffer, initialized in
            guard let base = buffer.baseAddress else { initialized = 0; return }
            base.initialize(repeating: 0, count: total)
            for (pair, theta) in inverseFrequency.enumerated() {
                Phasor.accumulateCos(
                    theta: theta, weight: 1, firstDistance: window.firstDistance, count: count,
                    into: base + pair * count)
            }
            initialized = total
        }
    }

    /// Number of pairs d/2.
    public var pairCount: Int { inverseFrequency.count }

    /// Pair `pair`'s signal. Shape [L_w]. `pair` must be in 0 ..< `pairCount`.
    public func signal(pair: Int) -> ArraySlice<Double> {
        let count = window.sampleCount
        return values[(pair * count)..<((pair + 1) * count)]
    }
}
