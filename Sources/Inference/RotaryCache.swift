import Foundation
import RoPE

/// cos and sin of every (position, pair) angle of one window, computed once per forward pass.
///
/// ```
/// φ[t, i] = position[t]·θ_i   (Double)
/// cos[t, i] = m·cos φ, sin[t, i] = m·sin φ   (stored as Float; m = attention factor)
/// ```
/// Shapes: `cosine`, `sine` are [L, d/2] row-major.
struct RotaryCache {
    let pairCount: Int
    let cosine: [Float]
    let sine: [Float]

    init(positions: [Int], frequencies: RoPEFrequencies) {
        let theta = frequencies.inverseFrequency
        let factor = frequencies.attentionFactor
        pairCount = theta.count
        var cosine = [Float](repeating: 0, count: positions.count * theta.count)
        var sine = cosine
        for (t, position) in positions.enumerated() {
            for (i, inverseFrequency) in theta.enumerated() {
                let angle = Double(position) * inverseFrequency
                cosine[t * theta.count + i] = Float(factor * Foundation.cos(angle))
                sine[t * theta.count + i] = Float(factor * Foundation.sin(angle))
            }
        }
        self.cosine = cosine
        self.sine = sine
    }

    /// Rotates the leading `2·pairCount` coordinates of every head vector in place:
    /// `(a, b) ← (a·cos − b·sin, a·sin + b·cos)`; coordinates beyond the rotary dimension are kept.
    /// `x`: [L, heads, headDimension] row-major.
    func rotate(_ x: UnsafeMutablePointer<Float>, length: Int, heads: Int, headDimension: Int, pairing: RotaryPairing) {
        let half = pairCount
        let (firstStride, secondOffset) = pairing == .adjacent ? (2, 1) : (1, half)
        cosine.withUnsafeBufferPointer { cosine in
            sine.withUnsafeBufferPointer { sine in
                for t in 0..<length {
                    let row = t * half
                    for h in 0..<heads {
                        let head = x + (t * heads + h) * headDimension
                        for i in 0..<half {
                            let first = i * firstStride
                            let c = cosine[row + i], s = sine[row + i]
                            let a = head[first], b = head[first + secondOffset]
                            head[first] = a * c - b * s
                            head[first + secondOffset] = a * s + b * c
                        }
                    }
                }
            }
        }
    }
}
