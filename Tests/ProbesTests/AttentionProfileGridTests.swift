import Foundation
import GGUF
import Inference
import Probes
import RoPE
import RoPEScopeTestSupport
import TensorArchive
import XCTest

/// The attention-profile grid: a cell is the sum of its windows' forward-pass profiles (checked
/// against a direct `forward(…, attentionProfile:)` per window), causal cells put no mass on the
/// right, skipped cells carry their reason, and the archive holds the cell means.
final class AttentionProfileGridTests: XCTestCase {
    private let text = String(repeating: "attention goes somewhere. ", count: 6)

    private func runner(specs: [GridSpec], lengths: [Int], attentions: [AttentionDirection], windows: Int? = nil)
        throws -> AttentionProfileRunner {
        let context = try ProbeContext(file: try GGUFFile(bytes: try TinyModel.gguf()), path: "tiny.gguf")
        let tokens = context.tokens(text)
        let layout = try AttentionProfileLayout(distanceEdges: AttentionProfileLayout.logDistanceEdges(maximumLength: lengths.max() ?? 2),
                                                sinkTokens: 2, localWindow: 4, queryEdges: [0, 8])
        let definition = AttentionProfileGridDefinition(
            modelSHA256: "test", text: GridText(label: "text", sha256: SHA256.hex(Array(text.utf8)), tokenCount: tokens.count),
            specs: specs, contextLengths: lengths, attentions: attentions, layout: layout, maximumWindows: windows)
        return AttentionProfileRunner(context: context, definition: definition, tokens: tokens)
    }

    func testCellIsTheSumOfItsWindowsAndCausalHasNoRightMass() throws {
        let grid = try runner(specs: [GridSpec(label: "linear:factor=2", source: .user("linear:factor=2"))], lengths: [16],
                              attentions: [.causal, .bidirectional], windows: 3)
        let cells = try grid.run()
        XCTAssertEqual(cells.count, 2)
        let layout = try grid.definition.layout()
        let frequencies = try grid.context.frequencies(try RoPESpec.parse("linear:factor=2", defaults: grid.context.specDefaults(targetLength: 16)))
        for cell in cells {
            let attention = grid.definition.attentions[cell.key.attention]
            let profile = try XCTUnwrap(cell.profile)
            XCTAssertEqual(cell.resolvedSpec, "linear:factor=2")
            let direct = AttentionProfileRecorder(layout: layout)
            let windows = try ScoringProtocol(contextLength: 16, maximumWindows: 3).windows(of: grid.tokens, bos: nil)
            XCTAssertEqual(windows.count, 3)
            for window in windows {
                _ = try grid.context.model.forward(tokens: window, mask: AttentionMask(attention), frequencies: frequencies,
                                                   logits: .none, attentionProfile: direct)
            }
            XCTAssertEqual(profile, direct.profile, "\(attention)")
            XCTAssertEqual(profile.queries, [8 * 3, 8 * 3])  // query bins [0, 8) and [8, 16), 3 windows, 1 layer
            let bins = layout.distanceBins
            for head in 0..<profile.heads {
                let mean = profile.mean(layer: 0, head: head)
                XCTAssertEqual(mean.mass.reduce(0, +), 1, accuracy: 1e-9)
                let right = mean.mass[bins...].reduce(0, +)
                if attention == .causal { XCTAssertEqual(right, 0) } else { XCTAssertGreaterThan(right, 0.05) }
                XCTAssertGreaterThanOrEqual(mean.local, mean.mass[0])  // the query itself is local
                XCTAssert((0...log(16.0) + 1e-9).contains(mean.entropy), "entropy \(mean.entropy)")
            }
        }
    }

    /// `--rope declared` is the GGUF's own scaling alone: no candidates past T_train, and it
    /// resolves to the declared scaling at every length (a mistyped keyword is still a parse error).
    func testDeclaredKeywordDropsTheCandidates() throws {
        let context = try ProbeContext(file: try GGUFFile(bytes: try TinyModel.gguf()), path: "tiny.gguf")
        for text in ["declared", " Declared "] {
            let specs = GridSpec.axis([text], lengths: [16, 200], context: context)
            XCTAssertEqual(specs.count, 1)
            XCTAssertEqual(specs[0].label, context.declaredScaling.canonicalSpec)
            for length in [16, 200] {
                guard case let .success(scaling) = try specs[0].resolve(in: context, length: length) else {
                    return XCTFail("declared skipped at L = \(length)")
                }
                XCTAssertEqual(scaling.canonicalSpec, context.declaredScaling.canonicalSpec)
            }
            XCTAssertEqual(try context.scaling(text, targetLength: 200).canonicalSpec, context.declaredScaling.canonicalSpec)
        }
        XCTAssertThrowsError(try context.scaling("declare", targetLength: 200))
    }

    func testSkippedCellsAndArchive() throws {
        // 200 > T_train = 64 adds the candidates; the text is shorter than 200 tokens: skipped.
        let context = try ProbeContext(file: try GGUFFile(bytes: try TinyModel.gguf()), path: "tiny.gguf")
        let specs = GridSpec.axis([], lengths: [16, 200], context: context)
        XCTAssertEqual(specs.count, 1 + GridSpec.candidateMethods.count)
        let grid = try runner(specs: specs, lengths: [16, 200], attentions: [.causal], windows: 1)
        let cells = try grid.run()
        XCTAssertEqual(cells.count, specs.count * 2)
        for cell in cells {
            if cell.key.spec == 0, cell.key.length == 0 { XCTAssertNotNil(cell.profile) } else {
                let reason = try XCTUnwrap(cell.skipReason)
                XCTAssert(reason.contains("T_train") || reason.contains("fewer than one window"), reason)
            }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("attention-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try ArchiveWriter(path: path)
        try AttentionProfileArchive.write(grid.definition, cells: cells, layers: 1, heads: TinyModel.heads, modelPath: "tiny.gguf",
                                          metadata: context.provenanceMetadata, to: writer)
        try writer.commit()
        let reader = try ArchiveReader(path: path)
        let distance = try reader.readDoubles("mean_distance")
        // [spec, length, attention, layer, head]: only the first cell is done.
        let mean = try XCTUnwrap(cells[0].profile).mean(layer: 0, head: 1)
        XCTAssertEqual(distance[1], mean.distance)
        XCTAssert(distance[TinyModel.heads...].allSatisfy(\.isNaN))
        XCTAssertEqual(try reader.readInt64s("status")[0], 1)
        XCTAssertEqual(try reader.readInt64s("status")[1], 2)
    }
}
