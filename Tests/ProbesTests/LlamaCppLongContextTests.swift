import Foundation
import GGUF
import Inference
import Probes
import RoPE
import Tokenizers
import XCTest

/// Tier 3, issue 8 §5: perplexity past SmolLM2's trained 8192 tokens against llama.cpp
/// (Tests/Fixtures/llamacpp/long_context.json from scripts/fixtures/llamacpp_long_context.py):
/// one window of L = 10240 tokens of the GNU licence texts under no scaling, linear ×2, an explicit
/// NTK base (200000) and llama.cpp's YaRN (×2, original context 8192), each run through
/// `PerplexityProbe` exactly as `ropescope score --windows 1 --score all` runs it (same
/// tokenisation, window cutting, spec parsing with the GGUF's trained length, scored targets).
///
/// Tolerance: mean NLL within 0.5 % of llama.cpp's (issue 8's bound). llama.cpp multiplies Q4_1
/// weights by activations quantised to 8 bits and keeps K/V in f16, while ropescope works in
/// float32 on dequantised weights; per-token NLLs differ by tenths of a nat (see
/// LlamaCppModelTests), which averages out over 10239 targets. The four llama.cpp means differ from
/// each other by more than the bound (asserted), so a wrong spec, pairing or window fails.
///
/// Cost: one forward pass of 10240 tokens per case: about 16 CPU-minutes in the debug build that
/// `swift test` uses (measured 2026-12-01: `ropescope score` debug, L = 10240, user time 16 min 22 s),
/// about a minute in a release build. That is past the test command's budget, so the comparison
/// runs only with ROPESCOPE_SLOW_TESTS=1 (all four cases; `swift test -c release -Xswiftc -enable-testing` recommended);
/// the default run checks the fixture itself. Skipped with a message when the model is absent.
final class LlamaCppLongContextTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let relativeMeanTolerance = 0.005

    struct Case {
        let name: String
        let spec: String
        let meanNLL: Double
        let meanNLLSecondHalf: Double
        let binEdges: [Int]
        let binMeans: [Double]
    }

    struct Fixture {
        let textFile: String
        let contextLength: Int
        let trainedContextLength: Int
        let tokens: [Int32]
        let cases: [Case]
    }

    static func fixture() throws -> Fixture {
        let url = root.appendingPathComponent("Tests/Fixtures/llamacpp/long_context.json")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let cases = try XCTUnwrap(json["cases"] as? [[String: Any]]).map { entry in
            let bins = try XCTUnwrap(entry["position_bins"] as? [String: Any])
            return Case(
                name: try XCTUnwrap(entry["name"] as? String), spec: try XCTUnwrap(entry["ropescope_spec"] as? String),
                meanNLL: try XCTUnwrap(entry["mean_nll"] as? Double),
                meanNLLSecondHalf: try XCTUnwrap(entry["mean_nll_second_half"] as? Double),
                binEdges: try XCTUnwrap(bins["edges"] as? [Int]), binMeans: try XCTUnwrap(bins["mean_nll"] as? [Double]))
        }
        return Fixture(
            textFile: try XCTUnwrap(json["text_file"] as? String), contextLength: try XCTUnwrap(json["context_length"] as? Int),
            trainedContextLength: try XCTUnwrap(json["trained_context_length"] as? Int),
            tokens: try XCTUnwrap(json["tokens"] as? [Int]).map(Int32.init), cases: cases)
    }

    nonisolated(unsafe) static var cached: (BPETokenizer, LlamaModel)?

    static func model() throws -> (BPETokenizer, LlamaModel) {
        if let cached { return cached }
        let path = ProcessInfo.processInfo.environment["ROPESCOPE_MODEL"]
            ?? root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) is absent: run scripts/fetch-model.sh to compare long-context perplexity with llama.cpp")
        }
        let file = try GGUFFile(path: path)
        let loaded = (try BPETokenizer(vocabulary: BPEVocabulary(gguf: file)), try LlamaGGUFLoader.model(file))
        cached = loaded
        return loaded
    }

    /// The fixture is what it claims: L past the trained context, and every pair of cases further
    /// apart than the 0.5 % bound (the closest pair, NTK base 200000 vs YaRN ×2, is 0.56 % apart;
    /// ropescope's unscaled mean was 0.09 % from llama.cpp's, so a swapped spec fails).
    func testFixtureCasesAreDistinguishable() throws {
        let fixture = try Self.fixture()
        XCTAssertGreaterThan(fixture.contextLength, fixture.trainedContextLength)
        XCTAssertEqual(fixture.tokens.count, fixture.contextLength)
        XCTAssertEqual(Set(fixture.cases.map(\.spec)).count, 4)
        for a in fixture.cases {
            XCTAssert(a.meanNLL.isFinite && a.meanNLL > 0, "\(a.name): mean NLL \(a.meanNLL)")
            for b in fixture.cases where a.name < b.name {
                let separation = abs(a.meanNLL - b.meanNLL) / a.meanNLL
                XCTAssertGreaterThan(separation, Self.relativeMeanTolerance,
                                     "\(a.name) vs \(b.name): llama.cpp means only \(separation) apart")
            }
        }
    }

    func testLongContextPerplexityMatchesLlamaCpp() throws {
        guard ProcessInfo.processInfo.environment["ROPESCOPE_SLOW_TESTS"] == "1" else {
            throw XCTSkip("L = 10240 against llama.cpp: ~16 CPU-minutes per case in a debug build; "
                          + "run with ROPESCOPE_SLOW_TESTS=1 (swift test -c release -Xswiftc -enable-testing --filter LlamaCppLongContextTests)")
        }
        let fixture = try Self.fixture()
        let (tokenizer, model) = try Self.model()
        let text = try String(contentsOf: Self.root.appendingPathComponent(fixture.textFile), encoding: .utf8)
        let tokens = tokenizer.encode(text, addBOS: false)
        let bos = tokenizer.addsBOSByDefault ? tokenizer.bosID : nil
        let configuration = model.weights.configuration
        XCTAssertEqual(configuration.trainedContextLength, fixture.trainedContextLength)
        let length = fixture.contextLength
        let scoring = try ScoringProtocol(contextLength: length, maximumWindows: 1, scoredTargets: .all)
        XCTAssertEqual(try scoring.windows(of: tokens, bos: bos), [fixture.tokens], "window tokens differ from llama.cpp's")

        for reference in fixture.cases {
            let scaling = try RoPESpec.parse(reference.spec, defaults: RoPESpecDefaults(
                trainLength: configuration.trainedContextLength, targetLength: length))
            let frequencies = try scaling.frequencies(for: try configuration.rotaryGeometry())
            var window: WindowScore?
            let summary = try PerplexityProbe(model: model, frequencies: frequencies, scoring: scoring)
                .run(tokens: tokens, bos: bos, onWindow: { window = $0 })
            let nll = try XCTUnwrap(window).negativeLogLikelihood
            XCTAssertEqual(summary.tokensScored, length - 1)
            XCTAssertFalse(nll.dropFirst().contains { !$0.isFinite }, "\(reference.name): non-finite NLL")
            let secondHalf = nll[(length / 2 + 1)...].reduce(0, +) / Double(length - length / 2 - 1)
            let bins = zip(reference.binEdges, reference.binEdges.dropFirst()).map { lo, hi in
                nll[max(lo, 1)..<hi].reduce(0, +) / Double(hi - max(lo, 1))
            }
            let worstBin = zip(bins, reference.binMeans).map { abs($0 - $1) / $1 }.max() ?? .nan
            let relative = abs(summary.meanNLL - reference.meanNLL) / reference.meanNLL
            print(String(format: "%@ (%@): mean NLL %.6f vs llama.cpp %.6f (%.3f %%); second half %.6f vs %.6f; "
                         + "worst 1024-token bin %.3f %%; %.0f tokens/s", reference.name, scaling.canonicalSpec,
                         summary.meanNLL, reference.meanNLL, 100 * relative, secondHalf, reference.meanNLLSecondHalf,
                         100 * worstBin, summary.tokensPerSecond))
            XCTAssertEqual(summary.meanNLL, reference.meanNLL, accuracy: Self.relativeMeanTolerance * reference.meanNLL,
                           "\(reference.name): mean NLL over all \(length - 1) targets")
            XCTAssertEqual(secondHalf, reference.meanNLLSecondHalf,
                           accuracy: Self.relativeMeanTolerance * reference.meanNLLSecondHalf,
                           "\(reference.name): mean NLL over targets past L/2")
        }
    }
}
