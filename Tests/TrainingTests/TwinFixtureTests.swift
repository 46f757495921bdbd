import Foundation
import GGUF
import Inference
import Probes
import RoPE
import XCTest
@testable import Training

/// The diffusion and chain-rule probes on twins that really were trained
/// (Tests/Fixtures/twins, made by scripts/fixtures/train_twin_fixture.sh), scored on held-out
/// documents they never saw (`heldout.txt`, the trainer's validation split).
///
/// Independent references for "learned something":
/// - ln 259 = 5.557 nats/token, uniform guessing over the byte vocabulary;
/// - the held-out cross-entropy of a byte-unigram model fitted (add-one) to the training documents,
///   computed here in Double from the texts alone. A masked-diffusion bound of a model that predicts
///   every masked byte from its unigram frequency equals exactly that cross-entropy (E[(1/t)·#masked·CE]
///   = L·CE), so a bound below it needs context; the chain rule likewise;
/// - the untrained model (the trainer's initial distribution, N(0, 0.02²) weights): ≈ ln 259.
final class TwinFixtureTests: XCTestCase {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/twins")
    static let text = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/text")
    static let uniform = log(259.0)

    static func context(_ name: String) throws -> ProbeContext {
        let path = directory.appendingPathComponent(name).path
        return try ProbeContext(file: try GGUFFile(bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))), path: path)
    }

    /// The committed file is the one SHA256SUMS names (the fixture was not edited by hand).
    func testFixtureChecksums() throws {
        let sums = try String(contentsOf: Self.directory.appendingPathComponent("SHA256SUMS"), encoding: .utf8)
        for name in ["llada-twin.gguf", "ar-twin.gguf"] {
            let line = try XCTUnwrap(sums.split(separator: "\n").first { $0.hasSuffix(" \(name)") })
            XCTAssertEqual(try Self.context(name).modelSHA256(), String(line.prefix(64)), name)
        }
    }

    static func heldout() throws -> String {
        try String(contentsOf: directory.appendingPathComponent("heldout.txt"), encoding: .utf8)
    }

    /// Add-one byte-unigram cross-entropy (nats/byte) of `heldout` under the training texts'
    /// frequencies; training texts = the corpus sources minus the held-out documents (a superset
    /// of the train split up to the documents' separators, which does not matter for a unigram).
    static func unigramCrossEntropy() throws -> Double {
        var counts = [Double](repeating: 1, count: 256)
        for name in ["gnu-licenses.txt", "short-documents.txt"] {
            for byte in try Data(contentsOf: text.appendingPathComponent(name)) { counts[Int(byte)] += 1 }
        }
        let held = Array(try heldout().utf8)
        for byte in held { counts[Int(byte)] -= 1 }
        let total = counts.reduce(0, +)
        return held.reduce(0.0) { $0 - log(counts[Int($1)] / total) } / Double(held.count)
    }

    /// The trainer's initial weights for the same shape, as a checkpoint of `objective`.
    static func untrained(like context: ProbeContext, objective: TrainingObjective) throws -> ProbeContext {
        let parameters = ParameterSet(randomFor: context.configuration, seed: 7, standardDeviation: 0.02)
        let bytes = try Checkpoint.gguf(parameters, objective: objective, scaling: .none)
        return try ProbeContext(file: try GGUFFile(bytes: bytes), path: "untrained.gguf")
    }

    static func maskedBound(_ context: ProbeContext, tokens: [Int32]) throws -> MaskedDiffusionSummary {
        // LLaDA's stratified exact counts: sample i is the mean CE over its l_i masked tokens, so
        // the estimate has little Monte Carlo noise (Bernoulli masks with 1/t weights are heavy-tailed).
        let options = try MaskedDiffusionOptions(samples: 8, seed: 1, rule: .exactCount, maskTokenID: ByteVocabulary.mask)
        let probe = MaskedDiffusionProbe(model: context.model, frequencies: try context.frequencies(context.declaredScaling),
                                         scoring: try ScoringProtocol(contextLength: 128, maximumWindows: 4, attention: .bidirectional),
                                         options: options)
        return try probe.run(tokens: tokens, bos: nil)
    }

    /// Masked-diffusion bound on held-out text (4 windows × 128 tokens × 8 exact-count masks): the trained
    /// llada twin must beat the unigram reference (3.37 nats, itself ~2.2 nats below ln 259) and
    /// the untrained model by > 1.5 nats, and the untrained model must sit at ln 259 (near-uniform
    /// logits) within its Monte Carlo error.
    func testMaskedDiffusionBoundOfTheTrainedTwin() throws {
        let context = try Self.context("llada-twin.gguf")
        XCTAssertEqual(context.attention(nil), .bidirectional)
        let tokens = context.tokens(try Self.heldout())
        let unigram = try Self.unigramCrossEntropy()
        XCTAssertLessThan(unigram, Self.uniform - 1, "reference: byte unigram")
        let trained = try Self.maskedBound(context, tokens: tokens)
        let initial = try Self.maskedBound(try Self.untrained(like: context, objective: .maskedDiffusion), tokens: tokens)
        XCTAssertTrue(trained.meanNLL.isFinite)
        print("llada twin, masked-diffusion bound on held-out text: trained \(trained.meanNLL) ± \(trained.standardError ?? .nan), "
              + "untrained \(initial.meanNLL) ± \(initial.standardError ?? .nan), unigram \(unigram), uniform \(Self.uniform) nats/token")
        // Exact counts: every sample is a mean of per-token CEs of near-uniform logits; the logit
        // noise of N(0, 0.02²) weights (std s) raises the expected CE by ≈ s²/2, a few hundredths
        // (measured +0.04 here, −0.02 for the AR twin's chain rule): ±0.1.
        XCTAssertEqual(initial.meanNLL, Self.uniform, accuracy: 0.1, "untrained ≈ uniform")
        XCTAssertLessThan(trained.meanNLL, unigram, "trained bound \(trained.meanNLL) vs unigram \(unigram)")
        XCTAssertLessThan(trained.meanNLL + 1.5, initial.meanNLL, "trained \(trained.meanNLL) vs untrained \(initial.meanNLL)")
        let error = try XCTUnwrap(trained.standardError)
        XCTAssertLessThan(error, 0.5 * (unigram - trained.meanNLL), "Monte Carlo error too large to tell the bound from the reference")
    }

    /// Chain rule on the AR twin, same references (exact NLL, no Monte Carlo).
    func testChainRuleOfTheTrainedAutoregressiveTwin() throws {
        let context = try Self.context("ar-twin.gguf")
        XCTAssertEqual(context.attention(nil), .causal)
        let tokens = context.tokens(try Self.heldout())
        func score(_ c: ProbeContext) throws -> Double {
            try PerplexityProbe(model: c.model, frequencies: try c.frequencies(c.declaredScaling),
                                scoring: try ScoringProtocol(contextLength: 128, maximumWindows: 4, attention: .causal))
                .run(tokens: tokens, bos: nil).meanNLL
        }
        let trained = try score(context)
        let initial = try score(try Self.untrained(like: context, objective: .ar))
        print("AR twin, chain rule on held-out text: trained \(trained), untrained \(initial) nats/token")
        XCTAssertEqual(initial, Self.uniform, accuracy: 0.1, "exact NLL of near-uniform logits (see above)")
        XCTAssertLessThan(trained, try Self.unigramCrossEntropy(), "trained chain rule \(trained)")
        XCTAssertLessThan(trained + 1.5, initial)
    }

    static let documents: [String] = {
        let raw = (try? String(contentsOf: text.appendingPathComponent("short-documents.txt"), encoding: .utf8)) ?? ""
        return raw.components(separatedBy: "\n%\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty && $0 != "%" }
    }()

    static func interference(_ context: ProbeContext, estimator: InterferenceEstimator) throws -> InterferenceRunner.Result {
        let documents = Self.documents.enumerated().map { InterferenceDocument(label: "doc\($0.offset)", text: $0.element) }
        let tokens = try InterferenceDocuments.tokenize(documents, context: context)
        let attention: AttentionDirection = estimator == .chainRule ? .causal : .bidirectional
        let definition = InterferenceDefinition(
            modelSHA256: "twin", documents: zip(documents, tokens).map { GridText(label: $0.label, sha256: $0.sha256, tokenCount: $1.count) },
            spec: nil, contextLengths: [256], packings: DocumentPacking.allCases, positions: PositionMode.allCases, seed: 2,
            attention: attention, estimator: estimator, eodToken: ByteVocabulary.endOfDocument,
            positionBinEdges: PerplexityGridDefinition.logBinEdges(maximumLength: 256))
        return try InterferenceRunner(context: context, definition: definition, tokens: tokens).run()
    }

    /// Interference on the trained twins: mask + restart gives ΔNLL = 0 (float32 rounding of the
    /// per-token NLLs, ≤ 1e-4 nats, as in InterferenceTests), and direct concatenation — a real
    /// model reading a neighbour — changes NLLs by more than 1e-2 nats somewhere.
    func testInterferenceInvarianceOnTheTrainedTwins() throws {
        let options = try MaskedDiffusionOptions(samples: 2, seed: 3, rule: .exactCount, maskTokenID: ByteVocabulary.mask)
        for (name, estimator) in [("llada-twin.gguf", InterferenceEstimator.maskedDiffusion(options)), ("ar-twin.gguf", .chainRule)] {
            let result = try Self.interference(try Self.context(name), estimator: estimator)
            XCTAssertEqual(result.cells.count, 6, name)
            for cell in result.cells {
                XCTAssertTrue(cell.meanPackedNLL.isFinite && cell.meanAloneNLL.isFinite, "\(name) \(cell.packing) \(cell.positions)")
                XCTAssertLessThan(cell.meanAloneNLL, Self.uniform, "\(name): trained twin beats uniform on every cell")
            }
            let invariant = try XCTUnwrap(result.cells.first { $0.packing == .mask && $0.positions == .restart })
            XCTAssertEqual(invariant.maxAbsDeltaNLL, 0, accuracy: 1e-4, name)
            let direct = try XCTUnwrap(result.cells.first { $0.packing == .direct && $0.positions == .continue })
            XCTAssertGreaterThan(direct.maxAbsDeltaNLL, 1e-2, "\(name): direct packing shows no interference")
        }
    }
}
