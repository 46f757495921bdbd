import Foundation
import GGUF
import Inference
import RoPE
import XCTest
@testable import Training

/// Run configuration parsing (bad input named by key), corpus packing, and a seconds-long run.
final class TrainingRunTests: XCTestCase {
    private func parse(_ json: String) throws -> TrainingRunConfiguration { try TrainingRunConfiguration.parse(Data(json.utf8)) }

    private func assertRefused(_ json: String, naming key: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(json), file: file, line: line) { error in
            guard case let .invalidConfiguration(name, _, _) = error as? TrainingError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(name, key, file: file, line: line)
        }
    }

    func testConfigurationDefaultsAndBadInput() throws {
        let c = try parse(#"{"embedding_size": 32, "layer_count": 2, "head_count": 4, "feed_forward_size": 64}"#)
        XCTAssertEqual(c.headDimension, 8)
        XCTAssertEqual(c.keyValueHeadCount, 4)
        XCTAssertTrue(c.tiedOutput)
        assertRefused(#"{"embedding_size": 30, "layer_count": 2, "head_count": 4, "feed_forward_size": 64}"#, naming: "head_count")
        assertRefused(#"{"embedding_size": 32, "layer_count": 2, "head_count": 4, "key_value_head_count": 3, "feed_forward_size": 64}"#,
                      naming: "key_value_head_count")
        assertRefused(#"{"embedding_size": 32, "layer_count": 2, "head_count": 4, "feed_forward_size": 64, "lr": 1}"#, naming: "configuration key")
        assertRefused(#"{"embedding_size": 32, "layer_count": 2, "head_count": 4}"#, naming: "feed_forward_size")
        assertRefused(#"{"embedding_size": 32.5, "layer_count": 2, "head_count": 4, "feed_forward_size": 64}"#, naming: "embedding_size")
        assertRefused(#"{"embedding_size": 32, "layer_count": 2, "head_count": 4, "feed_forward_size": 64, "tied_output": 1}"#, naming: "tied_output")
        assertRefused(#"{"embedding_size": 32, "layer_count": 2, "head_count": 4, "feed_forward_size": 64, "seed": true}"#, naming: "seed")
        assertRefused("[1, 2]", naming: "configuration")
    }

    func testCorpusSplitsByDocumentAndPacksWithEndOfDocument() throws {
        let documents = (1...20).map { Array("doc \($0)".utf8) }
        let corpus = TrainingCorpus(documents: documents, validationEvery: 10)
        XCTAssertEqual(corpus.trainingDocuments, 18)
        XCTAssertEqual(corpus.validationDocuments, 2)
        XCTAssertEqual(corpus.validation, "doc 10".utf8.map { Int32($0) } + [ByteVocabulary.endOfDocument]
            + "doc 20".utf8.map { Int32($0) } + [ByteVocabulary.endOfDocument])
        XCTAssertEqual(corpus.training.filter { $0 == ByteVocabulary.endOfDocument }.count, 18)
        XCTAssertThrowsError(try corpus.check(contextLength: corpus.training.count + 1))
        XCTAssertNoThrow(try corpus.check(contextLength: corpus.training.count))
    }

    func testMemoryEstimateRefusesHugeContext() throws {
        let run = try parse(#"{"embedding_size": 32, "layer_count": 2, "head_count": 4, "feed_forward_size": 64}"#)
        let corpus = TrainingCorpus(documents: [Array(repeating: 65, count: 5000)])
        XCTAssertThrowsError(try TrainingRun.run(configuration: run, objective: .ar, corpus: corpus, contextLength: 4096, steps: 1,
                                                 memoryLimit: 1 << 20)) { error in
            guard case .memoryLimit = error as? TrainingError else { return XCTFail("\(error)") }
        }
    }

    /// A seconds-long run of both objectives: the loss falls on a repetitive corpus, the run is
    /// deterministic from its seed, and the checkpoint loads in the inference core.
    func testShortRunsLearnAreDeterministicAndSave() throws {
        let run = try parse(#"{"embedding_size": 32, "layer_count": 1, "head_count": 4, "key_value_head_count": 2, "feed_forward_size": 64, "batch_size": 4, "learning_rate": 0.01, "warmup_steps": 2, "seed": 5}"#)
        let documents = (0..<30).map { i in Array(String(repeating: "abcdefgh ", count: 6 + i % 5).utf8) }
        let corpus = TrainingCorpus(documents: documents)
        for objective in TrainingObjective.allCases {
            let first = try TrainingRun.run(configuration: run, objective: objective, corpus: corpus, contextLength: 32, steps: 25)
            let again = try TrainingRun.run(configuration: run, objective: objective, corpus: corpus, contextLength: 32, steps: 25)
            XCTAssertEqual(first.losses, again.losses, "\(objective): same seed, same thread count, same losses")
            let early = first.losses.prefix(3).reduce(0, +) / 3, late = first.losses.suffix(3).reduce(0, +) / 3
            XCTAssertLessThan(late, 0.7 * early, "\(objective): loss should fall on a repetitive corpus (\(early) → \(late))")
            XCTAssertNotNil(first.validationLoss)
            let file = try GGUFFile(bytes: Checkpoint.gguf(first.parameters, objective: objective, scaling: .none))
            let model = try LlamaGGUFLoader.model(file)
            XCTAssertEqual(model.configuration.trainedContextLength, 32)
            XCTAssertEqual(model.configuration.defaultAttention, objective.direction)
        }
    }

    func testNonFiniteLossStopsAtItsStepAndKeepsParameters() throws {
        let c = try Tiny.configuration()
        var parameters = Tiny.parameters(c)
        parameters.values[parameters.index(layer: 0, .up)][3] = .nan
        let model = try TrainingModel(configuration: c, frequencies: RoPEScaling.none.frequencies(for: c.rotaryGeometry()))
        var trainer = try Trainer(model: model, parameters: parameters, sampler: ObjectiveSampler(objective: .ar, maskTokenID: 10),
                                  settings: OptimizerSettings(), totalSteps: 5, maskSeed: 1)
        let examples = trainer.examples([Tiny.tokens(6)])
        XCTAssertThrowsError(try trainer.step(examples)) { error in
            guard case let .nonFiniteLoss(step, _) = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertEqual(step, 1)
        }
        XCTAssertEqual(trainer.optimizer.step, 0)
        XCTAssertEqual(trainer.parameters.values[0], parameters.values[0], "no update after a non-finite loss")
    }

    /// A run interrupted after step 3 and resumed from its checkpoint and saved optimiser state
    /// (both through their GGUF files) ends with exactly the parameters of the uninterrupted run.
    func testResumeEqualsUninterruptedRun() throws {
        let run = try parse(#"{"embedding_size": 16, "layer_count": 1, "head_count": 2, "feed_forward_size": 32, "batch_size": 2, "warmup_steps": 2}"#)
        let corpus = TrainingCorpus(documents: (0..<12).map { Array("document \($0) with some text".utf8) })
        var saved: (ParameterSet, TrainingState)?
        let full = try TrainingRun.run(configuration: run, objective: .maskedDiffusion, corpus: corpus, contextLength: 16, steps: 6,
                                       checkpointEvery: 3, checkpoint: { parameters, state in if state.step == 3 { saved = (parameters, state) } })
        let (parameters, state) = try XCTUnwrap(saved)
        let weightsFile = try GGUFFile(bytes: Checkpoint.gguf(parameters, objective: .maskedDiffusion, scaling: .none, step: state.step))
        let loaded = try Checkpoint.load(weightsFile, objective: .maskedDiffusion, contextLength: 16)
        XCTAssertEqual(try weightsFile.metadata.int(forKey: TrainingState.stepKey), 3)
        let stateFile = try GGUFFile(bytes: state.gguf())
        let restored = try TrainingState.load(stateFile, for: loaded.parameters, settings: run.optimizer)
        XCTAssertEqual(restored.step, 3)
        let resumed = try TrainingRun.run(configuration: run, objective: .maskedDiffusion, corpus: corpus, contextLength: 16, steps: 6,
                                          initial: loaded.parameters, resume: restored)
        XCTAssertEqual(resumed.losses, Array(full.losses[3...]))
        XCTAssertEqual(resumed.parameters.values, full.parameters.values, "resumed run must end where the uninterrupted one does")
        XCTAssertThrowsError(try TrainingRun.run(configuration: run, objective: .maskedDiffusion, corpus: corpus, contextLength: 16,
                                                 steps: 7, initial: loaded.parameters, resume: restored), "other total steps")
    }
}
