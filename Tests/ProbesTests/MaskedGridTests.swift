import Foundation
import GGUF
import Inference
import Probes
import RoPE
import RoPEScopeTestSupport
import XCTest

/// `probe perplexity` with the masked estimators: a grid cell is exactly a `MaskedDiffusionProbe`
/// run with the grid's options, masks are shared by every spec of a text at one length (paired),
/// and the estimator options are part of the grid's identity.
final class MaskedGridTests: XCTestCase {
    /// `TinyModel` as a bidirectional model with a mask token (llama blocks, `attention.causal` false).
    static func bidirectionalModel(maskToken: UInt32? = 5) throws -> [UInt8] {
        var metadata: [String: GGUFValue?] = ["llama.attention.causal": .bool(false)]
        if let maskToken { metadata[DiffusionMetadata.maskTokenKey] = .uint32(maskToken) }
        return try TinyModel.variant(metadata: metadata)
    }

    private let text = String(repeating: "masked grids pair their samples. ", count: 5)

    private func runner(_ estimator: GridEstimator, options: MaskedDiffusionOptions, specs: [GridSpec],
                        lengths: [Int]) throws -> PerplexityGridRunner {
        let bytes = try Self.bidirectionalModel()
        let context = try ProbeContext(file: try GGUFFile(bytes: bytes), path: "tiny-bidirectional.gguf")
        let tokens = [context.tokens(text)]
        let definition = PerplexityGridDefinition(
            modelSHA256: SHA256.hex(bytes), texts: [GridText(label: "t", sha256: SHA256.hex(Array(text.utf8)), tokenCount: tokens[0].count)],
            specs: specs, contextLengths: lengths, estimator: estimator, scoredSpan: .all, maximumWindows: nil,
            attention: .bidirectional, positionBinEdges: PerplexityGridDefinition.logBinEdges(maximumLength: lengths.max() ?? 2),
            maskedDiffusion: options)
        return PerplexityGridRunner(context: context, definition: definition, tokens: tokens)
    }

    func testMaskedCellIsTheProbeRunDirectly() throws {
        let options = try MaskedDiffusionOptions(samples: 6, seed: 11, rule: .bernoulli, maskTokenID: 5)
        for (grid, direct) in [(GridEstimator.maskedDiffusion, MaskedDiffusionEstimator.bound), (.maskedCE, .maskedCrossEntropy)] {
            let runner = try runner(grid, options: options, specs: [GridSpec(label: "linear:factor=2", source: .user("linear:factor=2"))],
                                    lengths: [24])
            let cell = try runner.run(GridCellKey(text: 0, spec: 0, length: 0))
            let summary = try XCTUnwrap(cell.summary, "cell skipped: \(cell.skipReason ?? "")")
            let scoring = try ScoringProtocol(contextLength: 24, scoredTargets: .all, attention: .bidirectional)
            let probe = MaskedDiffusionProbe(model: runner.context.model,
                                             frequencies: try runner.context.frequencies(.linear(factor: 2)),
                                             scoring: scoring, options: options, estimator: direct)
            let reference = try probe.run(tokens: runner.tokens[0], bos: runner.context.windowBOS)
            XCTAssertTrue(summary.meanNLL.isFinite && summary.meanNLL > 0, "\(grid): \(summary.meanNLL)")
            XCTAssertEqual(summary.meanNLL, reference.meanNLL, "\(grid): the cell is the probe, bit for bit")
            XCTAssertEqual(summary.standardError, try XCTUnwrap(reference.standardError), "\(grid)")
            XCTAssertEqual(summary.tokensScored, reference.tokensScored, "\(grid)")
            XCTAssertEqual(summary.windows, reference.windows, "\(grid)")
            if grid == .maskedDiffusion {
                // Per-token values are the expected contributions: their mean is the bound.
                let mean = summary.tokenNLL.reduce(0, +) / Double(summary.tokenNLL.count)
                XCTAssertEqual(mean, summary.meanNLL, accuracy: 1e-12 * max(1, abs(summary.meanNLL)))
                XCTAssertEqual(summary.tokenNLL.count, summary.tokensScored)
            }
        }
    }

    func testSpecsOfOneLengthSeeTheSameMasks() throws {
        // Two specs giving the same frequencies must give the same numbers only if the masks are
        // shared: `none` and `base=10000` (the model's own base) are the same scaling.
        let options = try MaskedDiffusionOptions(samples: 4, seed: 3, rule: .exactCount, maskTokenID: 5)
        let runner = try runner(.maskedDiffusion, options: options,
                                specs: [GridSpec(label: "none", source: .user("none")),
                                        GridSpec(label: "base=10000", source: .user("base=10000"))], lengths: [16])
        let first = try XCTUnwrap(try runner.run(GridCellKey(text: 0, spec: 0, length: 0)).summary)
        let second = try XCTUnwrap(try runner.run(GridCellKey(text: 0, spec: 1, length: 0)).summary)
        XCTAssertEqual(first.meanNLL, second.meanNLL)
        XCTAssertEqual(first.tokenNLL, second.tokenNLL)
    }

    func testEstimatorOptionsAreInTheGridHash() throws {
        let spec = [GridSpec(label: "none", source: .user("none"))]
        let a = try runner(.maskedDiffusion, options: try MaskedDiffusionOptions(samples: 4, seed: 1, maskTokenID: 5),
                           specs: spec, lengths: [16]).definition
        let seed = try runner(.maskedDiffusion, options: try MaskedDiffusionOptions(samples: 4, seed: 2, maskTokenID: 5),
                              specs: spec, lengths: [16]).definition
        let samples = try runner(.maskedDiffusion, options: try MaskedDiffusionOptions(samples: 5, seed: 1, maskTokenID: 5),
                                 specs: spec, lengths: [16]).definition
        let rule = try runner(.maskedDiffusion, options: try MaskedDiffusionOptions(samples: 4, seed: 1, rule: .exactCount, maskTokenID: 5),
                              specs: spec, lengths: [16]).definition
        let estimator = try runner(.maskedCE, options: try MaskedDiffusionOptions(samples: 4, seed: 1, maskTokenID: 5),
                                   specs: spec, lengths: [16]).definition
        XCTAssertEqual(Set([a.hash, seed.hash, samples.hash, rule.hash, estimator.hash]).count, 5)
        var chainRule = a
        chainRule.maskedDiffusion = nil
        XCTAssertNotEqual(chainRule.hash, a.hash)
    }
}
