import Foundation
import XCTest
import RoPE

@testable import Spectra

/// The causal kernel's envelope comes from the even extension K(−Δ) = K(Δ) (see `KernelDecay`),
/// so the circular Hilbert transform no longer wraps K(L−1) onto K(0).
final class CausalEnvelopeTests: XCTestCase {
    func testToneOnTheExtendedPeriodHasUnitEnvelope() throws {
        // cos(θΔ) with θ = 2πk₀/(2L−1) is exactly periodic over the 2L−1 samples of the even
        // extension, whose analytic signal is then exp(iθΔ): |·| = 1 at every Δ. Two FFTs of
        // 99 points of values ≤ 1 → errors ~ 100 ε.
        let length = 50
        let theta = 2 * Double.pi * 7 / Double(2 * length - 1)
        let window = try RelativeDistanceWindow(regime: .causal, length: length)
        let kernel = try RelativePositionKernel(inverseFrequency: [theta], window: window)
        let decay = try KernelDecay(kernel: kernel)
        assertClose(decay.envelope, [Double](repeating: 1, count: length), relative: 0, absolute: 1e-13, "even-extension envelope")
        XCTAssertNil(decay.firstCrossingDistance)
        // The plain circular envelope of the same 50 samples is visibly off (the wrap from
        // cos(49θ) to cos(0) is a jump), which is what the extension avoids.
        let circular = try AnalyticEnvelope.magnitude(of: kernel.values)
        let worst = zip(circular, decay.envelope).map { abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(worst, 0.05, "circular envelope unexpectedly close to 1")
    }

    func testEvenExtensionMatchesAnExplicitSymmetricSequence() throws {
        // Same as the envelope of the explicitly built sequence x_|j−(L−1)|, j = 0 … 2L−2.
        let x = (0..<37).map { exp(-0.05 * Double($0)) * cos(0.3 * Double($0)) }
        let symmetric = Array(x.dropFirst().reversed()) + x
        let full = try AnalyticEnvelope.magnitude(of: symmetric)
        let envelope = try AnalyticEnvelope.magnitudeOfEvenExtension(of: x)
        // Same plans, same input samples, same arithmetic: bit-identical, so no tolerance.
        assertClose(envelope, Array(full[(x.count - 1)...]), relative: 0, absolute: 0, "explicit extension")
        XCTAssertEqual(try AnalyticEnvelope.magnitudeOfEvenExtension(of: [-2]), [2])
        XCTAssertThrowsError(try AnalyticEnvelope.magnitudeOfEvenExtension(of: []))
    }

    func testCausalSettlingIsFoundAndAgreesWithBidirectional() throws {
        // SmolLM2-like geometry (d = 64, b = 1e5) on the default spectrum window L = 8192: the
        // causal settling distance used to be nil (wrap-around); K is even, so causal and
        // bidirectional windows now describe the same decay. Their periods differ by one sample
        // (2L−1 vs 2L), which moves the envelope by far less than the threshold margin, so the
        // crossing distances agree exactly here; settling may differ by a few tokens at most.
        let theta = (0..<32).map { pow(100_000.0, -Double(2 * $0) / 64) }
        var decays: [KernelDecay] = []
        for regime in RelativeDistanceRegime.allCases {
            let window = try RelativeDistanceWindow(regime: regime, length: 8192)
            decays.append(try KernelDecay(kernel: try RelativePositionKernel(inverseFrequency: theta, window: window)))
        }
        let causal = try XCTUnwrap(decays.first { $0.window.regime == .causal })
        let bidirectional = try XCTUnwrap(decays.first { $0.window.regime == .bidirectional })
        let settling = try XCTUnwrap(causal.settlingDistance, "causal settling distance is nil")
        let reference = try XCTUnwrap(bidirectional.settlingDistance, "bidirectional settling distance is nil")
        XCTAssertEqual(causal.firstCrossingDistance, bidirectional.firstCrossingDistance)
        XCTAssertLessThanOrEqual(abs(settling - reference), 8, "causal \(settling) vs bidirectional \(reference)")
        // Envelopes on Δ = 0 … L−1: both are |analytic K| on a symmetric window; away from the
        // far edge they agree closely.
        let tail = Array(bidirectional.envelope[8192...])
        let gap = zip(causal.envelope.prefix(4096), tail.prefix(4096)).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThan(gap, 1e-2, "causal vs bidirectional envelope on Δ < 4096")
    }
}
