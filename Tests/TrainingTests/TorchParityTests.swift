import Foundation
import Inference
import RoPE
import XCTest
@testable import Training

/// One fixture of scripts/fixtures/torch_training_reference.py (schema in Tests/Fixtures/training/README.md).
struct TorchTrainingFixture: Decodable {
    struct Config: Decodable {
        let objective: String
        let vocabulary_size, embedding_size, layer_count, head_count, key_value_head_count, head_dimension: Int
        let feed_forward_size, context_length, batch_size, steps, gradient_steps, warmup_steps: Int
        let rms_norm_epsilon, rope_base, masking_epsilon, learning_rate, minimum_learning_rate: Double
        let beta1, beta2, adam_epsilon, weight_decay, max_gradient_norm: Double
        let tied_output: Bool
        let mask_token_id: Int32
        let mask_seed: UInt64
    }
    let config: Config
    let initial: [String: [Float]]
    let batches: [[[Int32]]]
    let inputs: [[[Int32]]]
    let losses: [Double]
    let gradient_norms: [Double]
    let gradients: [[String: [Float]]]

    static func load(_ name: String) throws -> TorchTrainingFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/training/\(name)")
        return try JSONDecoder().decode(TorchTrainingFixture.self, from: Data(contentsOf: url))
    }

    func trainer() throws -> Trainer {
        let c = config
        let objective = try XCTUnwrap(TrainingObjective(rawValue: c.objective))
        let configuration = try LlamaConfiguration(
            architecture: objective.architecture, vocabularySize: c.vocabulary_size, embeddingSize: c.embedding_size,
            layerCount: c.layer_count, headCount: c.head_count, keyValueHeadCount: c.key_value_head_count,
            headDimension: c.head_dimension, feedForwardSize: c.feed_forward_size, rmsNormEpsilon: Float(c.rms_norm_epsilon),
            ropeBase: c.rope_base, trainedContextLength: c.context_length, tiedOutput: c.tied_output)
        var parameters = ParameterSet(zerosLike: configuration)
        for (index, tensor) in parameters.tensors.enumerated() {
            parameters.values[index] = try XCTUnwrap(initial[tensor.name], "fixture lacks \(tensor.name)")
        }
        var settings = OptimizerSettings()
        settings.learningRate = c.learning_rate
        settings.minimumLearningRate = c.minimum_learning_rate
        settings.warmupSteps = c.warmup_steps
        settings.beta1 = c.beta1
        settings.beta2 = c.beta2
        settings.epsilon = c.adam_epsilon
        settings.weightDecay = c.weight_decay
        settings.maxGradientNorm = c.max_gradient_norm
        let model = try TrainingModel(configuration: configuration, frequencies: RoPEScaling.none.frequencies(for: configuration.rotaryGeometry()))
        return try Trainer(model: model, parameters: parameters,
                           sampler: ObjectiveSampler(objective: objective, maskTokenID: c.mask_token_id, epsilon: c.masking_epsilon),
                           settings: settings, totalSteps: c.steps, maskSeed: c.mask_seed)
    }
}

/// Parity with PyTorch autograd + torch.optim.AdamW on the same weights and batches: losses and raw
/// gradients of the first steps within 1e-4 (relative to the loss; per tensor relative to its
/// largest gradient entry), and every loss of the 50-step curve within 2%.
final class TorchParityTests: XCTestCase {
    private func checkParity(_ name: String) throws {
        let fixture = try TorchTrainingFixture.load(name)
        var trainer = try fixture.trainer()
        for (step, batch) in fixture.batches.enumerated() {
            let examples = trainer.examples(batch)
            XCTAssertEqual(examples.map(\.tokens), fixture.inputs[step], "\(name) step \(step + 1): masked inputs differ from the SplitMix64 reference")
            if step < fixture.gradients.count {
                let (loss, gradient) = try trainer.lossAndGradient(examples)
                XCTAssertEqual(loss, fixture.losses[step], accuracy: 1e-4 * abs(fixture.losses[step]), "\(name) step \(step + 1) loss")
                for (index, tensor) in gradient.tensors.enumerated() {
                    let reference = try XCTUnwrap(fixture.gradients[step][tensor.name])
                    let scale = reference.map { abs(Double($0)) }.max() ?? 0
                    var worst = 0.0, at = 0
                    for (i, value) in gradient.values[index].enumerated() where abs(Double(value) - Double(reference[i])) > worst {
                        worst = abs(Double(value) - Double(reference[i])); at = i
                    }
                    XCTAssertLessThanOrEqual(worst, 1e-4 * scale,
                                             "\(name) step \(step + 1) \(tensor.name)[\(at)]: \(gradient.values[index][at]) vs torch \(reference[at]) (max |g| \(scale))")
                }
            }
            let report = try trainer.step(examples)
            XCTAssertEqual(report.loss, fixture.losses[step], accuracy: 0.02 * abs(fixture.losses[step]), "\(name) step \(step + 1) loss curve")
            if step < fixture.gradients.count {
                XCTAssertEqual(report.gradientNorm, fixture.gradient_norms[step], accuracy: 1e-4 * fixture.gradient_norms[step])
            }
        }
    }

    func testAutoregressiveMatchesPyTorch() throws { try checkParity("torch_ar.json") }
    func testMaskedDiffusionMatchesPyTorch() throws { try checkParity("torch_masked_diffusion.json") }
}
