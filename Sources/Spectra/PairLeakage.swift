/// Spectral leakage of each pair's tapered signal s_i(Δ) = cos(θ_i·Δ) over a window.
///
/// With P_k the power spectrum of the tapered, zero-padded s_i (see `PowerSpectrum`), f_k = k/N,
/// folded f_i (see `PairResolution`) and main-lobe half-width h = c/L_w, the main lobe is every
/// frequency within h (circular distance) of the tone or of its mirror image −f_i. On the
/// one-sided bins 0 ≤ f_k ≤ 1/2 the mirror lobes (around −f_i and 1 − f_i) only reach bins that
/// are already within h of f_i, so, with the slack 10⁻⁹·h of `PairResolution`,
///
/// ```
/// inLobe(k) = |f_k − f_i| ≤ h
/// leakage_i = Σ_{k ∉ lobe} m_k P_k / Σ_k m_k P_k        (m_k = 1 at k = 0 and N/2, else 2)
/// ```
/// i.e. the fraction of the two-sided spectral power outside the main lobe(s), in [0, 1]. Only
/// bins are counted, so with `paddingFactor` 1 a rectangular window can show leakage 0 for a
/// tone exactly on a bin; pad (e.g. factor 4 or more) to see sidelobes. NaN when the tapered
/// signal has zero energy.
public struct PairLeakage: Equatable, Sendable {
    /// The sampled distances (L_w).
    public let window: RelativeDistanceWindow
    /// Taper and padding.
    public let options: SpectrumOptions
    /// N_fft used.
    public let fftLength: Int
    /// h = c/L_w, cycles/token.
    public let halfWidth: Double
    /// leakage_i, fraction in [0, 1]. Shape [d/2].
    public let leakage: [Double]

    /// Computes the leakage of every pair with one cached r2c plan; signals are generated
    /// straight into scratch memory, one pair at a time (memory O(N_fft)).
    /// Throws `emptyInput`, `nonFiniteInput` and the errors of `SpectrumOptions.fftLength`.
    public init(
        inverseFrequency: [Double], window: RelativeDistanceWindow, options: SpectrumOptions,
        plans: FFTPlanCache = .shared
    ) throws {
        try Validate.nonEmpty(inverseFrequency, "inverse frequencies θ")
        try Validate.finite(inverseFrequency, "inverse frequencies θ")
        let count = window.sampleCount
        let engine = try RealSpectrumEngine(signalLength: count, options: options, plans: plans)
        let h = options.window.mainLobeHalfWidth(length: count)
        let slack = h * (1 + 1e-9)
        let n = engine.fftLength
        var leakage: [Double] = []
        leakage.reserveCapacity(inverseFrequency.count)
        for theta in inverseFrequency {
            let power = try engine.run { input in
                input.initialize(repeating: 0, count: count)
                Phasor.accumulateCos(
                    theta: theta, weight: 1, firstDistance: window.firstDistance, count: count, into: input)
                engine.taperInPlace(input)
            }
            let f = PairResolution.foldedFrequency(inverseFrequency: theta)
            var total = 0.0
            var outside = 0.0
            for k in power.indices {
                let fk = Double(k) / Double(n)
                let weighted = PowerSpectrum.oneSidedMultiplicity(bin: k, fftLength: n) * power[k]
                total += weighted
                if abs(fk - f) > slack { outside += weighted }
            }
            leakage.append(total > 0 ? outside / total : .nan)
        }
        self.window = window
        self.options = options
        self.fftLength = n
        self.halfWidth = h
        self.leakage = leakage
    }
}
