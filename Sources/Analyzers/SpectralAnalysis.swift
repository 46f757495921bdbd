import RoPE
import Spectra

/// Spectral view of one frequency set in one regime: the relative-position kernel
/// K(Δ) = Σ_i w_i·cos(θ'_i·Δ) with w_i = 1/(d/2), its power spectrum, per-pair resolvability and
/// leakage, and the decay envelope of K (see `Spectra` for each definition).
public struct RegimeSpectrum: Sendable {
    public let regime: RelativeDistanceRegime
    /// K over the window (causal Δ = 0…L−1, bidirectional Δ = −L…L−1). Shape [L_w].
    public let kernel: [Double]
    /// |rfft(w·K, N_fft)|², bins k/N_fft cycles/token. Shape [N_fft/2 + 1].
    public let power: [Double]
    /// N_fft.
    public let fftLength: Int
    /// Per pair: separable from DC, Nyquist and its neighbours by one main-lobe half-width. Shape [d/2].
    public let resolvable: [Bool]
    /// Per pair: fraction of the windowed tone's power outside its main lobe. Shape [d/2].
    public let leakage: [Double]
    /// |analytic signal of K|. Shape [L_w].
    public let envelope: [Double]
    /// First Δ ≥ 0 where the envelope falls below |K(0)|/e, tokens; nil if none in the window.
    public let firstCrossingDistance: Int?
    /// First Δ ≥ 0 after which the envelope stays below |K(0)|/e, tokens; nil if none.
    public let settlingDistance: Int?

    /// Computes the spectrum of `inverseFrequency` over a window of `length` tokens.
    public init(inverseFrequency: [Double], regime: RelativeDistanceRegime, length: Int, options: SpectrumOptions) throws {
        let window = try RelativeDistanceWindow(regime: regime, length: length)
        let kernel = try RelativePositionKernel(inverseFrequency: inverseFrequency, window: window)
        let spectrum = try PowerSpectrum(signal: kernel.values, options: options)
        let decay = try KernelDecay(kernel: kernel)
        self.regime = regime
        self.kernel = kernel.values
        power = spectrum.power
        fftLength = spectrum.fftLength
        resolvable = try PairResolution(inverseFrequency: inverseFrequency, window: window, spectralWindow: options.window).resolvable
        leakage = try PairLeakage(inverseFrequency: inverseFrequency, window: window, options: options).leakage
        envelope = decay.envelope
        firstCrossingDistance = decay.firstCrossingDistance
        settlingDistance = decay.settlingDistance
    }
}

/// Conditioning of the position features before (θ) and after (θ') scaling, per regime.
public struct ConditioningComparison: Sendable {
    /// Unscaled θ over the window.
    public let unscaled: PositionFeatureConditioning
    /// Scaled θ' over the window.
    public let scaled: PositionFeatureConditioning

    /// Computes both from `table`'s θ and θ' over `length` tokens of `regime`'s window.
    public init(table: PairTable, regime: RelativeDistanceRegime, length: Int) throws {
        unscaled = try PositionFeatureConditioning(inverseFrequency: table.baseInverseFrequency, regime: regime, length: length)
        scaled = try PositionFeatureConditioning(inverseFrequency: table.inverseFrequency, regime: regime, length: length)
    }

    /// Pairs two results computed elsewhere (e.g. shared between sweep rows with the same θ).
    public init(unscaled: PositionFeatureConditioning, scaled: PositionFeatureConditioning) {
        self.unscaled = unscaled
        self.scaled = scaled
    }
}

/// Resolved spectrum settings of a sweep (the same window for every row, so arrays line up).
public struct ResolvedSpectrumSettings: Equatable, Sendable {
    /// Window length L, tokens.
    public let length: Int
    public let options: SpectrumOptions

    /// Defaults: length 8192, hann, padding factor 2. Throws `AnalyzerError.invalidConfigValue`.
    public init(_ settings: SpectrumSettings, path: String) throws {
        length = settings.length ?? 8192
        guard length >= 2, length <= 1 << 22 else {
            throw AnalyzerError.invalidConfigValue(path: path, field: "spectrum.length", value: "\(length)", allowed: "2...4194304")
        }
        let name = settings.window ?? "hann"
        guard let window = SpectralWindow(rawValue: name) else {
            throw AnalyzerError.invalidConfigValue(
                path: path, field: "spectrum.window", value: name,
                allowed: SpectralWindow.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let padding = settings.paddingFactor ?? 2
        guard padding >= 1, padding <= 64 else {
            throw AnalyzerError.invalidConfigValue(path: path, field: "spectrum.padding_factor", value: "\(padding)", allowed: "1...64")
        }
        options = SpectrumOptions(window: window, paddingFactor: padding)
    }
}

/// Resolved conditioning window length (default 8192, 2…1048576 tokens).
public func resolvedConditioningLength(_ settings: ConditioningSettings, path: String) throws -> Int {
    let length = settings.length ?? 8192
    guard length >= 2, length <= 1 << 20 else {
        throw AnalyzerError.invalidConfigValue(path: path, field: "conditioning.length", value: "\(length)", allowed: "2...1048576")
    }
    return length
}
