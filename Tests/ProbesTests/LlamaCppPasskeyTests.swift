import Foundation
import GGUF
import Inference
import Probes
import RoPE
import Tokenizers
import XCTest

/// Tier 2/3, issue 9 §2: passkey prompts and answers against llama.cpp
/// (Tests/Fixtures/llamacpp/passkey.json from scripts/fixtures/llamacpp_passkey.py, which builds
/// the prompts itself from the documented rules).
///
/// - Prompt construction: every fixture prompt equals `PasskeyPrompt.build`'s token for token
///   (exact length, sentence-boundary needle offset), for every length, depth and key.
/// - Greedy answers: equal on ≥ 95 % of prompts (issue 9's bound): llama.cpp's Q8 activations and
///   f16 K/V can flip an argmax only where two tokens are nearly tied.
/// - Log-probabilities of the answer and of each distractor (6 tokens each): within 0.75 nats of
///   llama.cpp's, the engine's known per-token NLL tolerance (LlamaCppModelTests) applied to the
///   whole answer, since per-token differences (llama.cpp's Q8 activations, f16 K/V) largely
///   cancel in a sum. Measured 2026-12-05: all 12 greedy answers equal, max |Δ log p| 0.17 nats
///   on the answers and 0.28 on the distractors at L = 160 (the test prints the maximum).
///
/// Cost: a debug-build forward pass runs ~50 tokens/s on 2 busy cores, so the default run scores
/// the 6 prompts of the shortest length (~1000 tokens); ROPESCOPE_SLOW_TESTS=1 scores all.
/// Skipped with a message when the model is absent.
final class LlamaCppPasskeyTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let tolerance = 0.75

    struct Entry {
        let contextLength: Int, depth: Double, key: String
        let tokens: [Int32], answer: [Int32], generated: [Int32]
        let needleOffset: Int
        let answerLogProbability: Double
        let distractors: [String]
        let distractorLogProbabilities: [Double]
    }

    static func fixture() throws -> [Entry] {
        let url = root.appendingPathComponent("Tests/Fixtures/llamacpp/passkey.json")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return try XCTUnwrap(json["prompts"] as? [[String: Any]]).map { p in
            func ids(_ key: String) throws -> [Int32] { try XCTUnwrap(p[key] as? [Int]).map(Int32.init) }
            return Entry(contextLength: try XCTUnwrap(p["context_length"] as? Int), depth: try XCTUnwrap(p["depth"] as? Double),
                         key: try XCTUnwrap(p["key"] as? String), tokens: try ids("tokens"), answer: try ids("answer"),
                         generated: try ids("generated"), needleOffset: try XCTUnwrap(p["needle_offset"] as? Int),
                         answerLogProbability: try XCTUnwrap(p["answer_log_prob"] as? Double),
                         distractors: try XCTUnwrap(p["distractors"] as? [String]),
                         distractorLogProbabilities: try XCTUnwrap(p["distractor_log_probs"] as? [Double]))
        }
    }

    nonisolated(unsafe) static var cached: ProbeContext?

    static func context() throws -> ProbeContext {
        if let cached { return cached }
        let path = ProcessInfo.processInfo.environment["ROPESCOPE_MODEL"]
            ?? root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) is absent: run scripts/fetch-model.sh to compare passkey answers with llama.cpp")
        }
        let context = try ProbeContext(file: try GGUFFile(path: path), path: path)
        cached = context
        return context
    }

    func testPromptsEqualLlamaCppConstruction() throws {
        let context = try Self.context()
        let haystack = try Haystack(text: Haystack.defaultFiller, label: "default", repeats: true, tokenize: context.tokens)
        let fixture = try Self.fixture()
        XCTAssertEqual(fixture.count, 12)
        for entry in fixture {
            let prompt = try PasskeyPrompt.build(template: .passkey, key: entry.key, contextLength: entry.contextLength,
                                                 depth: entry.depth, haystack: haystack, bos: context.windowBOS, tokenize: context.tokens)
            XCTAssertEqual(prompt.tokens, entry.tokens, "L=\(entry.contextLength) depth \(entry.depth) key \(entry.key)")
            XCTAssertEqual(prompt.answer, entry.answer)
            XCTAssertEqual(prompt.needleOffset, entry.needleOffset)
        }
    }

    func testGreedyAnswersAndLogProbabilitiesMatchLlamaCpp() throws {
        let context = try Self.context()
        let slow = ProcessInfo.processInfo.environment["ROPESCOPE_SLOW_TESTS"] == "1"
        let fixture = try Self.fixture()
        let shortest = fixture.map(\.contextLength).min() ?? 0
        let entries = slow ? fixture : fixture.filter { $0.contextLength == shortest }
        let scorer = PasskeyScorer(model: context.model, frequencies: try context.frequencies(.none), method: .causal)
        var equal = 0
        var worst = 0.0
        for entry in entries {
            let distractors = entry.distractors.map { context.tokens(" " + $0) }
            let score = try scorer.score(prompt: entry.tokens, answer: entry.answer, distractors: distractors)
            let label = "L=\(entry.contextLength) depth \(entry.depth) key \(entry.key)"
            if score.generated == entry.generated { equal += 1 }
            print(String(format: "%@: generated %@ (llama.cpp %@); log p %.4f vs %.4f", label, "\(score.generated)",
                         "\(entry.generated)", score.answerLogProbability, entry.answerLogProbability))
            XCTAssertEqual(score.answerLogProbability, entry.answerLogProbability, accuracy: Self.tolerance, label)
            for (got, want) in zip(score.distractorLogProbabilities, entry.distractorLogProbabilities) {
                XCTAssertEqual(got, want, accuracy: Self.tolerance, "\(label) distractor")
                worst = max(worst, abs(got - want))
            }
            worst = max(worst, abs(score.answerLogProbability - entry.answerLogProbability))
        }
        print("max |Δ log p| over answers and distractors: \(worst) nats")
        XCTAssertGreaterThanOrEqual(Double(equal), 0.95 * Double(entries.count), "greedy answers equal on \(equal)/\(entries.count)")
    }
}
