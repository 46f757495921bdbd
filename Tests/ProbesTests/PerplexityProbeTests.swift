import Foundation
import Inference
import Probes
import RoPE
import RoPEScopeTestSupport
import TensorArchive
import XCTest

final class PerplexityProbeTests: XCTestCase {
    func testWindowsAndTargets() throws {
        let scoring = try ScoringProtocol(contextLength: 4)
        XCTAssertEqual(try scoring.windows(of: Array(0..<10), bos: nil), [[0, 1, 2, 3], [4, 5, 6, 7]])
        XCTAssertEqual(try scoring.windows(of: Array(0..<10), bos: 99), [[99, 1, 2, 3], [99, 5, 6, 7]])
        XCTAssertEqual(try ScoringProtocol(contextLength: 4, maximumWindows: 1).windows(of: Array(0..<10), bos: nil).count, 1)
        XCTAssertEqual(ScoredTargets.all.targetPositions(contextLength: 8), 1..<8)
        XCTAssertEqual(ScoredTargets.secondHalf.targetPositions(contextLength: 8), 5..<8)
        XCTAssertThrowsError(try scoring.windows(of: [], bos: nil)) { XCTAssertEqual($0 as? ProbeError, .emptyText) }
        XCTAssertThrowsError(try scoring.windows(of: [1, 2, 3], bos: nil)) { error in
            XCTAssertEqual(error as? ProbeError, .textTooShort(tokens: 3, contextLength: 4))
            XCTAssert("\(error)".contains("fewer than one window"))
        }
        XCTAssertThrowsError(try ScoringProtocol(contextLength: 1))
        XCTAssertThrowsError(try ScoringProtocol(contextLength: 4, maximumWindows: 0))
    }

    /// The probe's NLL equals a log-softmax of the full logits computed here, window by window.
    func testNLLMatchesLogSoftmaxOfFullLogits() throws {
        let (_, tokenizer, model) = try TinyModel.load()
        let tokens = tokenizer.encode("The quick brown fox jumps over the lazy dog, twice over.")
        let frequencies = try RoPEScaling.linear(factor: 2).frequencies(for: model.weights.configuration.rotaryGeometry())
        for targets in ScoredTargets.allCases {
            let scoring = try ScoringProtocol(contextLength: 16, scoredTargets: targets)
            var windows: [WindowScore] = []
            let summary = try PerplexityProbe(model: model, frequencies: frequencies, scoring: scoring)
                .run(tokens: tokens, bos: nil, onWindow: { windows.append($0) })
            XCTAssertEqual(summary.windows, tokens.count / 16)
            var all: [Double] = []
            for window in windows {
                let full = try model.forward(tokens: window.tokens, mask: .causal, frequencies: frequencies)
                let v = full.vocabularySize
                for t in 0..<16 {
                    guard targets.targetPositions(contextLength: 16).contains(t) else {
                        XCTAssert(window.negativeLogLikelihood[t].isNaN, "position \(t) is not scored")
                        continue
                    }
                    let row = full.logits[((t - 1) * v)..<(t * v)].map(Double.init)
                    let peak = row.max() ?? 0
                    let expected = peak + log(row.reduce(0) { $0 + exp($1 - peak) }) - row[Int(window.tokens[t])]
                    // Same float32 logits, log-softmax in Double on both sides.
                    XCTAssertEqual(window.negativeLogLikelihood[t], expected, accuracy: 1e-4)
                    all.append(expected)
                }
            }
            let mean = all.reduce(0, +) / Double(all.count)
            XCTAssertEqual(summary.tokensScored, all.count)
            XCTAssertEqual(summary.meanNLL, mean, accuracy: 1e-4)
            XCTAssertEqual(summary.perplexity, exp(summary.meanNLL), accuracy: 1e-9 * summary.perplexity)
            let variance = all.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(all.count)
            XCTAssertEqual(summary.meanNLLStandardError, (variance / Double(all.count - 1)).squareRoot(), accuracy: 1e-4)
        }
    }

    func testScoreArchiveStreamsWindowsAndHooks() throws {
        let (_, tokenizer, model) = try TinyModel.load()
        let tokens = tokenizer.encode(String(repeating: "abcdefgh ", count: 8))
        let frequencies = try RoPEScaling.none.frequencies(for: model.weights.configuration.rotaryGeometry())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("probes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("score.h5").path
        let writer = try ArchiveWriter(path: path)
        let archive = try ScoreArchive(container: writer, contextLength: 16)
        let summary = try PerplexityProbe(model: model, frequencies: frequencies,
                                          scoring: try ScoringProtocol(contextLength: 16, maximumWindows: 3))
            .run(tokens: tokens, bos: nil, hooks: HookSelection(["blocks.0.attn.hook_pattern"], heads: [1]), sink: archive,
                 onWindow: { try archive.finishWindow($0) })
        try writer.commit()
        let reader = try ArchiveReader(path: path)
        let nll = try reader.readDoubles("nll")
        XCTAssertEqual(nll.count, 3 * 16)
        let scored = nll.filter { !$0.isNaN }
        XCTAssertEqual(scored.count, summary.tokensScored)
        XCTAssertEqual(scored.reduce(0, +) / Double(scored.count), summary.meanNLL, accuracy: 1e-9)
        let pattern = try reader.readFloats("blocks.0.attn.hook_pattern")
        XCTAssertEqual(pattern.count, 3 * 1 * 16 * 16)
        // Each causal softmax row sums to one.
        for row in stride(from: 0, to: pattern.count, by: 16) {
            XCTAssertEqual(pattern[row..<(row + 16)].reduce(0, +), 1, accuracy: 1e-5)
        }
        XCTAssertEqual(try reader.readInt64s("head_sel"), [1])
    }
}
