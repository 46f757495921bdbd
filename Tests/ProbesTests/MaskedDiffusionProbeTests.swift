import Foundation
import GGUF
import Inference
import Probes
import RoPE
import XCTest

final class MaskedDiffusionProbeTests: XCTestCase {
    private func probe(_ options: MaskedDiffusionOptions, estimator: MaskedDiffusionEstimator = .bound,
                       scoredTargets: ScoredTargets = .all, attention: AttentionDirection = .bidirectional,
                       shiftLogits: Bool = false) throws -> (MaskedDiffusionProbe, [Int32]) {
        let fixture = try DiffusionModelFixture.load()
        let (_, model, _) = try fixture.load(shiftLogits: shiftLogits)
        let scoring = try ScoringProtocol(contextLength: fixture.contextLength, scoredTargets: scoredTargets, attention: attention)
        return (MaskedDiffusionProbe(model: model, frequencies: try model.frequencies(.none), scoring: scoring,
                                     options: options, estimator: estimator), fixture.tokens)
    }

    /// Row mapping, computed by hand from the full logits of the masked window: unshifted, row j
    /// scores x_j; shifted, row j−1 does. The two differ, so a swapped mapping fails.
    func testShiftLogitsRowMappingAgainstFullLogits() throws {
        let fixture = try DiffusionModelFixture.load()
        let window = Array(fixture.tokens[0..<16])
        let record = MaskRecord(window: 0, sample: 0, ratio: 0.5, maskedPositions: [3, 7, 15])
        var input = window
        for j in record.maskedPositions { input[j] = fixture.maskTokenID }
        var results: [Bool: [Double]] = [:]
        for shift in [false, true] {
            let options = try MaskedDiffusionOptions(samples: 1, maskTokenID: fixture.maskTokenID, shiftLogits: shift)
            let (probe, _) = try probe(options)
            let full = try probe.model.forward(tokens: input, mask: .bidirectional, frequencies: probe.frequencies, logits: .all)
            let v = full.vocabularySize
            let expected = record.maskedPositions.map { j -> Double in
                let row = (shift ? j - 1 : j)
                let logits = full.logits[(row * v)..<((row + 1) * v)].map(Double.init)
                let peak = logits.max() ?? 0
                return peak + log(logits.reduce(0) { $0 + exp($1 - peak) }) - logits[Int(window[j])]
            }
            let actual = try probe.negativeLogLikelihoods(window: window, record: record)
            XCTAssertEqual(actual.count, 3)
            for (a, e) in zip(actual, expected) {
                // Same float32 logits; log-softmax in Double here, online over slices there (≤ 1e-5 nats).
                XCTAssertEqual(a, e, accuracy: 1e-4, "shift \(shift)")
            }
            results[shift] = actual
        }
        let unshifted = try XCTUnwrap(results[false]), shifted = try XCTUnwrap(results[true])
        XCTAssert(zip(unshifted, shifted).contains { abs($0 - $1) > 1e-2 }, "shifted and unshifted rows must differ")
        // Shifted logits cannot score position 0 (no row −1).
        let options = try MaskedDiffusionOptions(samples: 1, maskTokenID: fixture.maskTokenID, shiftLogits: true)
        XCTAssertThrowsError(try probe(options).0.negativeLogLikelihoods(
            window: window, record: MaskRecord(window: 0, sample: 0, ratio: 1, maskedPositions: [0])))
    }

    /// Every t = 1 with every scored token masked: the bound and the masked CE are both the plain
    /// mean CE of the fully masked window (computed here from per-record NLLs).
    func testBoundEqualsMaskedCrossEntropyWhenEverythingIsMasked() throws {
        let fixture = try DiffusionModelFixture.load()
        let options = try MaskedDiffusionOptions(samples: 2, maskTokenID: fixture.maskTokenID)
        let records = (0..<2).flatMap { window in
            (0..<2).map { MaskRecord(window: window, sample: $0, ratio: 1, maskedPositions: Array(1..<16)) }
        }
        let (bound, tokens) = try probe(options)
        let (maskedCE, _) = try probe(options, estimator: .maskedCrossEntropy)
        let a = try bound.run(tokens: tokens, bos: nil, masks: records)
        let b = try maskedCE.run(tokens: tokens, bos: nil, masks: records)
        let windows = try bound.scoring.windows(of: tokens, bos: nil)
        let all = try records.flatMap { try bound.negativeLogLikelihoods(window: windows[$0.window], record: $0) }
        let mean = all.reduce(0, +) / Double(all.count)
        XCTAssertEqual(a.meanNLL, mean, accuracy: 1e-12 * mean)
        XCTAssertEqual(b.meanNLL, mean, accuracy: 1e-12 * mean)
        XCTAssertEqual(a.tokensScored, 30)
        XCTAssertEqual(a.maskedTokens, 60)
        XCTAssertEqual(a.standardError ?? .nan, 0, accuracy: 1e-12, "identical samples")
    }

    /// Under LLaDA's exact counts the masked CE equals the bound sample by sample (Σ CE·m/l / m =
    /// mean CE over the l masked tokens); under Bernoulli masks it does not.
    func testMaskedCrossEntropyEqualsTheBoundUnderExactCounts() throws {
        let fixture = try DiffusionModelFixture.load()
        for rule in MaskRule.allCases {
            let options = try MaskedDiffusionOptions(samples: 6, seed: 17, rule: rule, maskTokenID: fixture.maskTokenID)
            let (bound, tokens) = try probe(options)
            let (maskedCE, _) = try probe(options, estimator: .maskedCrossEntropy)
            let a = try bound.run(tokens: tokens, bos: nil), b = try maskedCE.run(tokens: tokens, bos: nil)
            XCTAssertEqual(a.perSampleValues.count, b.perSampleValues.count)
            let gap = zip(a.perSampleValues, b.perSampleValues).map { abs($0 - $1) / $1 }.max() ?? .nan
            if rule == .exactCount {
                XCTAssertEqual(gap, 0, accuracy: 1e-12, "exact counts: per-sample values coincide")
            } else {
                XCTAssertGreaterThan(gap, 1e-3, "Bernoulli masks: the ratio estimator differs from the bound")
            }
        }
    }

    /// A large-n run on the tiny model: finite positive bound with a small standard error that
    /// shrinks with n; deterministic from the seed (a second run is identical, another seed is not).
    func testBoundIsFinitePositiveDeterministicAndTightensWithSamples() throws {
        let fixture = try DiffusionModelFixture.load()
        func run(_ samples: Int, seed: UInt64) throws -> MaskedDiffusionSummary {
            let options = try MaskedDiffusionOptions(samples: samples, seed: seed, maskTokenID: fixture.maskTokenID)
            let (probe, tokens) = try probe(options)
            return try probe.run(tokens: tokens, bos: nil)
        }
        let small = try run(8, seed: 1), large = try run(128, seed: 1)
        for summary in [small, large] {
            XCTAssert(summary.meanNLL.isFinite && summary.meanNLL > 0, "\(summary.meanNLL)")
            XCTAssertEqual(summary.perSampleValues.count, summary.samples)
            XCTAssertEqual(summary.meanNLL, summary.perSampleValues.reduce(0, +) / Double(summary.samples),
                           accuracy: 1e-12 * summary.meanNLL)
            XCTAssertEqual(summary.perplexityBound, exp(summary.meanNLL), accuracy: 1e-12 * summary.perplexityBound)
            XCTAssertEqual(summary.windows, 2)
            XCTAssertEqual(summary.tokensScored, 30)
        }
        let smallError = try XCTUnwrap(small.standardError), largeError = try XCTUnwrap(large.standardError)
        XCTAssertLessThan(largeError, smallError, "the standard error shrinks with n")
        XCTAssertLessThan(largeError, 0.1 * large.meanNLL)
        // The two estimates agree within their combined uncertainty (4σ).
        XCTAssertEqual(small.meanNLL, large.meanNLL, accuracy: 4 * (smallError * smallError + largeError * largeError).squareRoot())

        let again = try run(8, seed: 1), other = try run(8, seed: 2)
        XCTAssertEqual(again.perSampleValues, small.perSampleValues)
        XCTAssertNotEqual(other.perSampleValues, small.perSampleValues)
    }

    /// Per-position contributions add up to the window's value, and the windows' values average
    /// to the run's mean (equal m per window).
    func testWindowContributionsAddUpToTheBound() throws {
        let fixture = try DiffusionModelFixture.load()
        let options = try MaskedDiffusionOptions(samples: 5, seed: 8, maskTokenID: fixture.maskTokenID)
        let (probe, tokens) = try probe(options, scoredTargets: .secondHalf)
        var windows: [MaskedDiffusionWindow] = []
        var progressCalls: [(Int, Int)] = []
        let summary = try probe.run(tokens: tokens, bos: nil, onWindow: { windows.append($0) },
                                    progress: { done, total, _ in progressCalls.append((done, total)) })
        XCTAssertEqual(windows.count, 2)
        XCTAssertEqual(progressCalls.map(\.0), Array(1...10))
        XCTAssert(progressCalls.allSatisfy { $0.1 == 10 })
        for window in windows {
            XCTAssert(window.contribution[0..<9].allSatisfy(\.isNaN), "prompt positions are not scored")
            let scored = window.contribution[9..<16]
            XCTAssert(scored.allSatisfy { $0.isFinite && $0 >= 0 })
            XCTAssertEqual(scored.reduce(0, +) / 7, window.value, accuracy: 1e-12 * window.value)
        }
        XCTAssertEqual(windows.map(\.value).reduce(0, +) / 2, summary.meanNLL, accuracy: 1e-12 * summary.meanNLL)
    }

    /// An exported run replays to the same numbers; a zero-mask sample counts as 0 in the bound
    /// and is skipped by the masked CE; malformed replays are refused.
    func testExportReplayAndEmptySamples() throws {
        let fixture = try DiffusionModelFixture.load()
        let options = try MaskedDiffusionOptions(samples: 4, seed: 31, rule: .exactCount, maskTokenID: fixture.maskTokenID)
        let (probe, tokens) = try probe(options)
        var export = MaskExport(options: options, scoring: probe.scoring)
        let first = try probe.run(tokens: tokens, bos: nil, onMask: { export.records.append($0) })
        let decoded = try MaskExport.decode(try export.jsonData())
        XCTAssertEqual(decoded, export)
        XCTAssertEqual(try decoded.options(), options)
        let replayed = try probe.run(tokens: tokens, bos: nil, masks: decoded.records)
        XCTAssertEqual(replayed.perSampleValues, first.perSampleValues)

        // Sample 3 masks nothing in either window.
        var records = export.records.map { record in
            record.sample == 3 ? MaskRecord(window: record.window, sample: 3, ratio: 0.01, maskedPositions: []) : record
        }
        let bound = try probe.run(tokens: tokens, bos: nil, masks: records)
        XCTAssertEqual(bound.perSampleValues[3], 0)
        XCTAssertEqual(bound.samplesUsed, 4)
        XCTAssertEqual(bound.meanNLL, first.perSampleValues[0..<3].reduce(0, +) / 4, accuracy: 1e-12 * bound.meanNLL)
        let maskedCE = try MaskedDiffusionProbe(model: probe.model, frequencies: probe.frequencies, scoring: probe.scoring,
                                                options: options, estimator: .maskedCrossEntropy)
            .run(tokens: tokens, bos: nil, masks: records)
        XCTAssertEqual(maskedCE.samplesUsed, 3)
        XCTAssertEqual(maskedCE.perSampleValues.count, 3)

        records.removeLast()
        XCTAssertThrowsError(try probe.run(tokens: tokens, bos: nil, masks: records)) { error in
            XCTAssert("\(error)".contains("missing"), "\(error)")
        }
        XCTAssertThrowsError(try probe.run(tokens: tokens, bos: nil, masks: export.records + [export.records[0]]))
        let outside = MaskRecord(window: 0, sample: 0, ratio: 0.5, maskedPositions: [0])
        XCTAssertThrowsError(try probe.run(tokens: tokens, bos: nil, masks: [outside] + export.records.dropFirst()))
        let zeroRatio = MaskRecord(window: 0, sample: 0, ratio: 0, maskedPositions: [1])
        XCTAssertThrowsError(try probe.run(tokens: tokens, bos: nil, masks: [zeroRatio] + export.records.dropFirst()))
    }

    /// GGUF metadata: the mask token and shift flag are read from the file; a missing mask token
    /// is an error naming the key unless overridden; `dream` shifts by default; wrong types refused.
    func testDiffusionMetadataFromGGUF() throws {
        let fixture = try DiffusionModelFixture.load()
        let (_, _, declared) = try fixture.load(shiftLogits: nil)
        XCTAssertEqual(declared, DiffusionMetadata(architecture: "llada", maskTokenID: 96, shiftLogits: false))
        XCTAssertEqual(try fixture.load(shiftLogits: true).2.shiftLogits, true)

        let (_, _, missing) = try fixture.load(withMaskToken: false)
        XCTAssertNil(missing.maskTokenID)
        XCTAssertThrowsError(try MaskedDiffusionOptions(metadata: missing)) { error in
            XCTAssertEqual(error as? ProbeError, .missingMaskToken(key: "tokenizer.ggml.mask_token_id"))
            XCTAssert("\(error)".contains("tokenizer.ggml.mask_token_id"), "\(error)")
        }
        XCTAssertEqual(try MaskedDiffusionOptions(metadata: missing, maskTokenOverride: 5).maskTokenID, 5)
        XCTAssertEqual(try MaskedDiffusionOptions(metadata: declared, maskTokenOverride: 5).maskTokenID, 5)

        func metadata(_ entries: [(String, GGUFValue)]) throws -> DiffusionMetadata {
            try DiffusionMetadata(metadata: GGUFMetadata(entries: entries.map { GGUFMetadataEntry(key: $0.0, value: $0.1) }))
        }
        XCTAssertTrue(try metadata([("general.architecture", .string("dream"))]).shiftLogits)
        XCTAssertFalse(try metadata([("general.architecture", .string("dream")), ("diffusion.shift_logits", .bool(false))]).shiftLogits)
        XCTAssertFalse(try metadata([("general.architecture", .string("llada"))]).shiftLogits)
        XCTAssertThrowsError(try metadata([("tokenizer.ggml.mask_token_id", .string("126336"))])) { error in
            XCTAssert("\(error)".contains("tokenizer.ggml.mask_token_id"), "\(error)")
        }
        XCTAssertThrowsError(try metadata([("tokenizer.ggml.mask_token_id", .int32(-1))]))
        XCTAssertThrowsError(try metadata([("diffusion.shift_logits", .uint8(1))]))
    }

    /// Causal attention and a mask token outside the vocabulary are refused before any pass.
    func testRefusesCausalAttentionAndOutOfVocabularyMaskToken() throws {
        let fixture = try DiffusionModelFixture.load()
        let options = try MaskedDiffusionOptions(samples: 2, maskTokenID: fixture.maskTokenID)
        let (causal, tokens) = try probe(options, attention: .causal)
        XCTAssertThrowsError(try causal.run(tokens: tokens, bos: nil)) { error in
            guard case let .invalidParameter(name, value, _)? = error as? ProbeError else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "attention")
            XCTAssertEqual(value, "causal")
        }
        let (outside, _) = try probe(try MaskedDiffusionOptions(samples: 2, maskTokenID: 97))
        XCTAssertThrowsError(try outside.run(tokens: tokens, bos: nil)) { error in
            XCTAssert("\(error)".contains("0..<97"), "\(error)")
        }
    }
}
