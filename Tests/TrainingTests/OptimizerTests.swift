import Foundation
import Inference
import XCTest
@testable import Training

/// AdamW, the schedule and clipping against their closed forms in Double.
final class OptimizerTests: XCTestCase {
    private func configuration() throws -> LlamaConfiguration {
        try LlamaConfiguration(vocabularySize: 3, embeddingSize: 2, layerCount: 1, headCount: 1, keyValueHeadCount: 1,
                               headDimension: 2, feedForwardSize: 2, rmsNormEpsilon: 1e-5, ropeBase: 10000,
                               trainedContextLength: 4, tiedOutput: true)
    }

    func testAdamWTwoStepsEqualClosedForm() throws {
        let c = try configuration()
        var parameters = ParameterSet(randomFor: c, seed: 1, standardDeviation: 1)
        let start = parameters
        var gradient = ParameterSet(zerosLike: c)
        for index in gradient.values.indices { gradient.values[index] = gradient.values[index].indices.map { Float($0 % 5) * 0.3 - 0.5 } }
        let (lr1, lr2, b1, b2, eps, wd) = (0.01, 0.005, 0.9, 0.95, 1e-8, 0.1)
        var adam = try AdamW(for: parameters, beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd)
        adam.update(&parameters, gradient: gradient, rate: lr1)
        adam.update(&parameters, gradient: gradient, rate: lr2)
        for (index, tensor) in start.tensors.enumerated() {
            for i in 0..<tensor.count {
                // Closed form for a constant gradient g over two steps.
                let g = Double(gradient.values[index][i]), lambda = tensor.decays ? wd : 0
                var theta = Double(start.values[index][i]), m = 0.0, v = 0.0
                for (t, lr) in [(1.0, lr1), (2.0, lr2)] {
                    theta *= 1 - lr * lambda
                    m = b1 * m + (1 - b1) * g
                    v = b2 * v + (1 - b2) * g * g
                    theta -= lr * (m / (1 - pow(b1, t))) / ((v / (1 - pow(b2, t))).squareRoot() + eps)
                }
                XCTAssertEqual(Double(parameters.values[index][i]), theta, accuracy: 1e-6 * max(1, abs(theta)), "\(tensor.name)[\(i)]")
            }
        }
    }

    func testScheduleWarmupAndCosine() throws {
        let s = try LearningRateSchedule(peak: 1, minimum: 0.1, warmupSteps: 4, totalSteps: 14)
        XCTAssertEqual(s.rate(step: 0), 0.25, accuracy: 1e-15)
        XCTAssertEqual(s.rate(step: 3), 1, accuracy: 1e-15)
        XCTAssertEqual(s.rate(step: 4), 1, accuracy: 1e-15)
        XCTAssertEqual(s.rate(step: 9), 0.55, accuracy: 1e-12)   // halfway: min + (peak − min)/2
        XCTAssertEqual(s.rate(step: 14), 0.1, accuracy: 1e-15)
        XCTAssertThrowsError(try LearningRateSchedule(peak: 0, minimum: 0, warmupSteps: 0, totalSteps: 1))
        XCTAssertThrowsError(try LearningRateSchedule(peak: 1, minimum: 2, warmupSteps: 0, totalSteps: 1))
    }

    func testClippingScalesToTheLimit() throws {
        let c = try configuration()
        var gradient = ParameterSet(zerosLike: c)
        gradient.values[0][0] = 3
        gradient.values[0][1] = 4
        XCTAssertEqual(clipGradientNorm(&gradient, maxNorm: 1), 5, accuracy: 1e-12)
        XCTAssertEqual(Double(gradient.values[0][0]), 3 / (5 + 1e-6), accuracy: 1e-7)
        XCTAssertEqual(Double(gradient.values[0][1]), 4 / (5 + 1e-6), accuracy: 1e-7)
        var small = ParameterSet(zerosLike: c)
        small.values[0][0] = 0.5
        XCTAssertEqual(clipGradientNorm(&small, maxNorm: 1), 0.5, accuracy: 1e-12)
        XCTAssertEqual(small.values[0][0], 0.5)
    }
}
