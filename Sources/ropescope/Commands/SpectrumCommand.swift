import Analyzers
import ArgumentParser
import RoPE
import Spectra

/// `ropescope spectrum`: FFTW spectrum of the relative-position kernel of one scaling spec.
struct SpectrumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectrum",
        abstract: "Kernel K(Δ) = Σ cos(θ'_i Δ)/(d/2) over the causal or bidirectional window: power spectrum, "
            + "resolvable pairs, leakage per pair and the decay envelope.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var scaling: ScalingOption
    @OptionGroup var window: WindowOptions

    @Option(help: "Window function: \(SpectralWindow.allCases.map(\.rawValue).joined(separator: ", ")).")
    var windowFunction: SpectralWindow = .hann

    @Option(parsing: .unconditional, help: "Zero-padding factor (1...64); N_fft = next power of two ≥ factor × window samples.")
    var padding: Int = 2

    @OptionGroup var limits: LimitOptions

    @OptionGroup var output: OutputOptions

    static let maximumLength = 1 << 22

    mutating func validate() throws {
        let setup = try scaling.setup(model: model, windowLength: window.length)
        _ = try window.resolvedLength(model: model, maximum: Self.maximumLength, setup: setup)
        guard (1...64).contains(padding) else { throw ValidationError("invalid --padding \(padding): allowed 1...64") }
    }

    func run() throws { try LibraryErrors.mapped { try execute() } }

    private func execute() throws {
        let (setup, notes) = try scaling.resolve(model: model, windowLength: window.length)
        let length = try window.resolvedLength(model: model, maximum: Self.maximumLength, setup: setup)
        let options = SpectrumOptions(window: windowFunction, paddingFactor: padding)
        // The HDF5 schema holds both regimes, so --output computes both whatever --regime says.
        let computed = output.output == nil ? window.regime.regimes : RelativeDistanceRegime.allCases
        try limits.limits.check(
            try ResourceEstimate.spectrum(
                pairCount: setup.geometry.pairCount, length: length, options: options, regimes: computed),
            what: "spectrum of \(setup.geometry.pairCount) pairs over \(length) tokens (padding ×\(padding), "
                + "\(computed.map(\.rawValue).joined(separator: " + ")))")
        let coverage = try ValidatedRoPE.call { try CoverageAnalysis(setup) }
        let theta = coverage.table.inverseFrequency
        let all = try computed.map { try RegimeSpectrum(inverseFrequency: theta, regime: $0, length: length, options: options) }
        let spectra = all.filter { window.regime.regimes.contains($0.regime) }
        if let path = output.output {
            try Export.writeSingle(path: path, spec: scaling.spec, coverage: coverage, spectra: all)
        }
        if output.json {
            try Output.printJSON(SpectrumReport(spec: scaling.spec, length: length, window: windowFunction.rawValue,
                                                paddingFactor: padding, inverseFrequency: theta, spectra: spectra,
                                                notes: notes))
            return
        }
        for note in notes { print("note: \(note)") }
        print("spec \(scaling.spec)  window \(windowFunction.rawValue) L=\(length) padding ×\(padding)")
        var summary = TextTable("regime", "N_fft", "resolvable", "mean_leakage", "env<1/e at", "settles at")
        for s in spectra {
            summary.add([s.regime.rawValue, String(s.fftLength), "\(s.resolvable.filter { $0 }.count)/\(theta.count)",
                         Output.number(s.leakage.reduce(0, +) / Double(max(1, s.leakage.count)), digits: 4),
                         s.firstCrossingDistance.map(String.init) ?? "-", s.settlingDistance.map(String.init) ?? "-"])
        }
        print(summary.render())
        var pairs = TextTable(["pair", "theta_scaled"] + spectra.flatMap { ["\($0.regime.rawValue)_resolvable", "\($0.regime.rawValue)_leakage"] })
        for i in theta.indices {
            pairs.add([String(i), Output.number(theta[i])]
                + spectra.flatMap { [$0.resolvable[i] ? "yes" : "no", Output.number($0.leakage[i], digits: 4)] })
        }
        print(pairs.render())
    }
}

/// JSON of `spectrum`.
struct SpectrumReport: Encodable {
    struct Regime: Encodable {
        var regime: String
        var distance: [Int]
        var kernel: [Double]
        var envelope: [Double]
        var fftLength: Int
        var frequency: [Double]
        var power: [Double]
        var resolvable: [Bool]
        var leakage: [Double]
        @EncodeNull var firstCrossingDistance: Int?
        @EncodeNull var settlingDistance: Int?
    }

    var spec: String
    var length: Int
    var window: String
    var paddingFactor: Int
    var inverseFrequency: [Double]
    var regimes: [Regime]
    /// Lengths defaulted from the spec rather than given as flags (empty when none).
    var notes: [String]

    init(spec: String, length: Int, window: String, paddingFactor: Int, inverseFrequency: [Double], spectra: [RegimeSpectrum],
         notes: [String] = []) {
        self.notes = notes
        self.spec = spec
        self.length = length
        self.window = window
        self.paddingFactor = paddingFactor
        self.inverseFrequency = inverseFrequency
        regimes = spectra.map { s in
            let first = s.regime == .causal ? 0 : -length
            return Regime(
                regime: s.regime.rawValue, distance: Array(first..<(first + s.kernel.count)), kernel: s.kernel,
                envelope: s.envelope, fftLength: s.fftLength,
                frequency: (0..<s.power.count).map { Double($0) / Double(s.fftLength) }, power: s.power,
                resolvable: s.resolvable, leakage: s.leakage,
                firstCrossingDistance: s.firstCrossingDistance, settlingDistance: s.settlingDistance)
        }
    }
}
