import Foundation
import GGUF
import Inference
import Probes
import RoPE
import XCTest

/// The masked-diffusion estimators against the independent float64 numpy reference
/// (scripts/fixtures/numpy_masked_diffusion_reference.py), which recomputes every number from
/// the masks a Swift run exported (Tests/Fixtures/diffusion/tiny_llada_masks.json).
///
/// Tolerance 1e-4 relative (the issue's): Swift runs the tiny model in float32, whose NLLs agree
/// with float64 to ~1e-6 relative (NumpyReferenceTests of the forward pass); 1/t weights scale a
/// term and its error alike, and the standard error, a difference of per-sample values about 10×
/// smaller than the values, stays near 1e-5. A wrong row shift, a missing 1/t or a wrong
/// denominator moves these numbers by 1e-2 or more.
///
/// Regenerating: `ROPESCOPE_EXPORT_MASKS=<path> swift test --skip-build --filter
/// MaskedDiffusionReferenceTests` writes this run's masks to <path> instead of comparing (see the
/// script's docstring for the three steps).
final class MaskedDiffusionReferenceTests: XCTestCase {
    func testBoundAndMaskedCrossEntropyMatchNumpyFromExportedMasks() throws {
        let fixture = try DiffusionModelFixture.load()
        var exports: [DiffusionMasksFile.Case] = []
        var results: [String: (MaskedDiffusionProbe, MaskedDiffusionSummary, MaskedDiffusionSummary, [[Double]], [[Double]])] = [:]
        for testCase in DiffusionCase.all {
            let (_, model, metadata) = try fixture.load(shiftLogits: testCase.shiftLogits)
            XCTAssertEqual(metadata.maskTokenID, fixture.maskTokenID, testCase.name)
            XCTAssertEqual(metadata.shiftLogits, testCase.shiftLogits, testCase.name)
            XCTAssertEqual(model.configuration.defaultAttention, .bidirectional, "llada GGUF loads bidirectional")
            let options = try MaskedDiffusionOptions(metadata: metadata, samples: testCase.samples, seed: testCase.seed,
                                                     rule: testCase.rule, ratioFloor: testCase.ratioFloor)
            let scoring = try ScoringProtocol(contextLength: fixture.contextLength, scoredTargets: testCase.scoredTargets,
                                              attention: .bidirectional)
            let frequencies = try model.frequencies(.none)
            var summaries: [MaskedDiffusionSummary] = [], contributions: [[[Double]]] = []
            var recordsSeen: [[MaskRecord]] = []
            for estimator in MaskedDiffusionEstimator.allCases {
                let probe = MaskedDiffusionProbe(model: model, frequencies: frequencies, scoring: scoring,
                                                 options: options, estimator: estimator)
                var records: [MaskRecord] = [], windows: [[Double]] = []
                summaries.append(try probe.run(tokens: fixture.tokens, bos: nil, onMask: { records.append($0) },
                                               onWindow: { windows.append($0.contribution) }))
                recordsSeen.append(records)
                contributions.append(windows)
            }
            XCTAssertEqual(recordsSeen[0], recordsSeen[1], "\(testCase.name): both estimators draw the same masks")
            exports.append(.init(name: testCase.name, export: MaskExport(options: options, scoring: scoring, records: recordsSeen[0])))
            let probe = MaskedDiffusionProbe(model: model, frequencies: frequencies, scoring: scoring, options: options)
            results[testCase.name] = (probe, summaries[0], summaries[1], contributions[0], contributions[1])
        }
        let masksURL = DiffusionModelFixture.directory.appendingPathComponent("tiny_llada_masks.json")
        if let path = ProcessInfo.processInfo.environment["ROPESCOPE_EXPORT_MASKS"] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try (encoder.encode(DiffusionMasksFile(cases: exports)) + Data("\n".utf8)).write(to: URL(fileURLWithPath: path))
            throw XCTSkip("exported the masks to \(path); now run scripts/fixtures/numpy_masked_diffusion_reference.py")
        }

        // The committed masks are exactly what this build draws from the same seeds.
        let committed = try JSONDecoder().decode(DiffusionMasksFile.self, from: Data(contentsOf: masksURL))
        XCTAssertEqual(committed.cases.map(\.name), exports.map(\.name))
        for (mine, theirs) in zip(exports, committed.cases) {
            XCTAssertEqual(mine.export, theirs.export, "\(mine.name): masks drawn from the seed differ from the committed export")
        }

        let reference = try JSONDecoder().decode(
            DiffusionReference.self,
            from: Data(contentsOf: DiffusionModelFixture.directory.appendingPathComponent("tiny_llada_reference.json")))
        XCTAssertEqual(reference.cases.map(\.name), DiffusionCase.all.map(\.name))
        for expected in reference.cases {
            let (probe, bound, maskedCE, boundWindows, maskedCEWindows) = try XCTUnwrap(results[expected.name])
            let export = try XCTUnwrap(committed.cases.first { $0.name == expected.name }?.export)
            XCTAssertEqual(bound.windows, expected.windows, expected.name)
            XCTAssertEqual(export.records.count, expected.records, expected.name)
            let windows = try probe.scoring.windows(of: try DiffusionModelFixture.load().tokens, bos: nil)
            for (record, nll) in zip(export.records, expected.recordNll) {
                let actual = try probe.negativeLogLikelihoods(window: windows[record.window], record: record)
                XCTAssertEqual(actual.count, nll.count, "\(expected.name) record \(record.window)/\(record.sample)")
                for (a, e) in zip(actual, nll) {
                    assertRelativelyClose(a, e, relative: 1e-4, "\(expected.name) w\(record.window) s\(record.sample) CE")
                }
            }
            compare(bound, boundWindows, expected.bound, "\(expected.name) bound")
            compare(maskedCE, maskedCEWindows, expected.maskedCe, "\(expected.name) masked-ce")
        }
    }

    private func compare(_ summary: MaskedDiffusionSummary, _ windows: [[Double]], _ expected: DiffusionReference.Estimate,
                         _ label: String) {
        assertRelativelyClose(summary.meanNLL, expected.mean, relative: 1e-4, "\(label) mean")
        XCTAssertEqual(summary.perplexityBound, exp(summary.meanNLL), accuracy: 1e-12 * summary.perplexityBound)
        switch (summary.standardError, expected.standardError) {
        case let (actual?, reference?): assertRelativelyClose(actual, reference, relative: 1e-4, "\(label) standard error")
        case (nil, nil): break
        default: XCTFail("\(label): standard error \(String(describing: summary.standardError)) vs \(String(describing: expected.standardError))")
        }
        XCTAssertEqual(summary.perSampleValues.count, expected.perSample.count, "\(label) samples used")
        for (index, (a, e)) in zip(summary.perSampleValues, expected.perSample).enumerated() {
            // A sample that masked nothing contributes exactly 0 on both sides.
            assertRelativelyClose(a, e, relative: 1e-4, absolute: e == 0 ? 0 : 1e-12, "\(label) sample \(index)")
        }
        XCTAssertEqual(windows.count, expected.contribution.count, "\(label) windows")
        for (w, (row, reference)) in zip(windows, expected.contribution).enumerated() {
            XCTAssertEqual(row.count, reference.count, "\(label) window \(w) length")
            for (j, (a, e)) in zip(row, reference).enumerated() {
                if let e {
                    assertRelativelyClose(a, e, relative: 1e-4, "\(label) window \(w) position \(j)")
                } else {
                    XCTAssert(a.isNaN, "\(label) window \(w) position \(j): \(a) where the reference has none")
                }
            }
        }
    }
}
