import Foundation
import XCTest
@testable import RoPE

/// Published numbers and closed forms recomputed by hand.
final class ClosedFormTests: XCTestCase {
    func testLlama2CriticalDimensionIs92() {
        // Liu et al. (arXiv 2310.05209): LLaMA-2, d = 128, b = 10000, T_train = 4096 → 92.
        XCTAssertEqual(CriticalDimension.criticalDimension(length: 4096, rotaryDimension: 128, base: 10000), 92)
    }

    func testLongLLaDAFactorsForLLaDA8B() throws {
        // LongLLaDA (arXiv 2506.14429) used λ = 4, 14, 31, 55 for 8K, 16K, 24K, 32K.
        let geometry = try RotaryGeometry(rotaryDimension: 128, base: 500000)
        for (target, expected) in [(8192, 4.0), (16384, 14.0), (24576, 31.0), (32768, 55.0)] {
            let spec = try RoPESpec.parse("critical-ntk:train-length=4096,target-length=\(target),round-up=true")
            let result = try spec.frequencies(for: geometry)
            XCTAssertEqual(result.criticalRule?.scalingFactor, expected, "target \(target)")
            XCTAssertEqual(result.criticalRule?.criticalDimension, 64)
            XCTAssertEqual(result.effectiveBase ?? 0, 500000 * expected, accuracy: 1e-6)
        }
    }

    func testDiffusionNTKDoublesBothLengths() throws {
        let geometry = try RotaryGeometry(rotaryDimension: 128, base: 500000)
        let diffusion = try RoPESpec.parse("diffusion-ntk:train-length=4096,target-length=131072").frequencies(for: geometry)
        let explicit = try RoPESpec.parse("critical-ntk:train-length=8192,target-length=262144").frequencies(for: geometry)
        let rule = try XCTUnwrap(diffusion.criticalRule)
        XCTAssertEqual(rule.capturedLength, 8192)
        XCTAssertEqual(rule.extendedLength, 262144)
        // d'_crit = 2·⌈64·ln(8192/2π)/ln(500000)⌉ = 2·⌈34.98⌉ = 70.
        XCTAssertEqual(rule.criticalDimension, 70)
        let expectedBase = pow(262144 / (2 * Double.pi), 128.0 / 70.0)
        XCTAssertEqual(rule.exactScalingFactor, expectedBase / 500000, accuracy: 1e-9 * expectedBase / 500000)
        XCTAssertEqual(diffusion.inverseFrequency, explicit.inverseFrequency)
    }

    func testExtrapolationBoundOfCriticalPairIsItsWavelength() throws {
        let bound = CriticalDimension.extrapolationBound(criticalDimension: 92, rotaryDimension: 128, base: 10000)
        let geometry = try RotaryGeometry(rotaryDimension: 128, base: 10000)
        XCTAssertEqual(bound, wavelength(inverseFrequency: geometry.inverseFrequency)[46], accuracy: 1e-9 * bound)
    }

    func testNTKAndDynamicBases() throws {
        let geometry = try RotaryGeometry(rotaryDimension: 64, base: 10000)
        let ntk = try RoPEScaling.ntk(factor: 4).frequencies(for: geometry)
        XCTAssertEqual(ntk.effectiveBase ?? 0, 10000 * pow(4, 64.0 / 62.0), accuracy: 1e-6)
        XCTAssertEqual(ntk.inverseFrequency[0], 1)
        // Dynamic: unchanged up to L, then b·(s·S/L − (s − 1))^(d/(d−2)).
        let below = try RoPEScaling.dynamicNTK(.init(factor: 2, originalContext: 4096, sequenceLength: 1000)).frequencies(for: geometry)
        XCTAssertEqual(below.effectiveBase, 10000)
        let above = try RoPEScaling.dynamicNTK(.init(factor: 2, originalContext: 4096, sequenceLength: 8192)).frequencies(for: geometry)
        XCTAssertEqual(above.effectiveBase ?? 0, 10000 * pow(3, 64.0 / 62.0), accuracy: 1e-6)
    }

    func testYaRNKeepsFastPairsAndInterpolatesSlowPairs() throws {
        let geometry = try RotaryGeometry(rotaryDimension: 128, base: 10000)
        let result = try RoPESpec.parse("yarn:factor=8,original-context=4096").frequencies(for: geometry)
        let theta = geometry.inverseFrequency
        // i(32) = 128·ln(4096/(64π))/(2·ln 10000) = 20.9 → low 20; i(1) = 45.0 → high 46.
        for pairIndex in 0...20 { XCTAssertEqual(result.inverseFrequency[pairIndex], theta[pairIndex]) }
        for pairIndex in 46..<64 {
            XCTAssertEqual(result.inverseFrequency[pairIndex], theta[pairIndex] / 8, accuracy: 1e-15)
        }
        XCTAssertEqual(result.attentionFactor, 0.1 * log(8) + 1, accuracy: 1e-15)
    }

    func testLlama3Bands() throws {
        let geometry = try RotaryGeometry(rotaryDimension: 128, base: 500000)
        let result = try RoPESpec.parse("llama3:factor=8,low-freq-factor=1,high-freq-factor=4,original-context=8192")
            .frequencies(for: geometry)
        for (pairIndex, theta) in geometry.inverseFrequency.enumerated() {
            let lambda = 2 * Double.pi / theta
            let scaled = result.inverseFrequency[pairIndex]
            if lambda < 2048 { XCTAssertEqual(scaled, theta) }
            else if lambda > 8192 { XCTAssertEqual(scaled, theta / 8, accuracy: 1e-15 * theta) }
            else { XCTAssert(scaled > theta / 8 && scaled < theta, "pair \(pairIndex) is smoothed") }
        }
    }

    func testLongRoPEPicksFactorsBySequenceLength() throws {
        let geometry = try RotaryGeometry(rotaryDimension: 8, base: 10000)
        let spec = "longrope:short-factor=1;1;2;2,long-factor=4,original-context=4096,factor=8"
        let short = try RoPESpec.parse(spec + ",sequence-length=4096").frequencies(for: geometry)
        let long = try RoPESpec.parse(spec + ",sequence-length=4097").frequencies(for: geometry)
        let theta = geometry.inverseFrequency
        XCTAssertEqual(short.inverseFrequency, [theta[0], theta[1], theta[2] / 2, theta[3] / 2])
        XCTAssertEqual(long.inverseFrequency, theta.map { $0 / 4 })
        XCTAssertEqual(long.attentionFactor, (1 + log(8) / log(4096)).squareRoot(), accuracy: 1e-15)
    }
}
