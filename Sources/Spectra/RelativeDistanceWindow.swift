import RoPE

/// The relative distances Δ (tokens) at which kernels and per-pair signals are sampled for
/// spectral analysis, for a context of `length` = L tokens:
///
/// ```
/// causal:        Δ = 0 … L−1        (L samples)
/// bidirectional: Δ = −L … L−1       (2L samples; Δ = 0 sits at sample index L)
/// ```
/// Sample j holds Δ = `firstDistance` + j. The bidirectional window has an even length with Δ = 0
/// at its centre index so that, as for numpy's `fftshift` layout, the sequence is symmetric about
/// that index except for the single extra sample at Δ = −L.
public struct RelativeDistanceWindow: Equatable, Sendable {
    /// Which distances attention sees (from the `RoPE` target).
    public let regime: RelativeDistanceRegime
    /// Context length L, tokens: 1 … 2^29.
    public let length: Int

    /// Largest accepted L (so that 2L stays within `FFTPlanCache.maximumSize`).
    public static let maximumLength = 1 << 29

    /// Throws `invalidParameter` when `length` is outside 1 … `maximumLength`.
    public init(regime: RelativeDistanceRegime, length: Int) throws {
        try Validate.positive(length, "window length L (tokens)", maximum: Self.maximumLength)
        self.regime = regime
        self.length = length
    }

    /// Number of samples L_w: L (causal) or 2L (bidirectional).
    public var sampleCount: Int { regime == .causal ? length : 2 * length }

    /// Δ of sample 0, tokens: 0 (causal) or −L (bidirectional).
    public var firstDistance: Int { regime == .causal ? 0 : -length }

    /// Sample index of Δ = 0: 0 (causal) or L (bidirectional).
    public var zeroIndex: Int { -firstDistance }

    /// All sampled distances, tokens. Shape [`sampleCount`].
    public var distances: [Int] { Array(firstDistance..<(firstDistance + sampleCount)) }
}
