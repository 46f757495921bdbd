import CFFTW3

/// Magnitude of the analytic signal of a real sequence x_n, n = 0 … N−1 (no padding):
///
/// ```
/// X_k   = Σ_n x_n e^(−2πi kn/N)                      (FFTW r2c)
/// h_k   = 1 for k = 0 and (even N) k = N/2; 2 for 0 < k < N/2; 0 otherwise
/// x_a,n = (1/N) Σ_k h_k X_k e^(+2πi kn/N)            (FFTW complex backward)
/// e_n   = |x_a,n|
/// ```
/// This is `numpy.abs(scipy.signal.hilbert(x))`. The transform is circular: near both ends of
/// the sequence the envelope feels the wrap-around from x_{N−1} to x_0.
public enum AnalyticEnvelope {
    /// e_n = |x_a,n|. Shape [N] with N = `signal.count` ≥ 1. Throws `emptyInput` or
    /// `fftPlanFailed`. Uses cached plans from `plans` and pooled scratch memory.
    public static func magnitude(of signal: [Double], plans: FFTPlanCache = .shared) throws -> [Double] {
        let n = signal.count
        guard n >= 1 else { throw SpectraError.emptyInput(name: "signal", minimum: 1) }
        let forward = try plans.plan(.realToComplex, size: n)
        let backward = try plans.plan(.complexBackward, size: n)
        return try FFTScratchPool.shared.with([n * 8, n * 16, n * 16]) { buffers in
            let real = buffers[0].doubles
            let spectrum = buffers[1].complexes
            let analytic = buffers[2].complexes
            signal.withUnsafeBufferPointer { source in
                if let base = source.baseAddress { real.update(from: base, count: n) }
            }
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
            return [Double](unsafeUninitializedCapacity: n) { buffer, count in
                guard let e = buffer.baseAddress else { count = 0; return }
                for j in 0..<n {
                    let re = out[2 * j]
                    let im = out[2 * j + 1]
                    e[j] = (re * re + im * im).squareRoot() * scale
                }
                count = n
            }
        }
    }
}

/// How fast the relative-position kernel K decays: the analytic-signal envelope of K over its
/// window and two distances derived from it, for Δ ≥ 0.
///
/// ```
/// e(Δ)   = |hilbert(K)| at Δ                         (AnalyticEnvelope over all L_w samples)
/// U(Δ)   = max_{Δ ≤ Δ' ≤ L−1} e(Δ')                  upper (non-increasing) envelope, Δ = 0 … L−1
/// thr    = |K(0)| / e                                 (e = Euler's number; |K(0)| = |Σ w_i|)
/// firstCrossingDistance = min{Δ ≥ 0 : e(Δ) < thr}     (nil if none in the window)
/// settlingDistance      = min{Δ ≥ 0 : U(Δ) < thr}     (after it e stays below thr; nil if none)
/// ```
/// The reference is K(0) rather than e(0) because e is distorted at the window edge (circular
/// transform) in the causal window, where Δ = 0 is sample 0.
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
        let envelope = try AnalyticEnvelope.magnitude(of: kernel.values, plans: plans)
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
