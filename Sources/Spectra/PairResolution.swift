import Foundation

/// Which RoPE pairs a spectral analysis over a window can tell apart.
///
/// Each pair's spectral frequency is f_i = θ_i/(2π) cycles/token, folded into the sampled band
/// [0, 1/2] (cos(θΔ) at integer Δ cannot tell θ from 2π − θ): f_i ← |f_i − round(f_i)|.
/// With h = c/L_w the main-lobe half-width of the taper (c = 1 rectangular, 2 hann and
/// hamming, 3 blackman; L_w = window samples; cycles/token), pair i is *resolvable* when
///
/// ```
/// f_i ≥ h                          (its lobe does not merge with its mirror image at −f_i)
/// 1/2 − f_i ≥ h                    (nor with its mirror image at 1 − f_i, past Nyquist)
/// min_{j≠i} |f_i − f_j| ≥ h        (nor with the nearest other pair's lobe)
/// ```
/// each compared with a relative slack of 10⁻⁹·h so a distance equal to h up to rounding counts
/// as ≥ h. Zero padding does not change resolvability (it interpolates the same spectrum).
public struct PairResolution: Equatable, Sendable {
    /// The sampled distances (sets L_w).
    public let window: RelativeDistanceWindow
    /// The taper (sets c).
    public let spectralWindow: SpectralWindow
    /// h = c/L_w, cycles/token.
    public let halfWidth: Double
    /// Folded f_i, cycles/token, in [0, 1/2]. Shape [d/2].
    public let frequency: [Double]
    /// min_{j≠i} |f_i − f_j|, cycles/token; +∞ when there is a single pair. Shape [d/2].
    public let nearestNeighbourDistance: [Double]
    /// The rule above, per pair. Shape [d/2].
    public let resolvable: [Bool]

    /// Evaluates the rule for θ_i (rad/token, finite, at least one).
    /// Throws `emptyInput` or `nonFiniteInput`.
    public init(inverseFrequency: [Double], window: RelativeDistanceWindow, spectralWindow: SpectralWindow) throws {
        try Validate.nonEmpty(inverseFrequency, "inverse frequencies θ")
        try Validate.finite(inverseFrequency, "inverse frequencies θ")
        let h = spectralWindow.mainLobeHalfWidth(length: window.sampleCount)
        let frequency = inverseFrequency.map { Self.foldedFrequency(inverseFrequency: $0) }
        let nearest = Self.nearestNeighbourDistances(frequency)
        let minimum = h * (1 - 1e-9)
        self.window = window
        self.spectralWindow = spectralWindow
        self.halfWidth = h
        self.frequency = frequency
        self.nearestNeighbourDistance = nearest
        self.resolvable = zip(frequency, nearest).map { f, gap in
            f >= minimum && 0.5 - f >= minimum && gap >= minimum
        }
    }

    /// Number of resolvable pairs.
    public var resolvableCount: Int { resolvable.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// f = θ/(2π) folded into [0, 1/2] cycles/token.
    public static func foldedFrequency(inverseFrequency theta: Double) -> Double {
        let f = theta / (2 * Double.pi)
        return abs(f - f.rounded())
    }

    /// min_{j≠i} |f_i − f_j| via one sort, O(n log n). Shape as input.
    static func nearestNeighbourDistances(_ frequency: [Double]) -> [Double] {
        let order = frequency.indices.sorted { frequency[$0] < frequency[$1] }
        var nearest = [Double](repeating: .infinity, count: frequency.count)
        for position in 1..<max(order.count, 1) {
            let left = order[position - 1]
            let right = order[position]
            let gap = frequency[right] - frequency[left]
            nearest[left] = min(nearest[left], gap)
            nearest[right] = min(nearest[right], gap)
        }
        return nearest
    }
}
