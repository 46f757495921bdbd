import Foundation
import Inference

/// Full-matrix attention in Double: the reference the tiled `FlashAttention` kernels are tested
/// against (llm.c keeps the same kind of naive `attention_forward`/`attention_backward` pair).
/// Layouts as `FlashAttention`: Q, Z [L, heads, d]; K, V [L, kvHeads, d], row-major.
public enum AttentionReference {
    /// P[h][i][j] = softmax_j(Q_i·K_j/√d) over allowed keys (0 elsewhere), Z = P·V.
    /// Returns (Z, P as [heads][L·L]).
    public static func forward(query: [Double], key: [Double], value: [Double], length: Int, heads: Int,
                               keyValueHeads: Int, headDimension d: Int, mask: AttentionMask) -> (output: [Double], probabilities: [[Double]]) {
        let group = heads / keyValueHeads, qStride = heads * d, kStride = keyValueHeads * d
        var output = [Double](repeating: 0, count: length * qStride)
        var all: [[Double]] = []
        for h in 0..<heads {
            let g = h / group
            var p = [Double](repeating: 0, count: length * length)
            for i in 0..<length {
                var scores = [Double](repeating: -.infinity, count: length)
                for j in 0..<length where mask.allows(query: i, key: j) {
                    var s = 0.0
                    for c in 0..<d { s += query[i * qStride + h * d + c] * key[j * kStride + g * d + c] }
                    scores[j] = s / Double(d).squareRoot()
                }
                let top = scores.max() ?? 0
                guard top > -.infinity else { continue }
                let e = scores.map { $0 == -.infinity ? 0 : Foundation.exp($0 - top) }
                let total = e.reduce(0, +)
                for j in 0..<length {
                    p[i * length + j] = e[j] / total
                    for c in 0..<d { output[i * qStride + h * d + c] += p[i * length + j] * value[j * kStride + g * d + c] }
                }
            }
            all.append(p)
        }
        return (output, all)
    }

    /// Gradients of Σ dZ ⊙ Z with respect to Q, K, V through the explicit P matrices:
    /// dV = Pᵀ·dZ, dP = dZ·Vᵀ, dS_ij = P_ij (dP_ij − Σ_k P_ik dP_ik), dQ = dS·K/√d, dK = dSᵀ·Q/√d.
    public static func backward(query: [Double], key: [Double], value: [Double], outputGradient: [Double],
                                length: Int, heads: Int, keyValueHeads: Int, headDimension d: Int,
                                mask: AttentionMask) -> (query: [Double], key: [Double], value: [Double]) {
        let (_, probabilities) = forward(query: query, key: key, value: value, length: length, heads: heads,
                                         keyValueHeads: keyValueHeads, headDimension: d, mask: mask)
        let group = heads / keyValueHeads, qStride = heads * d, kStride = keyValueHeads * d
        let scale = 1 / Double(d).squareRoot()
        var dQ = [Double](repeating: 0, count: length * qStride)
        var dK = [Double](repeating: 0, count: length * kStride)
        var dV = dK
        for h in 0..<heads {
            let g = h / group, p = probabilities[h]
            for i in 0..<length {
                var dP = [Double](repeating: 0, count: length)
                for j in 0..<length {
                    for c in 0..<d {
                        dP[j] += outputGradient[i * qStride + h * d + c] * value[j * kStride + g * d + c]
                        dV[j * kStride + g * d + c] += p[i * length + j] * outputGradient[i * qStride + h * d + c]
                    }
                }
                var rowDot = 0.0
                for j in 0..<length { rowDot += p[i * length + j] * dP[j] }
                for j in 0..<length {
                    let dS = p[i * length + j] * (dP[j] - rowDot) * scale
                    guard dS != 0 else { continue }
                    for c in 0..<d {
                        dQ[i * qStride + h * d + c] += dS * key[j * kStride + g * d + c]
                        dK[j * kStride + g * d + c] += dS * query[i * qStride + h * d + c]
                    }
                }
            }
        }
        return (dQ, dK, dV)
    }
}
