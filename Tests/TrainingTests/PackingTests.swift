import Foundation
import Inference
import Probes
import XCTest
@testable import Training

/// Packing strategies, renumbered document ids, restarted positions, and runs with each.
final class PackingTests: XCTestCase {
    func testStreamsAndWindows() {
        let documents: [[UInt8]] = [Array("ab".utf8), Array("cde".utf8), [], Array("f".utf8)]
        let direct = PackedStream(documents: documents, strategy: .direct)
        XCTAssertEqual(direct.tokens, "abcdef".utf8.map { Int32($0) })
        XCTAssertEqual(direct.documents, [0, 0, 1, 1, 1, 3])
        let eod = PackedStream(documents: documents, strategy: .eod)
        let e = ByteVocabulary.endOfDocument
        XCTAssertEqual(eod.tokens, [97, 98, e, 99, 100, 101, e, 102, e])
        XCTAssertEqual(eod.documents, [0, 0, 0, 1, 1, 1, 1, 3, 3])
        XCTAssertEqual(PackedStream.restartedPositions([0, 0, 0, 1, 1, 1, 1, 3, 3]), [0, 1, 2, 0, 1, 2, 3, 0, 1])
        var generator = SplitMix64(seed: 3), reference = SplitMix64(seed: 3)
        for window in eod.windows(length: 5, count: 20, generator: &generator) {
            let start = Int(reference.next() % UInt64(eod.tokens.count - 5 + 1))
            XCTAssertEqual(window.tokens, Array(eod.tokens[start..<start + 5]))
            XCTAssertEqual(window.documents.first, 0, "ids renumbered from 0")
            for i in 1..<5 {
                XCTAssertEqual(window.documents[i] != window.documents[i - 1], eod.documents[start + i] != eod.documents[start + i - 1])
            }
        }
    }

    func testRunsWithEveryPackingAndPositionMode() throws {
        let run = try TrainingRunConfiguration.parse(Data(#"{"embedding_size": 16, "layer_count": 1, "head_count": 2, "feed_forward_size": 32, "batch_size": 2}"#.utf8))
        let corpus = TrainingCorpus(documents: (0..<12).map { Array("document \($0) text".utf8) })
        for packing in PackingStrategy.allCases {
            for positions in Training.PositionMode.allCases {
                let summary = try TrainingRun.run(configuration: run, objective: .maskedDiffusion, corpus: corpus, contextLength: 24,
                                                  steps: 2, packing: packing, positions: positions)
                XCTAssertTrue(summary.losses.allSatisfy(\.isFinite), "\(packing)/\(positions)")
            }
        }
    }
}
