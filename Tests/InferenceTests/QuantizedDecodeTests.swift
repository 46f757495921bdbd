import Foundation
import GGUF
import Inference
import RoPE
import XCTest

/// KV-cached decoding with `WeightStorage.quantized`, whose products of ≤ 8 rows run as integer
/// dots over 8-bit activations, against llama.cpp (which does the same), the float32 path and
/// itself (cached vs full forward, portable vs SIMD kernels).
///
/// Tolerances.
/// * Same integer path, other grouping (cached steps vs a full forward of ≤ 8 rows; portable vs
///   SIMD kernels): the same integers per block, so only float summation order differs, bounded
///   as in QuantizedModelTests by 1e-4·(1 + max|logit|).
/// * Against float32: quantising an activation row to 8 bits per block moves each product by at
///   most Σ_blocks (d_x/2)·Σ|w_i| (QuantizedDotTests). On the random test model a single token
///   (no attention mixing) moves logits by 1.3% of max|logit| (measured); the bound is 4%. Later
///   positions of this random model amplify it up to 15% through near-one-hot attention, so
///   multi-position accuracy is asserted on the real model.
/// * SmolLM2 against llama.cpp (fixture logits, computed with Q8 activations and f16 K/V): the
///   float32 path is within LlamaCppModelTests.logitTolerance (1.5) there; the integer path is
///   held to the same bound (the test prints both differences).
final class QuantizedDecodeTests: XCTestCase {
    /// Logits of a prefill of `prompt` (last row) then one row per decoded token. With `forced`
    /// those tokens are fed (teacher forcing); otherwise greedy. Returns the decoded tokens too.
    func decode(_ model: LlamaModel, prompt: [Int32], steps: Int, forced: [Int32]? = nil) throws -> (tokens: [Int32], logits: [[Float]]) {
        let frequencies = try model.frequencies(.none)
        let cache = try KeyValueCache(model: model, capacity: prompt.count + steps + 1, frequencies: frequencies)
        var logits = [try model.extend(cache, tokens: prompt).logits]
        var tokens: [Int32] = []
        for step in 0..<steps {
            let next = forced?[step] ?? logits[logits.count - 1].withUnsafeBufferPointer { TokenSampler.argmax($0) }
            tokens.append(next)
            logits.append(try model.extend(cache, tokens: [next]).logits)
        }
        return (tokens, logits)
    }

    func maxDifference(_ a: [[Float]], _ b: [[Float]]) -> (difference: Float, spread: Float) {
        var difference: Float = 0, spread: Float = 0
        for (x, y) in zip(a, b) {
            for (u, v) in zip(x, y) { difference = max(difference, abs(u - v)); spread = max(spread, abs(u)) }
        }
        return (difference, spread)
    }

    func testRandomModelIntegerDecode() throws {
        for tied in [false, true] {
            let file = try QuantizedModelTests.file(tied: tied)
            let float = try LlamaGGUFLoader.model(file, storage: .float32)
            let quantized = try LlamaGGUFLoader.model(file, storage: .quantized)
            let frequencies = try float.frequencies(.none)
            let tokens = (0..<8).map { Int32(($0 * 37 + 11) % QuantizedModelTests.vocabulary) }

            // Token-by-token cached decoding equals the full forward of 8 rows (both integer).
            let stepped = try decode(quantized, prompt: [tokens[0]], steps: 7, forced: Array(tokens[1...]))
            let full = try quantized.forward(tokens: tokens, frequencies: frequencies).logits
            let v = QuantizedModelTests.vocabulary
            let rows = (0..<8).map { Array(full[($0 * v)..<(($0 + 1) * v)]) }
            let (cached, spread) = maxDifference(rows, stepped.logits)
            XCTAssertLessThanOrEqual(cached, 1e-4 * (1 + spread), "tied \(tied): cached vs full integer forward")
            XCTAssertGreaterThan(spread, 0.1, "logits are not degenerate")

            // Portable kernels vs the active ones: same integers, other float order.
            let portable = try QuantizedKernels.withVariant(.portable) {
                try decode(quantized, prompt: [tokens[0]], steps: 7, forced: Array(tokens[1...]))
            }
            XCTAssertLessThanOrEqual(maxDifference(stepped.logits, portable.logits).difference, 1e-4 * (1 + spread),
                                     "tied \(tied): \(QuantizedKernels.active) vs portable")

            // One token through every layer against float32.
            let reference = try float.forward(tokens: [tokens[0]], frequencies: frequencies).logits
            let (difference, first) = maxDifference([reference], [stepped.logits[0]])
            print("tied \(tied): single token max |Δlogit| integer vs float32 \(difference), max |logit| \(first)")
            XCTAssertLessThanOrEqual(difference, 4e-2 * (1 + first), "tied \(tied)")
        }
    }

    /// Every position of the llama.cpp fixture prompts decoded one token at a time (every
    /// product an integer dot) against llama.cpp's logsumexp and top-10 logits.
    func testSmolLM2IntegerDecodeMatchesLlamaCpp() throws {
        let (file, float) = try LlamaCppModelTests.model()
        let quantized = try LlamaGGUFLoader.model(file, storage: .quantized)
        let fixture = try LlamaCppModelTests.fixture("logits.json")
        var worst: [Double] = [0, 0]
        for prompt in try XCTUnwrap(fixture["prompts"] as? [[String: Any]]) {
            let ids = try XCTUnwrap(prompt["ids"] as? [Int]).map(Int32.init)
            let positions = try XCTUnwrap(prompt["positions"] as? [[String: Any]])
            for (index, model) in [float, quantized].enumerated() {
                let run = try decode(model, prompt: [ids[0]], steps: ids.count - 1, forced: Array(ids[1...]))
                for (row, position) in positions.enumerated() {
                    let logits = run.logits[row].map(Double.init)
                    let peak = logits.max() ?? 0
                    let lse = peak + Foundation.log(logits.reduce(0) { $0 + Foundation.exp($1 - peak) })
                    worst[index] = max(worst[index], abs(lse - (try XCTUnwrap(position["logsumexp"] as? Double))))
                    let top = try XCTUnwrap(position["top"] as? [[Double]])
                    for entry in top { worst[index] = max(worst[index], abs(logits[Int(entry[0])] - entry[1])) }
                    if index == 1, top.count > 1, top[0][1] - top[1][1] > 2 * LlamaCppModelTests.logitTolerance {
                        XCTAssertEqual(Int(run.logits[row].withUnsafeBufferPointer { TokenSampler.argmax($0) }), Int(top[0][0]),
                                       "argmax at position \(row)")
                    }
                }
            }
        }
        print("SmolLM2 decode: max |Swift − llama.cpp| float32 \(worst[0]), integer dots \(worst[1])")
        XCTAssertEqual(worst[1], 0, accuracy: LlamaCppModelTests.logitTolerance)
    }

    /// Greedy decoding on SmolLM2: the integer path picks the float32 path's tokens wherever the
    /// float32 top two are more than the llama.cpp tolerance apart (teacher-forced on the float32
    /// tokens), and forcing the portable kernels gives the same greedy tokens as the automatic choice.
    func testSmolLM2GreedyTokens() throws {
        let (file, float) = try LlamaCppModelTests.model()
        let quantized = try LlamaGGUFLoader.model(file, storage: .quantized)
        let prompt: [Int32] = [504, 3575, 282, 4649, 314]   // "The capital of France is"
        let reference = try decode(float, prompt: prompt, steps: 12)
        let integer = try decode(quantized, prompt: prompt, steps: 12, forced: reference.tokens)
        var compared = 0
        for (step, (x, y)) in zip(reference.logits, integer.logits).enumerated() {
            let sorted = x.sorted(by: >)
            guard sorted[0] - sorted[1] > Float(LlamaCppModelTests.logitTolerance) else { continue }
            compared += 1
            XCTAssertEqual(x.withUnsafeBufferPointer { TokenSampler.argmax($0) },
                           y.withUnsafeBufferPointer { TokenSampler.argmax($0) }, "step \(step)")
        }
        XCTAssertGreaterThanOrEqual(compared, 3, "enough clear greedy choices (4 of 13 measured)")
        let automatic = try decode(quantized, prompt: prompt, steps: 12)
        let portable = try QuantizedKernels.withVariant(.portable) { try decode(quantized, prompt: prompt, steps: 12) }
        print("SmolLM2 greedy: float32 \(reference.tokens), integer \(automatic.tokens), portable \(portable.tokens)")
        XCTAssertEqual(portable.tokens, automatic.tokens, "portable vs \(QuantizedKernels.active)")
    }
}
