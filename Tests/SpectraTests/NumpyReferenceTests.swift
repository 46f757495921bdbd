import RoPE
import XCTest

@testable import Spectra

/// Compares every analysis with numpy/scipy fixtures from
/// scripts/fixtures/numpy_spectra_reference.py (d = 16, b = 10000, L = 64 and 100).
final class NumpyReferenceTests: XCTestCase {
    static let files = ["spectra_d16_L64.json", "spectra_d16_L100.json"]

    func forEachCase(_ body: (SpectraFixture, SpectraFixture.RegimeCase, RelativeDistanceWindow) throws -> Void) throws {
        for file in Self.files {
            let fixture: SpectraFixture = try Fixtures.load(file)
            for regimeCase in fixture.cases {
                let regime = try XCTUnwrap(RelativeDistanceRegime(rawValue: regimeCase.regime))
                let window = try RelativeDistanceWindow(regime: regime, length: fixture.length)
                XCTAssertEqual(window.firstDistance, regimeCase.firstDistance)
                try body(fixture, regimeCase, window)
            }
        }
    }

    func testInverseFrequencyMatchesRotaryGeometry() throws {
        // Both sides evaluate b^(−2i/d) with a libm pow: they may differ by an ulp or two.
        for file in Self.files {
            let fixture: SpectraFixture = try Fixtures.load(file)
            let geometry = try RotaryGeometry(rotaryDimension: fixture.rotaryDimension, base: fixture.base)
            assertClose(geometry.inverseFrequency, fixture.inverseFrequency, relative: 4e-16, absolute: 0, "θ \(file)")
        }
    }

    func testKernelMatchesNumpy() throws {
        try forEachCase { fixture, regimeCase, window in
            let kernel = try RelativePositionKernel(inverseFrequency: fixture.inverseFrequency, window: window)
            // |K| ≤ 1; numpy rounds θΔ (|θΔ| ≤ 100, so ≤ 100·ε/2 of phase) and sums 8 terms in
            // another order; the phasor path adds a few ε. 1e-13 ≈ 450 ε covers both.
            assertClose(kernel.values, regimeCase.kernel, relative: 0, absolute: 1e-13, "K \(fixture.length) \(regimeCase.regime)")
            XCTAssertEqual(kernel.weights, fixture.weights)
        }
    }

    func testPowerSpectraMatchNumpyRfft() throws {
        try forEachCase { fixture, regimeCase, window in
            for spectrum in regimeCase.spectra {
                let options = SpectrumOptions(
                    window: try XCTUnwrap(SpectralWindow(rawValue: spectrum.window)), paddingFactor: spectrum.paddingFactor)
                let label = "P \(fixture.length) \(regimeCase.regime) \(spectrum.window) ×\(spectrum.paddingFactor)"
                XCTAssertEqual(try options.fftLength(signalLength: window.sampleCount), spectrum.fftLength, label)
                // Use numpy's K so that only the FFT is compared. Relative 1e-9 per bin for
                // N ≤ 1024; the absolute floor 1e-13·max P covers bins near zero, whose error
                // is set by round-off relative to the peak (≈ ε·log₂N of the peak amplitude).
                let computed = try PowerSpectrum(signal: regimeCase.kernel, options: options)
                let floor = 1e-13 * (spectrum.power.max() ?? 0)
                assertClose(computed.power, spectrum.power, relative: 1e-9, absolute: floor, label)
                XCTAssertEqual(computed.fftLength, spectrum.fftLength, label)
            }
        }
    }

    func testLeakageAndResolutionMatchNumpy() throws {
        try forEachCase { fixture, regimeCase, window in
            for spectrum in regimeCase.spectra {
                let taper = try XCTUnwrap(SpectralWindow(rawValue: spectrum.window))
                let options = SpectrumOptions(window: taper, paddingFactor: spectrum.paddingFactor)
                let label = "\(fixture.length) \(regimeCase.regime) \(spectrum.window) ×\(spectrum.paddingFactor)"
                let leakage = try PairLeakage(inverseFrequency: fixture.inverseFrequency, window: window, options: options)
                // Fractions in [0, 1] from sums of bins; absolute 1e-12 covers FFT round-off on
                // the tiny out-of-lobe sums (≈ ε·N relative to the total), relative 1e-9 the rest.
                assertClose(leakage.leakage, spectrum.leakage, relative: 1e-9, absolute: 1e-12, "leakage \(label)")
                assertClose(leakage.halfWidth, spectrum.halfWidth, relative: 1e-15, absolute: 0, "h \(label)")
                let resolution = try PairResolution(
                    inverseFrequency: fixture.inverseFrequency, window: window, spectralWindow: taper)
                XCTAssertEqual(resolution.resolvable, spectrum.resolvable, "resolvable \(label)")
                assertClose(
                    resolution.nearestNeighbourDistance, spectrum.nearestNeighbourDistance,
                    relative: 1e-14, absolute: 0, "gaps \(label)")
            }
        }
    }

    func testEnvelopeAndDecayMatchScipyHilbert() throws {
        try forEachCase { fixture, regimeCase, window in
            let kernel = try RelativePositionKernel(inverseFrequency: fixture.inverseFrequency, window: window)
            let label = "\(fixture.length) \(regimeCase.regime)"
            // Envelope of numpy's K alone: two FFTs of ≤ 200 points of values ≤ 1 → ≲ 100 ε.
            // Causal: of the even extension (K(−Δ) = K(Δ), see KernelDecay), as the fixture.
            let envelope = regimeCase.regime == "causal"
                ? try AnalyticEnvelope.magnitudeOfEvenExtension(of: regimeCase.kernel)
                : try AnalyticEnvelope.magnitude(of: regimeCase.kernel)
            assertClose(envelope, regimeCase.decay.envelope, relative: 0, absolute: 1e-13, "envelope \(label)")
            let decay = try KernelDecay(kernel: kernel)
            // Our own K differs from numpy's by ≤ 1e-13 (kernel test), so the envelopes by ≲ 2e-13.
            assertClose(decay.envelope, regimeCase.decay.envelope, relative: 0, absolute: 5e-13, "decay env \(label)")
            assertClose(decay.upperEnvelope, regimeCase.decay.upperEnvelope, relative: 0, absolute: 5e-13, "U \(label)")
            assertClose(decay.threshold, regimeCase.decay.threshold, relative: 1e-13, absolute: 0, "threshold \(label)")
            XCTAssertEqual(decay.firstCrossingDistance, regimeCase.decay.firstCrossingDistance, label)
            XCTAssertEqual(decay.settlingDistance, regimeCase.decay.settlingDistance, label)
        }
    }

    func testConditioningMatchesNumpySVD() throws {
        try forEachCase { fixture, regimeCase, _ in
            try ConditioningReference.check(regimeCase.conditioning)
        }
        let basics: BasicsFixture = try Fixtures.load("spectra_basics.json")
        for reference in basics.largeConditioning + basics.wellConditioned {
            try ConditioningReference.check(reference)
        }
    }
}

enum ConditioningReference {
    /// Compares one fixture case. Backward-stable SVDs (numpy: dgesdd on F; here: blocked
    /// dtpqrt + dgesvd) perturb each σ_j by p(m,n)·ε·σ_1 with a modest p (observed p ≤ 1 for
    /// m ≤ 16383, n ≤ 64); 64·ε·σ_1 allows for other BLAS kernels. κ = σ_1/σ_n then carries a
    /// relative error of about twice that bound divided by σ_n.
    static func check(_ reference: Conditioning, file: StaticString = #filePath, line: UInt = #line) throws {
        let regime = try XCTUnwrap(RelativeDistanceRegime(rawValue: reference.regime))
        let result = try PositionFeatureConditioning(
            inverseFrequency: reference.inverseFrequency, regime: regime, length: reference.length)
        let label = "F \(reference.regime) L=\(reference.length) d/2=\(reference.pairCount)"
        XCTAssertEqual(result.rowCount, reference.rows, label, file: file, line: line)
        XCTAssertEqual(result.columnCount, reference.columns, label, file: file, line: line)
        let sigma1 = reference.singularValues.first ?? 0
        let absolute = 64 * Double.ulpOfOne * sigma1
        assertClose(result.singularValues, reference.singularValues, relative: 1e-9, absolute: absolute, "σ \(label)", file: file, line: line)
        // The rank tolerance σ_1·max(m,n)·ε is ≥ 4.5× away from every σ in these fixtures.
        XCTAssertEqual(result.numericalRank, reference.numericalRank, "rank \(label)", file: file, line: line)
        assertClose(result.effectiveRank, reference.effectiveRank, relative: 1e-9, absolute: 0, "erank \(label)", file: file, line: line)
        if reference.numericalRank == reference.columns {
            let smallest = reference.singularValues.last ?? 0
            let relative = 1e-9 + 2 * absolute / smallest
            assertClose(result.conditionNumber, reference.cond, relative: relative, absolute: 0, "κ \(label)", file: file, line: line)
        } else {
            XCTAssertEqual(result.conditionNumber, .infinity, "κ \(label)", file: file, line: line)
        }
    }
}
