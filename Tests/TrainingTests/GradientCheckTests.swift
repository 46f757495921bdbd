import Inference
import Probes
import RoPE
import XCTest
@testable import Training

/// Finite-difference check of the float32 BLAS backward pass against central differences of the
/// independent Double reference (`ReferenceModel`, plain loops and full-matrix attention), for
/// every parameter tensor, both objectives and all three masks.
final class GradientCheckTests: XCTestCase {
    /// Checks up to `perTensor` entries of every tensor (evenly spread; embedding rows of tokens
    /// that occur), |analytic − FD| ≤ 2e-3·|FD| + 2e-3·max|FD of the tensor| + 1e-6.
    private func check(_ c: LlamaConfiguration, _ frequencies: RoPEFrequencies, _ example: TrainingExample,
                       label: String, perTensor: Int = 10) throws {
        let parameters = Tiny.parameters(c)
        let model = try TrainingModel(configuration: c, frequencies: frequencies)
        var gradient = ParameterSet(zerosLike: c)
        let loss = try model.lossAndGradient(parameters, example, into: &gradient)
        var reference = parameters.values.map { $0.map(Double.init) }
        let referenceLoss = ReferenceModel.loss(configuration: c, frequencies: frequencies, parameters: reference, example: example)
        XCTAssertEqual(loss, referenceLoss, accuracy: 1e-5 * max(1, abs(referenceLoss)), "\(label): forward loss")
        let usedRows = Set(example.tokens.map(Int.init))
        let step = 1e-5
        for (index, tensor) in parameters.tensors.enumerated() {
            var candidates = Array(0..<tensor.count)
            if index == parameters.embeddingIndex && !c.tiedOutput {
                candidates = candidates.filter { usedRows.contains($0 / c.embeddingSize) }
            }
            let stride = max(1, candidates.count / perTensor)
            let chosen = Swift.stride(from: 0, to: candidates.count, by: stride).map { candidates[$0] }
            var numeric: [Double] = []
            for i in chosen {
                let original = reference[index][i]
                reference[index][i] = original + step
                let plus = ReferenceModel.loss(configuration: c, frequencies: frequencies, parameters: reference, example: example)
                reference[index][i] = original - step
                let minus = ReferenceModel.loss(configuration: c, frequencies: frequencies, parameters: reference, example: example)
                reference[index][i] = original
                numeric.append((plus - minus) / (2 * step))
            }
            let scale = numeric.map(abs).max() ?? 0
            XCTAssertGreaterThan(scale, 1e-6, "\(label) \(tensor.name): gradient vanishes, the check would be empty")
            var worst = 0.0
            for (n, i) in chosen.enumerated() {
                let analytic = Double(gradient.values[index][i])
                let error = abs(analytic - numeric[n])
                worst = max(worst, error / (2e-3 * abs(numeric[n]) + 2e-3 * scale + 1e-6))
                if error > 2e-3 * abs(numeric[n]) + 2e-3 * scale + 1e-6 {
                    XCTFail("\(label) \(tensor.name)[\(i)]: analytic \(analytic) vs finite difference \(numeric[n])")
                    break
                }
            }
        }
    }

    private func plain(_ c: LlamaConfiguration) throws -> RoPEFrequencies { try RoPEScaling.none.frequencies(for: c.rotaryGeometry()) }

    func testAutoregressiveCausal() throws {
        let c = try Tiny.configuration()
        var generator = SplitMix64(seed: 1)
        let example = try ObjectiveSampler(objective: .ar, maskTokenID: 10).example(Tiny.tokens(7), generator: &generator)
        try check(c, plain(c), example, label: "ar/causal")
    }

    func testAutoregressiveDocumentMaskTiedHeadRestartedPositions() throws {
        let c = try Tiny.configuration(tied: true)
        var generator = SplitMix64(seed: 1)
        let example = try ObjectiveSampler(objective: .ar, maskTokenID: 10)
            .example(Tiny.tokens(8), documentIDs: [0, 0, 0, 1, 1, 1, 1, 2], positions: [0, 1, 2, 0, 1, 2, 3, 0], generator: &generator)
        try check(c, plain(c), example, label: "ar/document/tied")
    }

    func testAutoregressiveBidirectionalSplitHalvesPartialRotaryYaRN() throws {
        let c = try Tiny.configuration(pairing: .splitHalves, rotaryDimension: 2)
        let frequencies = try RoPEScaling.yarn(YaRNParameters(factor: 4, originalContext: 16)).frequencies(for: c.rotaryGeometry())
        XCTAssertNotEqual(frequencies.attentionFactor, 1, "YaRN should scale the logits (m ≠ 1) in this check")
        let tokens = Tiny.tokens(7)
        let example = TrainingExample(tokens: tokens, mask: .bidirectional,
                                      targets: (0..<6).map { WeightedTarget(row: $0, token: tokens[$0 + 1], weight: 1.0 / 6) })
        try check(c, frequencies, example, label: "ar/bidirectional/yarn")
    }

    func testMaskedDiffusionBidirectional() throws {
        let c = try Tiny.configuration()
        var generator = SplitMix64(seed: 9)
        let example = try ObjectiveSampler(objective: .maskedDiffusion, maskTokenID: 10).example(Tiny.tokens(9), generator: &generator)
        XCTAssertFalse(example.targets.isEmpty, "the seed should mask at least one token")
        try check(c, try RoPEScaling.linear(factor: 2).frequencies(for: c.rotaryGeometry()), example, label: "md/bidirectional")
    }

    func testMaskedDiffusionDocumentMask() throws {
        let c = try Tiny.configuration(tied: true)
        var generator = SplitMix64(seed: 4)
        let example = try ObjectiveSampler(objective: .maskedDiffusion, maskTokenID: 10)
            .example(Tiny.tokens(9), documentIDs: [0, 0, 0, 0, 1, 1, 1, 1, 1], generator: &generator)
        XCTAssertFalse(example.targets.isEmpty)
        try check(c, plain(c), example, label: "md/document")
    }

    func testMaskedDiffusionCausal() throws {
        let c = try Tiny.configuration()
        var generator = SplitMix64(seed: 2)
        let sampled = try ObjectiveSampler(objective: .maskedDiffusion, maskTokenID: 10).example(Tiny.tokens(8), generator: &generator)
        let example = TrainingExample(tokens: sampled.tokens, mask: .causal, targets: sampled.targets)
        XCTAssertFalse(example.targets.isEmpty)
        try check(c, plain(c), example, label: "md/causal")
    }

    /// The stacked batch pass equals the mean of single-sequence passes (loss and every gradient),
    /// with sequences of different lengths, masks and positions.
    func testStackedBatchEqualsMeanOfSingleSequences() throws {
        let c = try Tiny.configuration()
        let parameters = Tiny.parameters(c)
        let model = try TrainingModel(configuration: c, frequencies: plain(c))
        var generator = SplitMix64(seed: 8)
        let examples = [
            try ObjectiveSampler(objective: .ar, maskTokenID: 10).example(Tiny.tokens(7), generator: &generator),
            try ObjectiveSampler(objective: .maskedDiffusion, maskTokenID: 10)
                .example(Tiny.tokens(70, seed: 2), documentIDs: (0..<70).map { Int32($0 / 30) }, generator: &generator),
            try ObjectiveSampler(objective: .ar, maskTokenID: 10).example(Tiny.tokens(5, seed: 3), positions: [4, 5, 6, 7, 8], generator: &generator),
        ]
        var batchGradient = ParameterSet(zerosLike: c), singleGradient = ParameterSet(zerosLike: c)
        let batchLoss = try model.lossAndGradient(parameters, batch: examples, into: &batchGradient)
        var singleLoss = 0.0
        for example in examples { singleLoss += try model.lossAndGradient(parameters, example, into: &singleGradient, scale: 1 / 3) / 3 }
        XCTAssertEqual(batchLoss, singleLoss, accuracy: 1e-6 * abs(singleLoss))
        for (index, tensor) in parameters.tensors.enumerated() {
            let scale = singleGradient.values[index].map { abs($0) }.max() ?? 0
            let worst = zip(batchGradient.values[index], singleGradient.values[index]).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1e-5 * scale + 1e-9, tensor.name)
        }
    }
}
