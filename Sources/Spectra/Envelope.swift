import CFFTW3

/// Magnitude of the analytic signal of a real sequence x_n, n = 0 … N−1 (no padding):
///
/// ```
/// X_k   = Σ_n x_n e^(−2πi kn/N)                      (FFTW r2c)
/// h_k   = 1 for k = 0 and (even N) k = N/2; 2 for 0 < k < N/2; 0 otherwise
/// x_a,n = (1/N) Σ_k h_k X_k e^(+2πi kn/N)            (FFTW complex backward)
/// e_n   = |x_a,n|
/// ```
/// `magnitude(of:)` is `numpy.abs(scipy.signal.hilbert(x))`. The transform is circular: near
/// both ends of the sequence the envelope feels the wrap-around from x_{N−1} to x_0.
/// `magnitudeOfEvenExtension(of:)` removes that jump for a sequence known to be even about
/// its first sample (a causal kernel K(Δ), Δ = 0 … L−1, with K(−Δ) = K(Δ)).
public enum AnalyticEnvelope {
    /// e_n = |x_a,n|. Shape [N] with N = `signal.count` ≥ 1. Throws `emptyInput` or
    /// `fftPlanFailed`. Uses cached plans from `plans` and pooled scratch memory.
    public static func magnitude(of signal: [Double], plans: FFTPlanCache = .shared) throws -> [Double] {
        let n = signal.count
        guard n >= 1 else { throw SpectraError.emptyInput(name: "signal", minimum: 1) }
        return try signal.withUnsafeBufferPointer { source in
            try analyticMagnitude(count: n, keepingFrom: 0, plans: plans) { real in
                if let base = source.baseAddress { real.update(from: base, count: n) }
            }
        }
    }

    /// The envelope of x_n (n = 0 … L−1) taken from its even extension about n = 0:
    ///
    /// ```
    /// y_j = x_|j − (L−1)|        j = 0 … 2L−2      (Δ = −(L−1) … L−1, symmetric about Δ = 0)
    /// e_n = |analytic signal of y|_(L−1+n)         n = 0 … L−1
    /// ```
    /// i.e. `abs(scipy.signal.hilbert(np.concatenate([x[:0:-1], x])))[L-1:]`. For an even
    /// function sampled at Δ ≥ 0 (the RoPE kernel K(Δ) = K(−Δ) on the causal window) y is the
    /// function itself on the symmetric window Δ = −(L−1) … L−1, the same distances as the
    /// bidirectional feature window. Δ = 0 is then an interior sample, and the circular wrap
    /// joins y_{2L−2} = x_{L−1} to y_0 = x_{L−1} (equal values) instead of x_{L−1} to x_0 = K(0)
    /// — the jump that made a plain causal envelope rise near Δ = L−1 so that it never settled.
    /// Shape [L] with L = `signal.count` ≥ 1; L = 1 gives |x_0|. Throws `emptyInput` or
    /// `fftPlanFailed`.
    public static func magnitudeOfEvenExtension(of signal: [Double], plans: FFTPlanCache = .shared) throws -> [Double] {
        let count = signal.count
        guard count >= 1 else { throw SpectraError.emptyInput(name: "signal", minimum: 1) }
        let extended = 2 * count - 1
        return try signal.withUnsafeBufferPointer { source in
            try analyticMagnitude(count: extended, keepingFrom: count - 1, plans: plans) { real in
                guard let x = source.baseAddress else { return }
                for j in 0..<(count - 1) { real[j] = x[count - 1 - j] }
                (real + count - 1).update(from: x, count: count)
            }
        }
    }

    /// e_j for j = `first` … n−1 of the length-n sequence that `fill` writes into scratch.
    private static func analyticMagnitude(
        count n: Int, keepingFrom first: Int, plans: FFTPlanCache, fill: (UnsafeMutablePointer<Double>) -> Void
    ) throws -> [Double] {
        let forward = try plans.plan(.realToComplex, size: n)
        let backward = try plans.plan(.complexBackward, size: n)
        return try FFTScratchPool.shared.with([n * 8, n * 16, n * 16]) { buffers in
            let real = buffers[0].doubles
            let spectrum = buffers[1].complexes
            let analytic = buffers[2].complexes
            fill(real)
            forward.execute(realInput: real, output: spectrum)
            // h_k: keep k = 0 (and N/2 for even N), double 0 < k < N/2, zero the negative half.
            let values = buffers[1].doubles
            let positiveEnd = (n + 1) / 2  // first index not doubled
            for k in 1..<max(positiveEnd, 1) {
                values[2 * k] *= 2
                values[2 * k + 1] *= 2
            }
            let zeroStart = n / 2 + 1
            if zeroStart < n { (values + 2 * zeroStart).update(repeating: 0, count: 2 * (n - zeroStart)) }
            backward.execute(complexInput: spectrum, output: analytic)
            let out = UnsafePointer(buffers[2].doubles)
            let scale = 1 / Double(n)
            let kept = n - first
            return [Double](unsafeUninitializedCapacity: kept) { buffer, count in
                guard let e = buffer.baseAddress else { count = 0; return }
                for j in 0..<kept {
                    let re = out[2 * (first + j)]
                    let im = out[2 * (first + j) + 1]
                    e[j] = (re * re + im * im).squareRoot() * scale
                }
                count = kept
            }
        }
    }
}

/// How fast the relative-position kernel K decays: the analytic-signal envelope of K over its
/// window and two distances derived from it, for Δ ≥ 0.
///
/// ```
/// e(Δ)   = |hilbert(K)| at Δ          bidirectional: AnalyticEnvelope over all L_w = 2L samples
///                                     causal: over the even extension Δ = −(L−1) … L−1
///                                             (`AnalyticEnvelope.magnitudeOfEvenExtension`)
/// U(Δ)   = max_{Δ ≤ Δ' ≤ L−1} e(Δ')                  upper (non-increasing) envelope, Δ = 0 … L−1
/// thr    = |K(0)| / e                                 (e = Euler's number; |K(0)| = |Σ w_i|)
/// firstCrossingDistance = min{Δ ≥ 0 : e(Δ) < thr}     (nil if none in the window)
/// settlingDistance      = min{Δ ≥ 0 : U(Δ) < thr}     (after it e stays below thr; nil if none)
/// ```
/// Why the even extension for the causal window: the FFT-based Hilbert transform is circular, so
/// on Δ = 0 … L−1 alone the sequence wraps from K(L−1) straight back to K(0) = Σ w_i; that jump
/// lifts the envelope near Δ = L−1 above the threshold and the causal settling distance was
/// never found. K is even (K(−Δ) = K(Δ)), so the extension adds no assumption: it is K sampled
/// on the symmetric window, where Δ = 0 is interior and the wrap joins two equal values. The
/// causal envelope therefore agrees with the bidirectional one (window Δ = −L … L−1) up to the
/// one-sample difference in period. The reference is K(0) rather than e(0), which can differ
/// from |K(0)| by the Hilbert transform's own end effects.
public struct KernelDecay: Equatable, Sendable {
    /// The window of the kernel.
    public let window: RelativeDistanceWindow
    /// e at every sample, index j ↔ Δ = `window.firstDistance` + j. Shape [L_w].
    public let envelope: [Double]
    /// U(Δ) for Δ = 0 … L−1 (index = Δ). Shape [L].
    public let upperEnvelope: [Double]
    /// |K(0)|/e, same units as K.
    public let threshold: Double
    /// First Δ ≥ 0 (tokens) with e(Δ) < threshold; nil if none.
    public let firstCrossingDistance: Int?
    /// First Δ ≥ 0 (tokens) from which e stays below threshold to the window end; nil if none.
    public let settlingDistance: Int?

    /// Computes the envelope of `kernel.values` and its summary.
    public init(kernel: RelativePositionKernel, plans: FFTPlanCache = .shared) throws {
        let window = kernel.window
        let envelope = window.regime == .causal
            ? try AnalyticEnvelope.magnitudeOfEvenExtension(of: kernel.values, plans: plans)
            : try AnalyticEnvelope.magnitude(of: kernel.values, plans: plans)
        let zero = window.zeroIndex
        let positive = Array(envelope[zero...])  // Δ = 0 … L−1
        var upper = positive
        if upper.count > 1 {
            for j in stride(from: upper.count - 2, through: 0, by: -1) { upper[j] = max(upper[j], upper[j + 1]) }
        }
        let threshold = abs(kernel.valueAtZero) / 2.718281828459045
        self.window = window
        self.envelope = envelope
        self.upperEnvelope = upper
        self.threshold = threshold
        self.firstCrossingDistance = positive.firstIndex { $0 < threshold }
        self.settlingDistance = upper.firstIndex { $0 < threshold }
    }
}
