import Foundation
import GGUF
import Inference
import Probes
import RoPE
import RoPEScopeTestSupport
import XCTest

/// `probe interference` on the tiny random model: the layout and the three packings are what they
/// claim, the mask + restart invariance holds (ΔNLL = 0 up to float rounding), direct and EOD
/// packing change the NLL, and a naive per-document reference (explicit prefix windows, Double
/// log-softmax of full logits) agrees with the packed scores.
final class InterferenceTests: XCTestCase {
    /// Float32 forward passes over windows that differ only in tile and BLAS blocking: per-token NLLs
    /// of ~5 nats agree to a few float32 ulps of the logits (~1e-6 relative); 1e-4 nats leaves a
    /// wide margin and still fails for any real leak across documents (≥ 1e-3 here).
    static let roundingTolerance = 1e-4

    static let texts = [
        "the first document talks about apples and pears.",
        "a second one, on rivers; it is longer than the first one by a few words.",
        "third: short.",
        "fourth document with numbers 1 2 3 4 5 6.",
        "fifth, the last of them, about packing windows.",
    ]

    static func context(bytes: [UInt8]? = nil) throws -> ProbeContext {
        try ProbeContext(file: try GGUFFile(bytes: try bytes ?? TinyModel.gguf()), path: "tiny.gguf")
    }

    static func runner(_ context: ProbeContext, texts: [String] = texts, lengths: [Int] = [160], seed: UInt64 = 3,
                       packings: [DocumentPacking] = DocumentPacking.allCases, positions: [PositionMode] = PositionMode.allCases,
                       estimator: InterferenceEstimator = .chainRule, eod: Int32? = 10) throws -> InterferenceRunner {
        let documents = texts.enumerated().map { InterferenceDocument(label: "doc\($0.offset)", text: $0.element) }
        let tokens = try InterferenceDocuments.tokenize(documents, context: context)
        let attention: AttentionDirection = estimator == .chainRule ? .causal : .bidirectional
        let definition = InterferenceDefinition(
            modelSHA256: "test", documents: zip(documents, tokens).map { GridText(label: $0.label, sha256: $0.sha256, tokenCount: $1.count) },
            spec: nil, contextLengths: lengths, packings: packings, positions: positions, seed: seed, attention: attention,
            estimator: estimator, eodToken: eod, positionBinEdges: PerplexityGridDefinition.logBinEdges(maximumLength: lengths.max() ?? 2))
        return InterferenceRunner(context: context, definition: definition, tokens: tokens)
    }

    static func cell(_ result: InterferenceRunner.Result, _ packing: DocumentPacking, _ positions: PositionMode,
                     length: Int? = nil) throws -> InterferenceCell {
        try XCTUnwrap(result.cells.first {
            $0.packing == packing && $0.positions == positions && (length == nil || $0.contextLength == length)
        })
    }

    func testLayoutHoldsEveryDocumentOnceInWindowsOfAtMostL() throws {
        let counts = [5, 30, 12, 7, 50, 3, 20, 64, 9]
        for seed in [0, 1, 7] as [UInt64] {
            let layout = try InterferenceLayout(tokenCounts: counts, contextLength: 40, seed: seed)
            XCTAssertEqual(layout.windows.flatMap { $0 }.sorted(), Array(counts.indices), "seed \(seed)")
            XCTAssertEqual(layout.documentLengths, counts.map { min($0, 40) })
            for window in layout.windows {
                let used = window.reduce(0) { $0 + layout.documentLengths[$1] } + window.count - 1
                XCTAssertLessThanOrEqual(used, 40, "seed \(seed): window \(window)")
            }
            // Next-fit: the first document of each later window would not have fitted the previous one.
            for (previous, next) in zip(layout.windows, layout.windows.dropFirst()) {
                let used = previous.reduce(0) { $0 + layout.documentLengths[$1] } + previous.count - 1
                XCTAssertGreaterThan(used + 1 + layout.documentLengths[next[0]], 40)
            }
            XCTAssertEqual(layout.windows.flatMap { $0 }, InterferenceLayout.order(count: counts.count, seed: seed))
        }
        XCTAssertEqual(InterferenceLayout.order(count: 20, seed: 5), InterferenceLayout.order(count: 20, seed: 5))
        XCTAssertNotEqual(InterferenceLayout.order(count: 20, seed: 5), InterferenceLayout.order(count: 20, seed: 6))
        XCTAssertEqual(InterferenceLayout.order(count: 20, seed: 5).sorted(), Array(0..<20))
    }

    func testEODInsertsTheTokenBetweenDocumentsAndPositionsFollowTheMode() throws {
        let documents: [[Int32]] = [[100, 101, 102], [110, 111], [120, 121, 122, 123]]
        let layout = try InterferenceLayout(tokenCounts: documents.map(\.count), contextLength: 64, seed: 0)
        XCTAssertEqual(layout.windows.count, 1)
        let order = layout.windows[0]
        let concatenated = order.flatMap { documents[$0] }
        let eod = try layout.input(window: 0, documents: documents, packing: .eod, positions: .restart, eodToken: 7, within: .causal)
        XCTAssertEqual(eod.tokens, order.enumerated().flatMap { ($0.offset > 0 ? [7] : []) + documents[$0.element] })
        XCTAssertEqual(eod.tokens.filter { $0 == 7 }.count, 2)
        // restart: 0…len−1 per document, the separator at the next position of the document it ends.
        var expected: [Int] = []
        for (slot, document) in order.enumerated() {
            if slot > 0 { expected.append(documents[order[slot - 1]].count) }
            expected += Array(0..<documents[document].count)
        }
        XCTAssertEqual(eod.positions, expected)
        XCTAssertEqual(eod.mask, .causal)
        XCTAssertEqual(eod.offsets.map { eod.tokens[$0] }, order.map { documents[$0][0] })
        let direct = try layout.input(window: 0, documents: documents, packing: .direct, positions: .continue, eodToken: nil,
                                      within: .bidirectional)
        XCTAssertEqual(direct.tokens, concatenated)
        XCTAssertEqual(direct.positions, Array(concatenated.indices))
        XCTAssertEqual(direct.mask, .bidirectional)
        let mask = try layout.input(window: 0, documents: documents, packing: .mask, positions: .restart, eodToken: nil, within: .causal)
        XCTAssertEqual(mask.tokens, concatenated)
        let ids = order.enumerated().flatMap { [Int32](repeating: Int32($0.offset), count: documents[$0.element].count) }
        XCTAssertEqual(mask.mask, .document(ids: ids, withinDocument: .causal))
        XCTAssertThrowsError(try layout.input(window: 0, documents: documents, packing: .eod, positions: .continue, eodToken: nil,
                                              within: .causal)) { error in
            XCTAssertEqual(error as? ProbeError, .missingEndOfDocumentToken(key: "tokenizer.ggml.eos_token_id"))
        }
    }

    /// The invariance the mask promises, and real interference without it (chain rule, causal).
    func testMaskRestartIsInvariantAndDirectAndEODAreNot() throws {
        let runner = try Self.runner(try Self.context())
        let result = try runner.run()
        XCTAssertEqual(result.cells.count, 6)
        XCTAssertGreaterThanOrEqual(result.layouts[0].windows.filter { $0.count > 1 }.count, 2, "too few windows with neighbours")
        let scored = runner.tokens.reduce(0) { $0 + $1.count - 1 }
        for cell in result.cells {
            XCTAssertEqual(cell.tokens, scored, "\(cell.packing) \(cell.positions): every scored token once")
            XCTAssertEqual(cell.documents, 5)
        }
        let invariant = try Self.cell(result, .mask, .restart)
        XCTAssertEqual(invariant.maxAbsDeltaNLL, 0, accuracy: Self.roundingTolerance)
        // RoPE is relative: shifting a document's positions leaves it unchanged up to float32 rounding.
        XCTAssertEqual(try Self.cell(result, .mask, .continue).maxAbsDeltaNLL, 0, accuracy: 1e-3)
        for packing in [DocumentPacking.direct, .eod] {
            for positions in PositionMode.allCases {
                let cell = try Self.cell(result, packing, positions)
                XCTAssertGreaterThan(cell.maxAbsDeltaNLL, 1e-2, "\(packing) \(positions) shows no interference")
                // Only documents after the first of their window can be affected (causal attention).
                for (delta, document) in zip(cell.deltaNLL, cell.tokenDocument) {
                    let window = result.layouts[0].windows.first { $0.contains(Int(document)) }
                    if window?.first == Int(document) { XCTAssertEqual(delta, 0, accuracy: Self.roundingTolerance) }
                }
            }
        }
        XCTAssertEqual(invariant.meanDeltaNLL, invariant.meanPackedNLL - invariant.meanAloneNLL, accuracy: 1e-12)
    }

    /// The naive reference: for each document of a packed window, a forward pass over the window
    /// cut after that document (causal: later tokens cannot matter) with full logits, scored by the
    /// Double log-softmax of `Scoring`; alone, the document's own window the same way.
    func testNaivePerDocumentReferenceAgrees() throws {
        let runner = try Self.runner(try Self.context(), packings: [.direct, .eod, .mask], positions: [.continue, .restart])
        let result = try runner.run()
        let layout = result.layouts[0]
        let model = runner.context.model
        let frequencies = try runner.context.frequencies(.none)
        var checked = 0
        for cell in result.cells {
            for (window, members) in layout.windows.enumerated() {
                let input = try layout.input(window: window, documents: runner.tokens, packing: cell.packing,
                                             positions: cell.positions, eodToken: 10, within: .causal)
                for (slot, document) in members.enumerated() {
                    let end = input.offsets[slot] + layout.documentLengths[document]
                    var mask = input.mask
                    if case let .document(ids, within) = mask { mask = .document(ids: Array(ids[..<end]), withinDocument: within) }
                    let prefix = Array(input.tokens[..<end])
                    let logits = try model.forward(tokens: prefix, positions: Array(input.positions[..<end]), mask: mask,
                                                   frequencies: frequencies).logits
                    let packed = try Scoring.nextTokenNegativeLogLikelihood(logits: logits, vocabularySize: 256, tokens: prefix)
                    let own = Array(runner.tokens[document].prefix(layout.documentLengths[document]))
                    let alone = try Scoring.nextTokenNegativeLogLikelihood(
                        logits: try model.forward(tokens: own, frequencies: frequencies).logits, vocabularySize: 256, tokens: own)
                    for j in 1..<own.count {
                        let index = try XCTUnwrap(zip(cell.tokenDocument.indices, zip(cell.tokenDocument, cell.documentPosition))
                            .first { $0.1.0 == Int32(document) && $0.1.1 == Int32(j) }?.0)
                        XCTAssertEqual(cell.packedNLL[index], packed[input.offsets[slot] + j - 1], accuracy: Self.roundingTolerance)
                        XCTAssertEqual(cell.aloneNLL[index], alone[j - 1], accuracy: Self.roundingTolerance)
                        XCTAssertEqual(Int(cell.windowPosition[index]), input.offsets[slot] + j)
                        checked += 1
                    }
                }
            }
        }
        XCTAssertEqual(checked, 6 * runner.tokens.reduce(0) { $0 + $1.count - 1 })
    }

    /// Masked diffusion on the bidirectional tiny model: the same masks alone and packed make mask +
    /// restart exactly paired (ΔNLL = 0), direct packing is not, and a document's alone bound is
    /// `MaskedDiffusionProbe` on that document with the same masks replayed.
    func testMaskedDiffusionIsPairedAndMatchesTheProbe() throws {
        let bytes = try TinyModel.variant(metadata: ["llama.attention.causal": .bool(false), DiffusionMetadata.maskTokenKey: .uint32(5)])
        let context = try Self.context(bytes: bytes)
        let options = try MaskedDiffusionOptions(samples: 4, seed: 3, rule: .exactCount, maskTokenID: 5)
        let runner = try Self.runner(context, packings: [.direct, .mask], positions: [.restart], estimator: .maskedDiffusion(options))
        let result = try runner.run()
        XCTAssertEqual(try Self.cell(result, .mask, .restart).maxAbsDeltaNLL, 0, accuracy: Self.roundingTolerance)
        XCTAssertGreaterThan(try Self.cell(result, .direct, .restart).maxAbsDeltaNLL, 1e-2)
        let cell = try Self.cell(result, .mask, .restart)
        let sampler = MaskSampler(options: options)
        for (document, tokens) in runner.tokens.enumerated() {
            let records = sampler.masks(window: document, candidates: Array(1..<tokens.count)).map {
                MaskRecord(window: 0, sample: $0.sample, ratio: $0.ratio, maskedPositions: $0.maskedPositions)
            }
            let probe = MaskedDiffusionProbe(
                model: context.model, frequencies: try context.frequencies(.none),
                scoring: try ScoringProtocol(contextLength: tokens.count, attention: .bidirectional), options: options)
            let reference = try probe.run(tokens: tokens, bos: nil, masks: records).meanNLL
            let values = zip(cell.aloneNLL, cell.tokenDocument).filter { $0.1 == Int32(document) }.map(\.0)
            XCTAssertEqual(values.reduce(0, +) / Double(values.count), reference, accuracy: 1e-9 * max(1, reference), "document \(document)")
        }
    }

    func testRefusesAttentionThatDoesNotMatchTheEstimator() throws {
        let runner = try Self.runner(try Self.context())
        var definition = runner.definition
        definition.attention = .bidirectional
        XCTAssertThrowsError(try InterferenceRunner(context: runner.context, definition: definition, tokens: runner.tokens).run()) {
            guard case .invalidParameter(name: "attention", _, _)? = $0 as? ProbeError else { return XCTFail("\($0)") }
        }
    }

    func testTruncatesDocumentsLongerThanTheWindow() throws {
        let runner = try Self.runner(try Self.context(), lengths: [24, 160], packings: [.mask], positions: [.restart])
        let result = try runner.run()
        XCTAssertEqual(result.layouts[0].documentLengths, runner.tokens.map { min($0.count, 24) })
        let short = try Self.cell(result, .mask, .restart, length: 24)
        XCTAssertEqual(short.tokens, runner.tokens.reduce(0) { $0 + min($1.count, 24) - 1 })
        XCTAssertLessThan(short.documentPosition.max() ?? 99, 24)
        XCTAssertEqual(short.maxAbsDeltaNLL, 0, accuracy: Self.roundingTolerance)
    }
}
