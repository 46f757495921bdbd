import Foundation
@testable import Inference
import RoPE
import RoPEScopeTestSupport
import XCTest

/// The attention profile streamed inside the tiles equals a naive dense softmax in Double.
///
/// Tolerance (symmetric, |a − e| ≤ abs + rel·max(|a|, |e|)): the streamed path sees float32
/// scores (sgemm over d_head ≤ 8 products: ~1e-6 absolute for |s| ≲ 10, so p is off by ~1e-6
/// relative), float32 e^x (≤ 3 ulp) and float32 partial sums of ≤ 32 terms per lane (≤ 2e-6
/// relative); every statistic is a probability-weighted sum, so masses and sink/local mass are
/// within ~4e-6 absolute, entropy (|ln p| ≲ 20 where p matters) within ~4e-5 nats and the mean
/// distance within ~4e-6 relative. Bounds used: 2e-5 absolute for masses, 1e-4 nats for entropy,
/// 2e-5 relative + 2e-5 tokens for distance — 5× margins. A key put in the wrong bin, side,
/// sink or local span, or a missed rescale, moves a statistic by ≥ 1e-2.
final class AttentionProfileTests: XCTestCase {
    struct Reference {
        var mass: [Double], distance: [Double], entropy: [Double], sink: [Double], local: [Double], rows: [Int]
    }

    /// Dense per-row softmax in Double; sums per [head, queryBin] like `AttentionProfile` (layer 0).
    static func reference(query: [Float], key: [Float], shape: AttentionShape, mask: AttentionMask,
                          layout: AttentionProfileLayout) -> Reference {
        let (length, heads, d) = (shape.length, shape.heads, shape.headDimension)
        let bins = layout.distanceEdges.count, qBins = layout.queryEdges.count
        func bin(_ value: Int, _ edges: [Int]) -> Int { edges.lastIndex { $0 <= value } ?? 0 }  // linear, independent
        var r = Reference(mass: .init(repeating: 0, count: heads * qBins * 2 * bins), distance: .init(repeating: 0, count: heads * qBins),
                          entropy: .init(repeating: 0, count: heads * qBins), sink: .init(repeating: 0, count: heads * qBins),
                          local: .init(repeating: 0, count: heads * qBins), rows: .init(repeating: 0, count: qBins))
        for i in 0..<length { r.rows[bin(i, layout.queryEdges)] += 1 }
        for h in 0..<heads {
            let kvh = h / shape.group
            for i in 0..<length {
                var scores = [Double](repeating: -.infinity, count: length)
                for j in 0..<length where mask.allows(query: i, key: j) {
                    var dot = 0.0
                    for c in 0..<d { dot += Double(query[(i * heads + h) * d + c]) * Double(key[(j * shape.keyValueHeads + kvh) * d + c]) }
                    scores[j] = dot / Double(d).squareRoot()
                }
                let maximum = scores.max() ?? 0
                let total = scores.reduce(0) { $0 + exp($1 - maximum) }
                let cell = h * qBins + bin(i, layout.queryEdges)
                for j in 0..<length where scores[j] > -.infinity {
                    let p = exp(scores[j] - maximum) / total
                    let distance = abs(i - j), side = j <= i ? 0 : 1
                    r.mass[(cell * 2 + side) * bins + bin(distance, layout.distanceEdges)] += p
                    r.distance[cell] += p * Double(distance)
                    if p > 0 { r.entropy[cell] -= p * log(p) }
                    if j < layout.sinkTokens { r.sink[cell] += p }
                    if distance < layout.localWindow { r.local[cell] += p }
                }
            }
        }
        return r
    }

    static func assertProfile(_ profile: AttentionProfile, layer: Int, equals r: Reference, _ label: String,
                              file: StaticString = #filePath, line: UInt = #line) {
        let heads = profile.heads, qBins = profile.layout.queryBins, width = 2 * profile.layout.distanceBins
        XCTAssertEqual(Array(profile.queries[(layer * qBins)..<((layer + 1) * qBins)]), r.rows, "\(label): rows", file: file, line: line)
        func check(_ a: Double, _ e: Double, _ absolute: Double, _ relative: Double, _ name: String) {
            if !isClose(a, e, absolute: absolute, relative: relative) {
                XCTFail("\(label): \(name) streamed \(a), naive \(e), difference \(a - e)", file: file, line: line)
            }
        }
        for cell in 0..<(heads * qBins) {
            let offset = layer * heads * qBins
            for b in 0..<width {
                check(profile.mass[(offset + cell) * width + b], r.mass[cell * width + b], 2e-5, 0, "mass[\(cell), \(b)]")
            }
            check(profile.distance[offset + cell], r.distance[cell], 2e-5, 2e-5, "distance[\(cell)]")
            check(profile.entropy[offset + cell], r.entropy[cell], 1e-4, 0, "entropy[\(cell)]")
            check(profile.sink[offset + cell], r.sink[cell], 2e-5, 0, "sink[\(cell)]")
            check(profile.local[offset + cell], r.local[cell], 2e-5, 0, "local[\(cell)]")
        }
    }

    func inputs(length: Int, heads: Int, keyValueHeads: Int, d: Int, seed: UInt64, scale: Float = 2)
        -> (AttentionShape, [Float], [Float], [Float]) {
        var rng = SeededGenerator(seed: seed)
        let shape = AttentionShape(length: length, heads: heads, keyValueHeads: keyValueHeads, headDimension: d)
        return (shape, rng.floats(length * heads * d, scale: scale), rng.floats(length * keyValueHeads * d, scale: scale),
                rng.floats(length * keyValueHeads * d, scale: 1))
    }

    func testStreamedProfileEqualsNaiveForEveryMaskTilingAndLayout() throws {
        let length = 37
        let ids: [Int32] = (0..<length).map { $0 < 9 ? 0 : $0 < 25 ? 1 : 2 }
        let masks: [AttentionMask] = [.causal, .bidirectional, .document(ids: ids, withinDocument: .causal),
                                      .document(ids: ids, withinDocument: .bidirectional)]
        let layouts = try [
            AttentionProfileLayout(distanceEdges: AttentionProfileLayout.logDistanceEdges(maximumLength: length),
                                   sinkTokens: 3, localWindow: 5),
            AttentionProfileLayout(distanceEdges: [0, 3, 10], sinkTokens: 0, localWindow: 1, queryEdges: [0, 10, 20]),
            AttentionProfileLayout(distanceEdges: [0], sinkTokens: 100, localWindow: 100, queryEdges: [0, 1]),
        ]
        let tilings = try [(5, 7), (1, 1), (37, 3), (8, 64), (6, 36)].map { try AttentionTiling(queryBlock: $0.0, keyBlock: $0.1) }
        for (heads, keyValueHeads, d) in [(4, 2, 8), (3, 3, 5)] {
            let (shape, q, k, v) = inputs(length: length, heads: heads, keyValueHeads: keyValueHeads, d: d, seed: UInt64(heads * 10 + d))
            for mask in masks {
                for layout in layouts {
                    let expected = Self.reference(query: q, key: k, shape: shape, mask: mask, layout: layout)
                    for tiling in tilings {
                        let label = "heads \(heads)/\(keyValueHeads) \(mask) edges \(layout.distanceEdges) tiles \(tiling.queryBlock)×\(tiling.keyBlock)"
                        let (output, profile) = try Attention.profiled(query: q, key: k, value: v, shape: shape, mask: mask,
                                                                       layout: layout, tiling: tiling)
                        Self.assertProfile(profile, layer: 0, equals: expected, label)
                        // The profiled kernel does the plain kernel's float operations: Z is bit-equal.
                        let plain = try Attention.scaledDotProduct(query: q, key: k, value: v, shape: shape, mask: mask, tiling: tiling)
                        XCTAssertEqual(output, plain, "\(label): Z differs from the plain kernel")
                    }
                }
            }
        }
    }

    func testLargeScoresRescaleTheSums() throws {
        // Scores of order ±100 make the running maximum rise tile after tile; without the
        // T ← c·(T + (m − m')·U) rescale the entropy is off by nats. Score errors grow with |s|
        // (float32 sgemm: ~1e-5 at |s| ≈ 100), and p is then nearly one-hot, so the same bounds hold.
        let (shape, q, k, v) = inputs(length: 29, heads: 2, keyValueHeads: 1, d: 4, seed: 5, scale: 7)
        let layout = try AttentionProfileLayout(distanceEdges: [0, 1, 2, 4, 8, 16], sinkTokens: 2, localWindow: 3)
        let tiling = try AttentionTiling(queryBlock: 3, keyBlock: 4)
        for mask in [AttentionMask.causal, .bidirectional] {
            let (_, profile) = try Attention.profiled(query: q, key: k, value: v, shape: shape, mask: mask, layout: layout, tiling: tiling)
            Self.assertProfile(profile, layer: 0, equals: Self.reference(query: q, key: k, shape: shape, mask: mask, layout: layout),
                               "large scores \(mask)")
        }
    }

    func testForwardPassProfileEqualsNaiveFromTheRotatedHooks() throws {
        // A 2-layer GQA random model: every layer's streamed profile equals the naive profile of
        // that layer's rotated queries and keys (captured as hooks), and the logits are unchanged.
        let model = try RandomModel.model(tiling: try AttentionTiling(queryBlock: 4, keyBlock: 8))
        let tokens = RandomModel.tokens(30)
        let frequencies = try model.frequencies(.none)
        let c = model.configuration
        let shape = AttentionShape(length: 30, heads: c.headCount, keyValueHeads: c.keyValueHeadCount, headDimension: c.headDimension)
        let layout = try AttentionProfileLayout(distanceEdges: [0, 1, 2, 4, 8, 16], sinkTokens: 1, localWindow: 4, queryEdges: [0, 15])
        let ids: [Int32] = (0..<30).map { $0 < 12 ? 0 : 1 }
        for mask in [AttentionMask.causal, .bidirectional, .document(ids: ids, withinDocument: .bidirectional)] {
            let recorder = AttentionProfileRecorder(layout: layout), hooks = HookRecorder()
            let profiled = try model.forward(tokens: tokens, mask: mask, frequencies: frequencies,
                                             hooks: HookSelection(["blocks.*.attn.hook_rot_q", "blocks.*.attn.hook_rot_k"]),
                                             sink: hooks, attentionProfile: recorder)
            let plain = try model.forward(tokens: tokens, mask: mask, frequencies: frequencies)
            XCTAssertEqual(profiled.logits, plain.logits, "\(mask): logits change with the profile on")
            let profile = try XCTUnwrap(recorder.profile)
            XCTAssertEqual(profile.layers, c.layerCount)
            for layer in 0..<c.layerCount {
                let q = try XCTUnwrap(hooks["blocks.\(layer).attn.hook_rot_q"]).values
                let k = try XCTUnwrap(hooks["blocks.\(layer).attn.hook_rot_k"]).values
                Self.assertProfile(profile, layer: layer, equals: Self.reference(query: q, key: k, shape: shape, mask: mask, layout: layout),
                                   "layer \(layer) \(mask)")
                // Masses of one row sum to 1: over every head and query bin the total is the row count.
                let (mean, _, _, _, _) = profile.mean(layer: layer, head: 0)
                XCTAssertEqual(mean.reduce(0, +), 1, accuracy: 1e-6)
            }
            // A second window accumulates.
            _ = try model.forward(tokens: tokens, mask: mask, frequencies: frequencies, attentionProfile: recorder)
            XCTAssertEqual(recorder.profile?.queries, profile.queries.map { $0 * 2 })
        }
    }

    func testLayoutValidation() throws {
        XCTAssertEqual(AttentionProfileLayout.logDistanceEdges(maximumLength: 9), [0, 1, 2, 4, 8])
        XCTAssertEqual(AttentionProfileLayout.logDistanceEdges(maximumLength: 8), [0, 1, 2, 4])
        XCTAssertThrowsError(try AttentionProfileLayout(distanceEdges: [1, 2], sinkTokens: 0, localWindow: 1))
        XCTAssertThrowsError(try AttentionProfileLayout(distanceEdges: [0, 2, 2], sinkTokens: 0, localWindow: 1))
        XCTAssertThrowsError(try AttentionProfileLayout(distanceEdges: [0], sinkTokens: -1, localWindow: 1))
        XCTAssertThrowsError(try AttentionProfileLayout(distanceEdges: [0], sinkTokens: 0, localWindow: 0))
        XCTAssertThrowsError(try AttentionProfileLayout(distanceEdges: [0], sinkTokens: 0, localWindow: 1, queryEdges: [3])) {
            XCTAssertTrue("\($0)".contains("query bin edges"), "\($0)")
        }
    }
}

/// Tier 3: on SmolLM2-135M (GQA group 3, d_head 64, real score scales) the streamed profile of
/// layers 0 and 29 equals the naive Double profile of the captured rotated queries and keys,
/// causal and bidirectional, with the default 128 × 256 tiles (L = 300: 3 query blocks, 2 key
/// tiles). Skipped without the model.
final class AttentionProfileRealModelTests: XCTestCase {
    func testRealModelProfileEqualsNaive() throws {
        let (_, model) = try LlamaCppModelTests.model()
        let c = model.configuration
        let tokens = (0..<300).map { Int32(($0 * 7919 + 13) % 20000) }
        let shape = AttentionShape(length: tokens.count, heads: c.headCount, keyValueHeads: c.keyValueHeadCount,
                                   headDimension: c.headDimension)
        let layout = try AttentionProfileLayout(distanceEdges: AttentionProfileLayout.logDistanceEdges(maximumLength: 300),
                                                sinkTokens: 4, localWindow: 32)
        for mask in [AttentionMask.causal, .bidirectional] {
            let recorder = AttentionProfileRecorder(layout: layout), hooks = HookRecorder()
            _ = try model.forward(tokens: tokens, mask: mask, frequencies: try model.frequencies(.none), logits: .none,
                                  hooks: HookSelection(["blocks.*.attn.hook_rot_q", "blocks.*.attn.hook_rot_k"], layers: [0, 29]),
                                  sink: hooks, attentionProfile: recorder)
            let profile = try XCTUnwrap(recorder.profile)
            for layer in [0, 29] {
                let q = try XCTUnwrap(hooks["blocks.\(layer).attn.hook_rot_q"]).values
                let k = try XCTUnwrap(hooks["blocks.\(layer).attn.hook_rot_k"]).values
                AttentionProfileTests.assertProfile(
                    profile, layer: layer, equals: AttentionProfileTests.reference(query: q, key: k, shape: shape, mask: mask, layout: layout),
                    "SmolLM2 layer \(layer) \(mask)")
            }
        }
    }
}
