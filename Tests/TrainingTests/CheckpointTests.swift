import Foundation
import GGUF
import Inference
import Probes
import RoPE
import Tokenizers
import XCTest
@testable import Training

/// A saved checkpoint loads in the inference core and scores what the trainer computed.
final class CheckpointTests: XCTestCase {
    private func configuration(_ objective: TrainingObjective, tied: Bool) throws -> LlamaConfiguration {
        try LlamaConfiguration(architecture: objective.architecture, vocabularySize: ByteVocabulary.size, embeddingSize: 16,
                               layerCount: 2, headCount: 4, keyValueHeadCount: 2, headDimension: 4, feedForwardSize: 32,
                               rmsNormEpsilon: 1e-5, ropeBase: 10000, trainedContextLength: 32, tiedOutput: tied)
    }

    /// Trainer loss (Σ w·CE) vs the inference core's NLL on the reloaded GGUF with its declared RoPE.
    private func roundTrip(_ objective: TrainingObjective, scaling: RoPEScaling, tied: Bool, label: String) throws {
        let c = try configuration(objective, tied: tied)
        let parameters = ParameterSet(randomFor: c, seed: 11, standardDeviation: 0.3)
        let frequencies = try scaling.frequencies(for: c.rotaryGeometry())
        let model = try TrainingModel(configuration: c, frequencies: frequencies)
        var generator = SplitMix64(seed: 5)
        let text = ByteVocabulary.encode("The quick brown fox jumps over the lazy dog.")
        let example = try ObjectiveSampler(objective: objective, maskTokenID: ByteVocabulary.mask).example(text, generator: &generator)
        XCTAssertFalse(example.targets.isEmpty)
        let trainerLoss = try model.loss(parameters, example)

        let file = try GGUFFile(bytes: Checkpoint.gguf(parameters, objective: objective, scaling: scaling))
        XCTAssertEqual(file.metadata["general.architecture"]?.string, objective.architecture.rawValue)
        let loaded = try LlamaGGUFLoader.model(file)
        XCTAssertEqual(loaded.configuration.defaultAttention, objective.direction, "\(label): attention direction")
        let declared = try loaded.frequencies(LlamaGGUFLoader.declaredScaling(file))
        for (a, b) in zip(declared.inverseFrequency, frequencies.inverseFrequency) {
            XCTAssertEqual(a, b, accuracy: 1e-6 * b, "\(label): baked θ'")
        }
        XCTAssertEqual(declared.attentionFactor, frequencies.attentionFactor, accuracy: 1e-6, "\(label): baked magnitude")
        let result = try loaded.forward(tokens: example.tokens, frequencies: declared, logits: .none,
                                        targets: example.targets.map { TokenTarget(row: $0.row, token: $0.token) })
        let inferenceLoss = zip(example.targets, result.negativeLogLikelihood).reduce(0) { $0 + $1.0.weight * $1.1 }
        XCTAssertEqual(trainerLoss, inferenceLoss, accuracy: 2e-5 * inferenceLoss, "\(label): trainer vs inference core")
    }

    func testAutoregressivePlainUntied() throws { try roundTrip(.ar, scaling: .none, tied: false, label: "ar/none") }
    func testAutoregressiveNTKBaseChange() throws { try roundTrip(.ar, scaling: .ntk(factor: 4), tied: true, label: "ar/ntk") }
    func testMaskedDiffusionLinear() throws { try roundTrip(.maskedDiffusion, scaling: .linear(factor: 2), tied: true, label: "md/linear") }
    func testMaskedDiffusionYaRNBakedAsPerPairFactors() throws {
        try roundTrip(.maskedDiffusion, scaling: .yarn(YaRNParameters(factor: 4, originalContext: 32)), tied: false, label: "md/yarn")
    }

    func testByteVocabularyTokenizesToUTF8Bytes() throws {
        let c = try configuration(.ar, tied: true)
        let file = try GGUFFile(bytes: Checkpoint.gguf(ParameterSet(randomFor: c, seed: 1), objective: .ar, scaling: .none))
        let tokenizer = try BPETokenizer(vocabulary: BPEVocabulary(gguf: file))
        let text = "Größe: 42 €\nfin."
        XCTAssertEqual(tokenizer.encode(text), text.utf8.map { Int32($0) })
        XCTAssertEqual(tokenizer.vocabularySize, ByteVocabulary.size)
        XCTAssertEqual(try DiffusionMetadata(metadata: file.metadata).maskTokenID, ByteVocabulary.mask)
    }

    func testCheckpointRefusesAnotherVocabulary() throws {
        let c = try LlamaConfiguration(vocabularySize: 11, embeddingSize: 8, layerCount: 1, headCount: 2, keyValueHeadCount: 1,
                                       headDimension: 4, feedForwardSize: 8, rmsNormEpsilon: 1e-5, ropeBase: 100, trainedContextLength: 8)
        XCTAssertThrowsError(try Checkpoint.gguf(ParameterSet(randomFor: c, seed: 1), objective: .ar, scaling: .none)) { error in
            guard case .incompatibleCheckpoint = error as? TrainingError else { return XCTFail("\(error)") }
        }
    }

    /// `--init`: a checkpoint reloads with its weights for the new context, declares its RoPE, and
    /// is refused for the other objective's architecture.
    func testLoadForContinuedTraining() throws {
        let c = try configuration(.maskedDiffusion, tied: true)
        let parameters = ParameterSet(randomFor: c, seed: 4)
        let file = try GGUFFile(bytes: Checkpoint.gguf(parameters, objective: .maskedDiffusion, scaling: .linear(factor: 2)))
        let loaded = try Checkpoint.load(file, objective: .maskedDiffusion, contextLength: 128)
        XCTAssertEqual(loaded.parameters.values, parameters.values)
        XCTAssertEqual(loaded.parameters.configuration.trainedContextLength, 128)
        XCTAssertEqual(loaded.trainedContextLength, 32)
        XCTAssertEqual(loaded.declaredScaling, .linear(factor: 2))
        XCTAssertThrowsError(try Checkpoint.load(file, objective: .ar, contextLength: 128)) { error in
            guard case let .incompatibleCheckpoint(reason) = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssert(reason.contains("architecture llada"), reason)
        }
    }
}
