import Foundation
import RoPE
import XCTest

@testable import Spectra

final class SpectrumInvariantTests: XCTestCase {
    func testParsevalForEveryWindowAndPadding() throws {
        let signal: [Double] = (0..<300).map { n in
            let t = Double(n)
            let tone: Double = sin(0.21 * t) + 0.3 * cos(1.7 * t)
            return tone + 0.01 * Double(n % 5)
        }
        for window in SpectralWindow.allCases {
            for (factor, roundsUp) in [(1, true), (3, true), (1, false), (3, false)] {
                let options = SpectrumOptions(window: window, paddingFactor: factor, roundsToPowerOfTwo: roundsUp)
                let spectrum = try PowerSpectrum(signal: signal, options: options)
                let w = try window.coefficients(length: signal.count)
                var direct = 0.0
                for (x, weight) in zip(signal, w) { direct += (x * weight) * (x * weight) }
                // Two sums of ≤ 900 positive terms plus FFT round-off: relative 1e-12.
                assertClose(spectrum.energy, direct, relative: 1e-12, absolute: 0, "Parseval \(window) ×\(factor) pow2 \(roundsUp)")
                XCTAssertEqual(spectrum.power.count, spectrum.fftLength / 2 + 1)
            }
        }
    }

    func testFFTLengthRule() throws {
        XCTAssertEqual(try SpectrumOptions(paddingFactor: 1).fftLength(signalLength: 64), 64)
        XCTAssertEqual(try SpectrumOptions(paddingFactor: 1).fftLength(signalLength: 100), 128)
        XCTAssertEqual(try SpectrumOptions(paddingFactor: 4).fftLength(signalLength: 100), 512)
        XCTAssertEqual(try SpectrumOptions(paddingFactor: 4, roundsToPowerOfTwo: false).fftLength(signalLength: 100), 400)
        XCTAssertEqual(try SpectrumOptions().fftLength(signalLength: 1), 1)
        XCTAssertThrowsError(try SpectrumOptions(paddingFactor: 0).fftLength(signalLength: 10))
        XCTAssertThrowsError(try SpectrumOptions().fftLength(signalLength: 0))
        XCTAssertThrowsError(try SpectrumOptions(paddingFactor: 1024).fftLength(signalLength: 1 << 21)) { error in
            XCTAssertTrue("\(error)".contains("at most \(FFTPlanCache.maximumSize)"), "\(error)")
        }
    }

    func testPureToneOnABinPeaksThere() throws {
        // x_n = cos(2π·k₀n/N) with an integer k₀: rectangular, unpadded → all power in bin k₀,
        // P_k₀ = (N/2)², every other bin at round-off level.
        let n = 256
        for k0 in [1, 17, 100, 127] {
            let signal = (0..<n).map { cos(2 * Double.pi * Double(k0) * Double($0) / Double(n)) }
            let spectrum = try PowerSpectrum(signal: signal)
            XCTAssertEqual(spectrum.peakBin, k0)
            assertClose(spectrum.power[k0], Double(n * n) / 4, relative: 1e-12, absolute: 0, "peak k0=\(k0)")
            let rest = spectrum.power.enumerated().filter { $0.offset != k0 }.map(\.element)
            assertClose(rest, [Double](repeating: 0, count: rest.count), relative: 0, absolute: 1e-18 * Double(n * n), "off-peak k0=\(k0)")
            assertClose(spectrum.frequency[k0], Double(k0) / Double(n), relative: 0, absolute: 0, "f_k0")
        }
    }

    func testOffBinToneWithPaddingPeaksAtNearestBin() throws {
        // f = 0.1234 cycles/token, hann, 500 samples padded ×8 to 4096 bins: the peak is the bin
        // nearest f (the hann main lobe is symmetric about f).
        let f = 0.1234
        let signal = (0..<500).map { cos(2 * Double.pi * f * Double($0)) }
        let spectrum = try PowerSpectrum(signal: signal, options: SpectrumOptions(window: .hann, paddingFactor: 8))
        XCTAssertEqual(spectrum.fftLength, 4096)
        XCTAssertEqual(spectrum.peakBin, Int((f * 4096).rounded()))
    }

    func testRawSpectraWithExactPaddingMatchNumpy() throws {
        let basics: BasicsFixture = try Fixtures.load("spectra_basics.json")
        XCTAssertEqual(basics.rawSpectra.count, 4)
        for reference in basics.rawSpectra {
            let options = SpectrumOptions(
                window: try XCTUnwrap(SpectralWindow(rawValue: reference.window)),
                paddingFactor: reference.paddingFactor, roundsToPowerOfTwo: false)
            let spectrum = try PowerSpectrum(signal: basics.signal, options: options)
            XCTAssertEqual(spectrum.fftLength, reference.fftLength)
            // Non-power-of-two N (1000, 3000): as for N ≤ 1024, relative 1e-9 plus a floor of
            // 1e-13 of the peak for bins at round-off level.
            let floor = 1e-13 * (reference.power.max() ?? 0)
            assertClose(spectrum.power, reference.power, relative: 1e-9, absolute: floor, "raw \(reference.window) ×\(reference.paddingFactor)")
        }
    }

    func testKernelAtZeroEqualsSumOfWeights() throws {
        let geometry = try RotaryGeometry(rotaryDimension: 64, base: 500000)
        let theta = try RoPEScaling.none.frequencies(for: geometry).inverseFrequency
        for regime in RelativeDistanceRegime.allCases {
            let window = try RelativeDistanceWindow(regime: regime, length: 77)
            let plain = try RelativePositionKernel(inverseFrequency: theta, window: window)
            assertClose(plain.valueAtZero, 1, relative: 0, absolute: 1e-15, "K(0) default weights \(regime)")
            let weights = (0..<32).map { 0.1 + Double($0) / 7 }
            let weighted = try RelativePositionKernel(inverseFrequency: theta, weights: weights, window: window)
            assertClose(weighted.valueAtZero, weights.reduce(0, +), relative: 1e-15, absolute: 0, "K(0) weighted \(regime)")
            XCTAssertEqual(weighted.distances.first, regime == .causal ? 0 : -77)
            XCTAssertEqual(weighted.values.count, regime == .causal ? 77 : 154)
        }
    }

    func testKernelIsEvenAndMatchesDirectCosinesOnLongWindows() throws {
        // Bidirectional window Δ = −L … L−1: K(Δ) = K(−Δ). Long window exercises many phasor blocks.
        let theta = [1.0, 0.3, 0.031, 2.9, 1e-4]
        let window = try RelativeDistanceWindow(regime: .bidirectional, length: 5000)
        let kernel = try RelativePositionKernel(inverseFrequency: theta, window: window)
        for delta in [1, 255, 256, 257, 1000, 4999] {
            // |θΔ| ≤ 14500: the rounding of θΔ alone is ≈ 14500·ε ≈ 3e-12.
            assertClose(kernel.values[5000 + delta], kernel.values[5000 - delta], relative: 0, absolute: 1e-11, "even Δ=\(delta)")
            let direct = theta.reduce(0.0) { $0 + cos($1 * Double(delta)) } / 5
            assertClose(kernel.values[5000 + delta], direct, relative: 0, absolute: 1e-11, "direct Δ=\(delta)")
        }
        let signals = try PairSignals(inverseFrequency: theta, window: window)
        XCTAssertEqual(signals.values.count, 5 * 10000)
        assertClose(Array(signals.signal(pair: 3)), (-5000..<5000).map { cos(2.9 * Double($0)) }, relative: 0, absolute: 1e-11, "pair 3")
    }

    func testInputValidation() throws {
        let window = try RelativeDistanceWindow(regime: .causal, length: 8)
        XCTAssertThrowsError(try RelativePositionKernel(inverseFrequency: [], window: window)) { error in
            XCTAssertEqual(error as? SpectraError, .emptyInput(name: "inverse frequencies θ", minimum: 1))
        }
        XCTAssertThrowsError(try RelativePositionKernel(inverseFrequency: [1, .nan], window: window)) { error in
            XCTAssertEqual("\(error)", "inverse frequencies θ[1] is nan: allowed finite numbers only")
        }
        XCTAssertThrowsError(try RelativePositionKernel(inverseFrequency: [1, 2], weights: [1], window: window)) { error in
            XCTAssertEqual(error as? SpectraError, .lengthMismatch(name: "kernel weights", count: 1, expected: 2))
        }
        XCTAssertThrowsError(try RelativeDistanceWindow(regime: .causal, length: 0))
        XCTAssertThrowsError(try PowerSpectrum(signal: []))
        XCTAssertThrowsError(try AnalyticEnvelope.magnitude(of: []))
    }
}
