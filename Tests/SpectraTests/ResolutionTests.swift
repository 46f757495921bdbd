import Foundation
import XCTest

@testable import Spectra

final class ResolutionTests: XCTestCase {
    /// θ = 2π·f for frequencies given in cycles/token.
    func theta(_ frequencies: [Double]) -> [Double] { frequencies.map { 2 * Double.pi * $0 } }

    func testHandComputedRectangularCase() throws {
        // L_w = 64, rectangular: h = 1/64 = 0.015625 cycles/token.
        // 0.25 & 0.26: gap 0.01 < h → both unresolvable; 0.1 & 0.1+1/64: gap exactly h → both
        // resolvable; 0.49: 1/2 − 0.49 = 0.01 < h; 0.01: below h from zero.
        let window = try RelativeDistanceWindow(regime: .causal, length: 64)
        let frequencies = [0.25, 0.26, 0.1, 0.1 + 1.0 / 64, 0.49, 0.01]
        let result = try PairResolution(inverseFrequency: theta(frequencies), window: window, spectralWindow: .rectangular)
        XCTAssertEqual(result.halfWidth, 1.0 / 64)
        XCTAssertEqual(result.resolvable, [false, false, true, true, false, false])
        XCTAssertEqual(result.resolvableCount, 2)
        assertClose(result.frequency, frequencies, relative: 1e-15, absolute: 0, "folded f")
        assertClose(
            result.nearestNeighbourDistance, [0.01, 0.01, 1.0 / 64, 1.0 / 64, 0.23, 0.09],
            relative: 1e-13, absolute: 0, "gaps")
    }

    func testBoundaryDistanceFromZeroCountsAsResolvable() throws {
        let window = try RelativeDistanceWindow(regime: .causal, length: 64)
        let result = try PairResolution(inverseFrequency: theta([1.0 / 64, 0.4]), window: window, spectralWindow: .rectangular)
        XCTAssertEqual(result.resolvable, [true, true])
    }

    func testHalfWidthScalesWithTaperAndRegime() throws {
        // Causal L_w = 64: hann h = 1/32, so 0.03 is too close to zero and 0.25/0.27 too close
        // to each other, while 0.1 is clear. Bidirectional L_w = 128: h = 1/64 and 0.25/0.27
        // (gap 0.02) separate, but not under blackman (h = 3/128 ≈ 0.0234).
        let frequencies = [0.25, 0.27, 0.1, 0.03]
        let causal = try RelativeDistanceWindow(regime: .causal, length: 64)
        let bidirectional = try RelativeDistanceWindow(regime: .bidirectional, length: 64)
        let hannCausal = try PairResolution(inverseFrequency: theta(frequencies), window: causal, spectralWindow: .hann)
        XCTAssertEqual(hannCausal.resolvable, [false, false, true, false])
        let hannBidirectional = try PairResolution(
            inverseFrequency: theta(frequencies), window: bidirectional, spectralWindow: .hann)
        XCTAssertEqual(hannBidirectional.resolvable, [true, true, true, true])
        let blackman = try PairResolution(
            inverseFrequency: theta(frequencies), window: bidirectional, spectralWindow: .blackman)
        XCTAssertEqual(blackman.resolvable, [false, false, true, true])
    }

    func testFoldingAliasesAndSinglePair() throws {
        // θ = 2π·0.9 samples like 2π·0.1 (and −2π·0.2 like 2π·0.2): identical folded
        // frequencies cannot be resolved.
        let window = try RelativeDistanceWindow(regime: .causal, length: 100)
        let aliased = try PairResolution(
            inverseFrequency: theta([0.1, 0.9, -0.2]), window: window, spectralWindow: .rectangular)
        assertClose(aliased.frequency, [0.1, 0.1, 0.2], relative: 1e-14, absolute: 0, "folded")
        XCTAssertEqual(aliased.resolvable, [false, false, true])
        let single = try PairResolution(inverseFrequency: [1.0], window: window, spectralWindow: .blackman)
        XCTAssertEqual(single.nearestNeighbourDistance, [.infinity])
        XCTAssertEqual(single.resolvable, [true])
    }

    func testLeakageOfAnOnBinToneIsZeroWithoutPadding() throws {
        // cos(2π·5Δ/64) over Δ = 0 … 63 is exactly bin 5 of a 64-point FFT: no power elsewhere.
        let window = try RelativeDistanceWindow(regime: .causal, length: 64)
        let leakage = try PairLeakage(
            inverseFrequency: [2 * Double.pi * 5 / 64], window: window, options: SpectrumOptions(window: .rectangular))
        assertClose(leakage.leakage, [0], relative: 0, absolute: 1e-25, "on-bin leakage")
    }

    func testLeakageFallsWithSidelobeLevel() throws {
        // Off-bin tone, padded ×8: sidelobes at −13 (rectangular), −31 (hann) and −58 dB
        // (blackman) make leakage strictly decrease in that order, each by over 10×.
        let window = try RelativeDistanceWindow(regime: .causal, length: 200)
        let values = try [SpectralWindow.rectangular, .hann, .blackman].map { taper in
            try PairLeakage(
                inverseFrequency: [2 * Double.pi * 0.1234], window: window,
                options: SpectrumOptions(window: taper, paddingFactor: 8)
            ).leakage[0]
        }
        XCTAssertGreaterThan(values[0], 10 * values[1], "\(values)")
        XCTAssertGreaterThan(values[1], 10 * values[2], "\(values)")
        XCTAssertTrue(values.allSatisfy { $0 > 0 && $0 < 1 }, "\(values)")
    }

    func testEnvelopeOfAnOnBinToneIsOne() throws {
        // The analytic signal of cos(2πk₀n/N) for integer 0 < k₀ < N/2 is exp(2πik₀n/N): |·| = 1.
        for (n, k0) in [(128, 5), (127, 9), (1000, 333)] {
            // Reduce k₀n mod N first so the argument (≤ 2π) is rounded by ≤ 2π·ε, not k₀n/N·2π·ε.
            let tone = (0..<n).map { cos(2 * Double.pi * Double(k0 * $0 % n) / Double(n)) }
            let envelope = try AnalyticEnvelope.magnitude(of: tone)
            assertClose(envelope, [Double](repeating: 1, count: n), relative: 0, absolute: 1e-13, "tone N=\(n)")
        }
        let window = try RelativeDistanceWindow(regime: .bidirectional, length: 64)
        let kernel = try RelativePositionKernel(inverseFrequency: [2 * Double.pi * 3 / 128], window: window)
        let decay = try KernelDecay(kernel: kernel)
        XCTAssertNil(decay.firstCrossingDistance)
        XCTAssertNil(decay.settlingDistance)
        XCTAssertEqual(decay.upperEnvelope.count, 64)
    }
}
