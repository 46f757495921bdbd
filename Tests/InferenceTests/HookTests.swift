import Inference
import RoPE
import XCTest

/// Hook names, shapes, restrictions and the algebra linking consecutive hooks.
/// Tolerance 5e-5: float32 recomputation of sums of ≤ 40 terms of magnitude ≤ 10.
final class HookTests: XCTestCase {
    let length = 14

    func run(_ selection: HookSelection, mask: AttentionMask = .causal, spec: String = "yarn:factor=4,original-context=16")
        throws -> (ForwardResult, HookRecorder) {
        let model = try RandomModel.model(tiling: AttentionTiling(queryBlock: 4, keyBlock: 5))
        let recorder = HookRecorder()
        let result = try model.forward(tokens: RandomModel.tokens(length), mask: mask,
                                       frequencies: model.frequencies(RoPESpec.parse(spec)), hooks: selection, sink: recorder)
        return (result, recorder)
    }

    func tensor(_ recorder: HookRecorder, _ name: String) throws -> HookTensor {
        try XCTUnwrap(recorder[name], "\(name) not captured; got \(recorder.order)")
    }

    func testEveryHookNameAndShape() throws {
        let (result, recorder) = try run(HookSelection(["*"]))
        XCTAssertEqual(recorder.order.count, 2 + 2 * 18 + 1, "2 global hooks before, 18 per block, 1 after... \(recorder.order)")
        XCTAssertEqual(recorder.order.first, "hook_embed")
        XCTAssertEqual(recorder.order.last, "hook_logits")
        let expectedShapes: [String: [Int]] = [
            "hook_embed": [length, 32], "blocks.1.attn.hook_q": [length, 4, 8], "blocks.1.attn.hook_k": [length, 2, 8],
            "blocks.0.attn.hook_rot_k": [length, 2, 8], "blocks.0.attn.hook_pattern": [4, length, length],
            "blocks.0.attn.hook_attn_scores": [4, length, length], "blocks.0.attn.hook_z": [length, 4, 8],
            "blocks.0.mlp.hook_pre": [length, 40], "blocks.0.mlp.hook_post": [length, 40],
            "blocks.1.hook_resid_post": [length, 32], "ln_final.hook_normalized": [length, 32], "hook_logits": [length, 53],
        ]
        for (name, shape) in expectedShapes {
            let hook = try tensor(recorder, name)
            XCTAssertEqual(hook.shape, shape, name)
            XCTAssertEqual(hook.values.count, shape.reduce(1, *), name)
            XCTAssertEqual(hook.dimensionNames, hook.point.dimensionNames, name)
        }
        XCTAssertEqual(try tensor(recorder, "hook_logits").values, result.logits)
    }

    func testConsecutiveHooksAreConsistent() throws {
        let (_, recorder) = try run(HookSelection(["*"]))
        func values(_ name: String) throws -> [Float] { try tensor(recorder, name).values }
        for layer in 0..<2 {
            let b = "blocks.\(layer)."
            let mid = zip(try values(b + "hook_resid_pre"), try values(b + "hook_attn_out")).map(+)
            XCTAssertLessThanOrEqual(maxDifference(mid, try values(b + "hook_resid_mid")), 5e-5, "resid_mid \(layer)")
            let post = zip(try values(b + "hook_resid_mid"), try values(b + "hook_mlp_out")).map(+)
            XCTAssertLessThanOrEqual(maxDifference(post, try values(b + "hook_resid_post")), 5e-5, "resid_post \(layer)")
            let swiglu = zip(try values(b + "mlp.hook_pre"), try values(b + "mlp.hook_pre_linear")).map { g, u in
                Float(Double(g) / (1 + exp(-Double(g))) * Double(u))
            }
            XCTAssertLessThanOrEqual(maxDifference(swiglu, try values(b + "mlp.hook_post")), 5e-5, "mlp.hook_post \(layer)")
            // Position 0 has angle 0: RoPE only multiplies by the YaRN attention factor.
            let factor = Float(0.1 * log(4.0) + 1)
            let q = try values(b + "attn.hook_q"), rotated = try values(b + "attn.hook_rot_q")
            XCTAssertLessThanOrEqual(maxDifference(Array(q[0..<32]).map { $0 * factor }, Array(rotated[0..<32])), 1e-5, "rot_q at 0")
        }
        XCTAssertEqual(try values("blocks.0.hook_resid_post"), try values("blocks.1.hook_resid_pre"))
        XCTAssertEqual(try values("hook_embed"), try values("blocks.0.hook_resid_pre"))
    }

    func testScoresArePatternLogitsWithMaskedMinusInfinity() throws {
        let ids: [Int32] = [0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]
        let (_, recorder) = try run(HookSelection(["blocks.1.attn.hook_attn_scores", "blocks.1.attn.hook_pattern"]),
                                    mask: .document(ids: ids, withinDocument: .causal))
        XCTAssertEqual(recorder.order, ["blocks.1.attn.hook_attn_scores", "blocks.1.attn.hook_pattern"])
        let scores = try tensor(recorder, "blocks.1.attn.hook_attn_scores").values
        let pattern = try tensor(recorder, "blocks.1.attn.hook_pattern").values
        for h in 0..<4 {
            for i in 0..<length {
                let row = (h * length + i) * length
                let line = (0..<length).map { Double(scores[row + $0]) }
                let maximum = line.max() ?? 0
                let total = line.reduce(0) { $0 + exp($1 - maximum) }
                for j in 0..<length {
                    let allowed = ids[i] == ids[j] && j <= i
                    XCTAssertEqual(line[j] == -.infinity, !allowed, "score mask h\(h) i\(i) j\(j)")
                    XCTAssertEqual(Double(pattern[row + j]), exp(line[j] - maximum) / total, accuracy: 1e-6, "pattern h\(h) i\(i) j\(j)")
                }
            }
        }
    }

    func testRestrictedPatternIsASliceOfTheFullPattern() throws {
        let (_, full) = try run(HookSelection(["blocks.*.attn.hook_pattern"]), mask: .bidirectional)
        let heads = [3, 1], queries = 5..<9, keys = 2..<12
        let (_, restricted) = try run(
            HookSelection(["blocks.*.attn.hook_pattern"], layers: [1], heads: heads, queryPositions: queries, keyPositions: keys),
            mask: .bidirectional)
        XCTAssertEqual(restricted.order, ["blocks.1.attn.hook_pattern"])
        let small = try tensor(restricted, "blocks.1.attn.hook_pattern")
        XCTAssertEqual(small.shape, [2, 4, 10])
        // Restricted axes get their own names, so they never clash with the full axes of other hooks.
        XCTAssertEqual(small.dimensionNames, ["head_sel", "query_sel", "key_sel"])
        XCTAssertEqual(small.coordinates["head_sel"], heads)
        XCTAssertEqual(small.coordinates["query_sel"], Array(queries))
        XCTAssertEqual(small.coordinates["key_sel"], Array(keys))
        XCTAssertEqual(try tensor(full, "blocks.1.attn.hook_pattern").dimensionNames, ["head", "query_position", "key_position"])
        let big = try tensor(full, "blocks.1.attn.hook_pattern").values
        var expected: [Float] = []
        for h in heads { for i in queries { for j in keys { expected.append(big[(h * length + i) * length + j]) } } }
        // OpenBLAS rounds a row differently depending on how many rows one sgemm call has.
        XCTAssertLessThanOrEqual(maxDifference(small.values, expected), 1e-6, "restricted pattern slice")
    }

    func testGlobMatching() {
        XCTAssertTrue(HookSelection.glob("blocks.*.attn.hook_pattern", matches: "blocks.12.attn.hook_pattern"))
        XCTAssertFalse(HookSelection.glob("blocks.*.attn.hook_pattern", matches: "blocks.1.attn.hook_attn_scores"))
        XCTAssertTrue(HookSelection.glob("*", matches: "hook_logits"))
        XCTAssertTrue(HookSelection.glob("blocks.1.*", matches: "blocks.1.mlp.hook_post"))
        XCTAssertFalse(HookSelection.glob("blocks.1.*", matches: "blocks.10.mlp.hook_post"))
        XCTAssertFalse(HookSelection.glob("*hook_q", matches: "blocks.0.attn.hook_rot_q"))
        XCTAssertTrue(HookSelection.glob("hook_logits", matches: "hook_logits"))
        XCTAssertFalse(HookSelection.glob("hook_logit", matches: "hook_logits"))
    }
}
