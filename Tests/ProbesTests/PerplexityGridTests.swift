import Foundation
import GGUF
import Inference
import Probes
import RoPE
import RoPEScopeTestSupport
import TensorArchive
import XCTest

/// The grid library: cells follow the score protocol, the archive round-trips exactly, shards
/// partition the cells, the definition hash identifies a grid, configs are strict, and the
/// memory estimate refuses windows that cannot fit.
final class PerplexityGridTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("grid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func runner(specs: [GridSpec], lengths: [Int], span: ScoredTargets = .all,
                        texts: [String] = [String(repeating: "the grid probe scores windows. ", count: 6), "tiny"])
        throws -> PerplexityGridRunner {
        let context = try ProbeContext(file: try GGUFFile(bytes: try TinyModel.gguf()), path: "tiny.gguf")
        let tokens = texts.map { context.tokens($0) }
        let definition = PerplexityGridDefinition(
            modelSHA256: SHA256.hex(try TinyModel.gguf()),
            texts: zip(texts.indices, tokens).map { GridText(label: "text\($0.0)", sha256: SHA256.hex(Array(texts[$0.0].utf8)),
                                                            tokenCount: $0.1.count) },
            specs: specs, contextLengths: lengths, estimator: .chainRule, scoredSpan: span, maximumWindows: nil,
            attention: .causal, positionBinEdges: PerplexityGridDefinition.logBinEdges(maximumLength: lengths.max() ?? 2))
        return PerplexityGridRunner(context: context, definition: definition, tokens: tokens)
    }

    /// A done cell equals `PerplexityProbe` (the score protocol) run directly with the cell's
    /// resolved spec; its per-token values rebuild the mean and the binned curve.
    func testCellFollowsTheScoreProtocol() throws {
        let grid = try runner(specs: [GridSpec(label: "yarn:factor=2", source: .user("yarn:factor=2")),
                                      GridSpec(label: "linear:factor=L/64", source: .candidate("linear"))],
                              lengths: [16, 128], span: .last(5))
        let cell = try grid.run(GridCellKey(text: 0, spec: 0, length: 0))
        let summary = try XCTUnwrap(cell.summary)
        let scaling = try RoPESpec.parse(cell.resolvedSpec)
        let direct = try PerplexityProbe(model: grid.context.model, frequencies: try grid.context.frequencies(scaling),
                                         scoring: try ScoringProtocol(contextLength: 16, scoredTargets: .last(5)))
            .run(tokens: grid.tokens[0], bos: nil)
        XCTAssertEqual(summary.meanNLL, direct.meanNLL)
        XCTAssertEqual(summary.standardError, direct.meanNLLStandardError)
        XCTAssertEqual(summary.tokensScored, direct.tokensScored)
        XCTAssertEqual(summary.tokensScored, direct.windows * 5)
        XCTAssertEqual(Set(summary.tokenPosition), [11, 12, 13, 14, 15])
        XCTAssert(isClose(summary.tokenNLL.reduce(0, +) / Double(summary.tokenNLL.count), summary.meanNLL,
                          absolute: 0, relative: 1e-12))
        let binned = summary.binned(edges: grid.definition.positionBinEdges)
        XCTAssertEqual(binned.count.reduce(0, +), summary.tokensScored)
        let weighted = zip(binned.mean, binned.count).filter { $0.1 > 0 }.map { $0.0 * Double($0.1) }.reduce(0, +)
        XCTAssert(isClose(weighted / Double(summary.tokensScored), summary.meanNLL, absolute: 0, relative: 1e-12))

        // A candidate below the trained context and a text shorter than L are skipped with reasons.
        let candidate = try grid.run(GridCellKey(text: 0, spec: 1, length: 0))
        XCTAssert(candidate.skipReason?.contains("past the trained context") == true, "\(candidate)")
        let extended = try grid.run(GridCellKey(text: 0, spec: 1, length: 1))
        XCTAssertEqual(extended.resolvedSpec, "linear:factor=2")
        let short = try grid.run(GridCellKey(text: 1, spec: 0, length: 0))
        XCTAssert(short.skipReason?.contains("fewer than one window of 16") == true, "\(short)")
    }

    /// write → read gives back exactly the cells written, in a file xarray can open.
    func testArchiveRoundTripsExactly() throws {
        let grid = try runner(specs: [GridSpec(label: "none", source: .declared)], lengths: [8, 16])
        let cells = try (0..<grid.definition.cellCount).map { try grid.run(grid.definition.cell($0)) }
        XCTAssertEqual(cells.filter { $0.summary != nil }.count, 2)
        let path = directory.appendingPathComponent("grid.h5").path
        let writer = try ArchiveWriter(path: path)
        try PerplexityGridArchive.write(grid.definition, cells: cells, shard: "all", modelPath: "tiny.gguf",
                                        metadata: grid.context.provenanceMetadata, to: writer)
        try writer.commit()
        let contents = try PerplexityGridArchive.read(path: path)
        XCTAssertEqual(contents.definition, grid.definition)
        XCTAssertEqual(contents.hash, grid.definition.hash)
        XCTAssertEqual(contents.cells, cells)
    }

    /// A run stopped after two commits and resumed from them gives the cells of an uninterrupted
    /// run (timing aside); shards run separately give the same cells too.
    func testInterruptedRunResumesToTheSameCells() throws {
        struct Stop: Error {}
        let grid = try runner(specs: [GridSpec(label: "none", source: .declared), GridSpec(label: "ntk:factor=2", source: .user("ntk:factor=2"))],
                              lengths: [8, 16])
        let all = Array(0..<grid.definition.cellCount)
        let reference = try grid.run(selected: all, finished: [])
        var committed: [GridCellResult] = []
        XCTAssertThrowsError(try grid.run(selected: all, finished: [], commit: { cell in
            guard committed.count < 2 else { throw Stop() }
            committed.append(cell)
        }))
        XCTAssertEqual(committed.count, 2)
        var rerun: [Int] = []
        let resumed = try grid.run(selected: all, finished: committed, cellDone: { rerun.append($0) })
        XCTAssertEqual(rerun, Array(all.dropFirst(2)), "only the cells not committed run again")
        XCTAssertEqual(resumed.map(\.withoutTiming), reference.map(\.withoutTiming))
        let sharded = try (0..<3).flatMap { try grid.run(selected: grid.definition.shardCells(index: $0, count: 3), finished: []) }
        XCTAssertEqual(sharded.sorted { grid.definition.flatIndex($0.key) < grid.definition.flatIndex($1.key) }.map(\.withoutTiming),
                       reference.map(\.withoutTiming))
    }

    /// Shards partition the cells (each exactly once), deterministically.
    func testShardsPartitionTheCells() throws {
        let grid = try runner(specs: [GridSpec(label: "none", source: .declared), GridSpec(label: "ntk:factor=2", source: .user("ntk:factor=2"))],
                              lengths: [8, 16, 32])
        for count in 1...5 {
            let shards = (0..<count).map { grid.definition.shardCells(index: $0, count: count) }
            XCTAssertEqual(shards.flatMap { $0 }.sorted(), Array(0..<grid.definition.cellCount), "n = \(count)")
            XCTAssertEqual(shards, (0..<count).map { grid.definition.shardCells(index: $0, count: count) })
        }
    }

    /// The hash changes with anything that changes the numbers, and not with a text's label.
    func testHashIdentifiesTheGrid() throws {
        let definition = try runner(specs: [GridSpec(label: "none", source: .declared)], lengths: [8]).definition
        var renamed = definition
        renamed.texts[0].label = "renamed.txt"
        XCTAssertEqual(renamed.hash, definition.hash)
        var longer = definition
        longer.contextLengths = [16]
        XCTAssertNotEqual(longer.hash, definition.hash)
        var span = definition
        span.scoredSpan = .secondHalf
        XCTAssertNotEqual(span.hash, definition.hash)
        XCTAssertEqual(try PerplexityGridDefinition.parse(try definition.json()), definition)
    }

    func testConfigurationIsStrict() throws {
        func write(_ json: String) throws -> String {
            let path = directory.appendingPathComponent("grid-\(UUID().uuidString).json").path
            try Data(json.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        let good = try PerplexityGridConfiguration.load(path: try write(
            #"{"text_files": ["a.txt"], "rope": ["none"], "context_lengths": ["2k", 4096], "scored_span": "last:8", "windows": 2}"#))
        XCTAssertEqual(good.contextLengths, [2048, 4096])
        XCTAssertEqual(good.scoredSpan, .last(8))
        XCTAssertEqual(good.textFiles, [directory.appendingPathComponent("a.txt").path])
        for (json, key) in [(#"{"context_length": [8]}"#, "context_length"), (#"{"windows": true}"#, "windows"),
                            (#"{"windows": 0}"#, "windows"), (#"{"estimator": "magic"}"#, "estimator"),
                            (#"{"context_lengths": ["x"]}"#, "context_lengths"), (#"{"rope": []}"#, "rope")] {
            XCTAssertThrowsError(try PerplexityGridConfiguration.load(path: try write(json)), json) { error in
                guard case let .invalidConfiguration(_, reported, _) = error as? ProbeError else { return XCTFail("\(error)") }
                XCTAssertEqual(reported, key, "\(error)")
            }
        }
    }

    /// A window that cannot fit is refused with the estimate before anything is allocated.
    func testMemoryEstimateRefusesHugeWindows() throws {
        let large = try LlamaConfiguration(vocabularySize: 128_256, embeddingSize: 4096, layerCount: 32, headCount: 32,
                                           keyValueHeadCount: 8, headDimension: 128, feedForwardSize: 14_336,
                                           rmsNormEpsilon: 1e-5, ropeBase: 500_000, trainedContextLength: 8192)
        // 4·L·(4096 + 4096 + 4096 + 2·1024) floats of activations dominate: ≈ 57 KB per token.
        let perToken = Double(ForwardMemory.estimate(large, contextLength: 1 << 20)) / Double(1 << 20)
        XCTAssert(isClose(perToken, 4 * (3 * 4096 + 2 * 1024) + 32, absolute: 0, relative: 0.01), "\(perToken)")
        XCTAssertNoThrow(try ForwardMemory.check(large, contextLength: 8192, availableBytes: 16 << 30))
        XCTAssertThrowsError(try ForwardMemory.check(large, contextLength: 1 << 20, availableBytes: 16 << 30)) { error in
            guard case .insufficientMemory = error as? ProbeError else { return XCTFail("\(error)") }
            XCTAssert("\(error)".contains("GiB"), "\(error)")
        }
    }
}

extension GridCellResult {
    /// The cell with its wall-time fields zeroed (the only values that differ between runs).
    var withoutTiming: GridCellResult {
        guard var summary = summary else { return self }
        summary.seconds = 0
        summary.tokensPerSecond = 0
        return GridCellResult(key: key, resolvedSpec: resolvedSpec, status: .done(summary))
    }
}
