import CFFTW3

/// One-sided power spectrum of a real signal x_n (n = 0 … L_w−1), tapered by w_n and
/// zero-padded to N = N_fft:
///
/// ```
/// X_k = Σ_{n<L_w} w_n x_n e^(−2πi kn/N)      k = 0 … N/2   (FFTW r2c; numpy.fft.rfft(w*x, n=N))
/// P_k = |X_k|²                               (no normalisation: numpy `norm="backward"`)
/// f_k = k / N                                cycles/token
/// ```
/// Parseval: Σ_n (w_n x_n)² = (1/N)·(P_0 + 2·Σ_{0<k<N/2} P_k + P_{N/2}) for even N (for odd N
/// every k > 0 counts twice); `energy` evaluates the right-hand side.
/// Non-finite samples propagate into P as they would in numpy.
public struct PowerSpectrum: Equatable, Sendable {
    /// P_k = |X_k|². Shape [N/2 + 1].
    public let power: [Double]
    /// N = N_fft, samples.
    public let fftLength: Int
    /// L_w, samples of the signal before padding.
    public let signalLength: Int
    /// Window and padding used.
    public let options: SpectrumOptions

    /// Computes the spectrum of `signal` (L_w = `signal.count` ≥ 1).
    ///
    /// Uses the cached r2c plan for N from `plans` and pooled aligned scratch memory, so
    /// repeated calls allocate only the returned array. Throws `emptyInput` and the errors of
    /// `SpectrumOptions.fftLength(signalLength:)`.
    public init(signal: [Double], options: SpectrumOptions = SpectrumOptions(), plans: FFTPlanCache = .shared) throws {
        self = try signal.withUnsafeBufferPointer { try PowerSpectrum(signal: $0, options: options, plans: plans) }
    }

    /// As `init(signal:options:plans:)`, reading the samples from a buffer.
    public init(
        signal: UnsafeBufferPointer<Double>, options: SpectrumOptions = SpectrumOptions(), plans: FFTPlanCache = .shared
    ) throws {
        guard signal.count >= 1, let source = signal.baseAddress else {
            throw SpectraError.emptyInput(name: "signal", minimum: 1)
        }
        let engine = try RealSpectrumEngine(signalLength: signal.count, options: options, plans: plans)
        let power = try engine.run { input in engine.load(source, into: input) }
        self.init(power: power, fftLength: engine.fftLength, signalLength: signal.count, options: options)
    }

    init(power: [Double], fftLength: Int, signalLength: Int, options: SpectrumOptions) {
        self.power = power
        self.fftLength = fftLength
        self.signalLength = signalLength
        self.options = options
    }

    /// Bin spacing 1/N, cycles/token.
    public var binWidth: Double { 1 / Double(fftLength) }

    /// f_k = k/N, cycles/token. Shape [N/2 + 1].
    public var frequency: [Double] {
        let n = Double(fftLength)
        return (0..<power.count).map { Double($0) / n }
    }

    /// (1/N)·Σ over all N two-sided bins of |X_k|² = Σ_n (w_n x_n)² (Parseval), from the
    /// one-sided P with interior bins counted twice.
    public var energy: Double {
        var sum = 0.0
        for k in power.indices { sum += Self.oneSidedMultiplicity(bin: k, fftLength: fftLength) * power[k] }
        return sum / Double(fftLength)
    }

    /// Index of the largest P_k (the first one on ties).
    public var peakBin: Int {
        var best = 0
        for k in power.indices where power[k] > power[best] { best = k }
        return best
    }

    /// How many two-sided bins one-sided bin k stands for: 1 for k = 0 and (even N) k = N/2,
    /// otherwise 2.
    static func oneSidedMultiplicity(bin: Int, fftLength: Int) -> Double {
        (bin == 0 || 2 * bin == fftLength) ? 1 : 2
    }
}

/// The reusable pieces of one windowed, padded r2c power spectrum: plan, window, sizes.
struct RealSpectrumEngine {
    let signalLength: Int
    let fftLength: Int
    let window: [Double]?
    let plan: FFTPlan

    init(signalLength: Int, options: SpectrumOptions, plans: FFTPlanCache) throws {
        self.signalLength = signalLength
        self.fftLength = try options.fftLength(signalLength: signalLength)
        self.window = options.window == .rectangular
            ? nil : try options.window.coefficients(length: signalLength, symmetry: options.symmetry)
        self.plan = try plans.plan(.realToComplexInPlace, size: fftLength)
    }

    var binCount: Int { fftLength / 2 + 1 }

    /// Copies `source` (L_w samples) times the window into `input` and zeroes the padding.
    func load(_ source: UnsafePointer<Double>, into input: UnsafeMutablePointer<Double>) {
        if let window {
            window.withUnsafeBufferPointer { w in
                guard let w = w.baseAddress else { return }
                for n in 0..<signalLength { input[n] = source[n] * w[n] }
            }
        } else {
            input.update(from: source, count: signalLength)
        }
        (input + signalLength).update(repeating: 0, count: fftLength - signalLength)
    }

    /// Multiplies the L_w samples already in `input` by the window in place and zeroes the padding.
    func taperInPlace(_ input: UnsafeMutablePointer<Double>) {
        if let window {
            window.withUnsafeBufferPointer { w in
                guard let w = w.baseAddress else { return }
                for n in 0..<signalLength { input[n] *= w[n] }
            }
        }
        (input + signalLength).update(repeating: 0, count: fftLength - signalLength)
    }

    /// Takes pooled scratch of 2·(N/2 + 1) doubles, lets `fill` write the N padded input
    /// samples at its start, transforms in place, and returns P_k. Shape [N/2 + 1].
    func run(_ fill: (UnsafeMutablePointer<Double>) -> Void) throws -> [Double] {
        let bins = binCount
        return try FFTScratchPool.shared.with([bins * 16]) { buffers in
            let buffer = buffers[0]
            fill(buffer.doubles)
            plan.execute(realInput: buffer.doubles, output: buffer.complexes)
            let spectrum = UnsafePointer(buffer.doubles)
            return [Double](unsafeUninitializedCapacity: bins) { buffer, count in
                guard let p = buffer.baseAddress else { count = 0; return }
                for k in 0..<bins {
                    let re = spectrum[2 * k]
                    let im = spectrum[2 * k + 1]
                    p[k] = re * re + im * im
                }
                count = bins
            }
        }
    }
}
