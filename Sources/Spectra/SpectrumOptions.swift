/// How a signal of L_w samples is tapered and zero-padded before its FFT.
///
/// ```
/// N_fft = nextPowerOfTwo(paddingFactor · L_w)   (roundsToPowerOfTwo = true, default)
/// N_fft = paddingFactor · L_w                   (roundsToPowerOfTwo = false)
/// ```
/// nextPowerOfTwo(n) is the smallest 2^k ≥ n, so L_w = 100 with paddingFactor 4 gives
/// N_fft = 512, and a power-of-two L_w with paddingFactor 1 is left unpadded. Bin k of the
/// spectrum is at frequency k/N_fft cycles/token.
public struct SpectrumOptions: Equatable, Sendable, Codable {
    /// Taper applied to the L_w samples (default `.rectangular`, i.e. none: plain `rfft`).
    public var window: SpectralWindow
    /// Symmetric (numpy) or periodic (scipy `get_window`) coefficients; default `.symmetric`.
    public var symmetry: WindowSymmetry
    /// Zero-padding multiple, 1 … `maximumPaddingFactor` (default 1).
    public var paddingFactor: Int
    /// Round N_fft up to a power of two (default true); false pads to exactly paddingFactor·L_w.
    public var roundsToPowerOfTwo: Bool

    /// Largest accepted padding factor.
    public static let maximumPaddingFactor = 1024

    /// Options with the given fields; validated when used (`fftLength(signalLength:)`).
    public init(
        window: SpectralWindow = .rectangular, symmetry: WindowSymmetry = .symmetric,
        paddingFactor: Int = 1, roundsToPowerOfTwo: Bool = true
    ) {
        self.window = window
        self.symmetry = symmetry
        self.paddingFactor = paddingFactor
        self.roundsToPowerOfTwo = roundsToPowerOfTwo
    }

    /// N_fft for a signal of `signalLength` samples (rule above). Throws `invalidParameter` for
    /// `signalLength` < 1, a padding factor outside 1 … `maximumPaddingFactor`, or an N_fft above
    /// `FFTPlanCache.maximumSize`.
    public func fftLength(signalLength: Int) throws -> Int {
        try Validate.positive(signalLength, "signal length (samples)")
        try Validate.positive(paddingFactor, "padding factor", maximum: Self.maximumPaddingFactor)
        let (padded, overflow) = signalLength.multipliedReportingOverflow(by: paddingFactor)
        guard !overflow, padded <= FFTPlanCache.maximumSize else {
            throw SpectraError.invalidParameter(
                name: "FFT length (padding factor × signal length)",
                value: "\(paddingFactor) × \(signalLength)",
                allowed: "at most \(FFTPlanCache.maximumSize) samples")
        }
        guard roundsToPowerOfTwo else { return padded }
        var length = 1
        while length < padded { length <<= 1 }
        return length
    }
}
