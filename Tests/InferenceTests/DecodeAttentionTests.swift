@testable import Inference
import GGUF
import XCTest

/// One decode step's attention (`DecodeAttention`, split along the keys with a softmax merge)
/// against a dense softmax in Double.
///
/// Tolerance: every output is a convex combination of values in [−1, 1]; float32 scores of
/// d ≤ 128 products of magnitude ≤ 1 carry ≤ 1e-5 absolute error, the float exp (Cephes, 3 ulps)
/// and the merge's rescaling add relative 1e-6 per term, so |z − z_exact| ≤ 2e-5 holds with a ≥ 5×
/// margin. A dropped chunk, a chunk merged without its e^(m_c − m) factor, the wrong head or a
/// missing 1/√d changes outputs by > 1e-2 (asserted: a deliberately unscaled run fails the bound).
final class DecodeAttentionTests: XCTestCase {
    let tolerance = 2e-5

    struct Case {
        let keyCount: Int, heads: Int, keyValueHeads: Int, headDimension: Int
    }

    static let cases = [
        Case(keyCount: 1, heads: 9, keyValueHeads: 3, headDimension: 64),
        Case(keyCount: 7, heads: 4, keyValueHeads: 4, headDimension: 8),
        Case(keyCount: 511, heads: 9, keyValueHeads: 3, headDimension: 64),   // one chunk
        Case(keyCount: 3001, heads: 9, keyValueHeads: 3, headDimension: 64),  // several chunks, a 4-key tail
        Case(keyCount: 1030, heads: 8, keyValueHeads: 2, headDimension: 128),
        Case(keyCount: 600, heads: 4, keyValueHeads: 2, headDimension: 32),   // rows in a pass of two
        Case(keyCount: 299, heads: 5, keyValueHeads: 1, headDimension: 40),   // passes of 3 + 2; 32 + 8 features
        Case(keyCount: 777, heads: 6, keyValueHeads: 3, headDimension: 12),   // d not a multiple of 8: portable
    ]

    func random(_ count: Int, _ generator: inout SystemRandomNumberGenerator) -> [Float] {
        (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
    }

    /// z[h] = Σ_j softmax_j(q_h·k_j/√d) v_j in Double, with h's key/value head h / group.
    func reference(_ query: [Float], _ keys: [Float], _ values: [Float], _ c: Case, scale: Double) -> [Double] {
        let d = c.headDimension, group = c.heads / c.keyValueHeads, stride = c.keyValueHeads * d
        var output = [Double](repeating: 0, count: c.heads * d)
        for head in 0..<c.heads {
            let kv = head / group
            let scores = (0..<c.keyCount).map { j in
                (0..<d).reduce(0.0) { $0 + Double(query[head * d + $1]) * Double(keys[j * stride + kv * d + $1]) } * scale
            }
            let maximum = scores.max() ?? 0
            let weights = scores.map { Foundation.exp($0 - maximum) }
            let total = weights.reduce(0, +)
            for j in 0..<c.keyCount {
                for i in 0..<d { output[head * d + i] += weights[j] / total * Double(values[j * stride + kv * d + i]) }
            }
        }
        return output
    }

    func run(_ query: [Float], _ keys: [Float], _ values: [Float], _ c: Case, portable: Bool, half: Bool) -> [Float] {
        let shape = AttentionShape(length: 1, heads: c.heads, keyValueHeads: c.keyValueHeads, headDimension: c.headDimension)
        var output = [Float](repeating: .nan, count: c.heads * c.headDimension)
        let halfKeys = keys.map { HalfPrecision.float16Bits(from: $0) }, halfValues = values.map { HalfPrecision.float16Bits(from: $0) }
        query.withUnsafeBufferPointer { q in
            keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in
                    halfKeys.withUnsafeBufferPointer { hk in
                        halfValues.withUnsafeBufferPointer { hv in
                            let layer: CachedLayer = half ? .float16(keys: hk.baseAddress!, values: hv.baseAddress!)
                                : .float32(keys: k.baseAddress!, values: v.baseAddress!)
                            output.withUnsafeMutableBufferPointer { z in
                                DecodeAttention.run(query: q.baseAddress!, layer: layer, output: z.baseAddress!,
                                                    keyCount: c.keyCount, shape: shape, portable: portable)
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Values as a binary16 cache holds them.
    func rounded(_ x: [Float]) -> [Float] { x.map { HalfPrecision.float(fromFloat16Bits: HalfPrecision.float16Bits(from: $0)) } }

    func testEqualsDenseSoftmaxForEveryPath() {
        var generator = SystemRandomNumberGenerator()
        let paths = VectorMath.usesVectorKernels ? [true, false] : [true]
        for c in Self.cases {
            let width = c.keyValueHeads * c.headDimension
            let query = random(c.heads * c.headDimension, &generator)
            // Keys scaled so that softmax is far from uniform (scores up to ~±4).
            let keys = random(c.keyCount * width, &generator).map { $0 * 4 / Float(c.headDimension).squareRoot() * 3 }
            let values = random(c.keyCount * width, &generator)
            let scale = 1 / Double(c.headDimension).squareRoot()
            let exact = reference(query, keys, values, c, scale: scale)
            // A binary16 cache: the exact attention over the rounded keys and values.
            let exactHalf = reference(query, rounded(keys), rounded(values), c, scale: scale)
            for portable in paths {
                for (half, expected) in [(false, exact), (true, exactHalf)] {
                    let output = run(query, keys, values, c, portable: portable, half: half)
                    let worst = zip(output, expected).map { abs(Double($0) - $1) }.max() ?? .nan
                    XCTAssertLessThanOrEqual(worst, tolerance,
                                             "L \(c.keyCount) d \(c.headDimension) portable \(portable) binary16 \(half)")
                }
            }
            // The bound is tight enough to see a missing 1/√d.
            let unscaled = reference(query, keys, values, c, scale: 1)
            if c.keyCount > 1 {
                let gap = zip(unscaled, exact).map { abs($0 - $1) }.max() ?? 0
                XCTAssertGreaterThan(gap, 1e-2, "L \(c.keyCount): the check could not see a missing scale")
            }
        }
    }
}

/// The binary16 conversions of the cache: F16C equals `HalfPrecision` bit for bit (round to
/// nearest even), including ties, subnormals, overflow to ±∞, ±0 and every tail length.
final class HalfConversionTests: XCTestCase {
    func testF16CRoundingEqualsHalfPrecision() throws {
        try XCTSkipUnless(VectorMath.usesVectorKernels, "this CPU has no AVX2+FMA+F16C: only the portable loops run")
        var generator = SystemRandomNumberGenerator()
        var inputs: [Float] = [0, -0, 1, -1, 65504, 65519.99, 65520, -65520, 1e-8, 5.96e-8, 2.98e-8, 6.1e-5, 1 + 1.0 / 2048,
                               1 + 3.0 / 2048, .infinity, -.infinity, .greatestFiniteMagnitude]
        inputs += (0..<4000).map { _ in Float(bitPattern: UInt32.random(in: 0x3000_0000...0x4800_0000, using: &generator)) }
        inputs += (0..<1000).map { _ in -Float(bitPattern: UInt32.random(in: 0...0x4780_0000, using: &generator)) }
        for count in [inputs.count, 1, 7, 9, 15] {
            var vector = [UInt16](repeating: 0xFFFF, count: count), portable = vector
            inputs.withUnsafeBufferPointer { source in
                vector.withUnsafeMutableBufferPointer { Half.round(source.baseAddress!, count: count, into: $0.baseAddress!, portable: false) }
                portable.withUnsafeMutableBufferPointer { Half.round(source.baseAddress!, count: count, into: $0.baseAddress!, portable: true) }
            }
            XCTAssertEqual(vector, portable, "count \(count)")
            var wide = [Float](repeating: .nan, count: count), widePortable = wide
            vector.withUnsafeBufferPointer { source in
                wide.withUnsafeMutableBufferPointer { Half.widen(source.baseAddress!, count: count, into: $0.baseAddress!, portable: false) }
                widePortable.withUnsafeMutableBufferPointer {
                    Half.widen(source.baseAddress!, count: count, into: $0.baseAddress!, portable: true)
                }
            }
            XCTAssertEqual(wide.map(\.bitPattern), widePortable.map(\.bitPattern), "count \(count)")
        }
    }
}
