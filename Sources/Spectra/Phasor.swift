import Foundation

/// Fast, accurate evaluation of cos(θΔ) and sin(θΔ) over runs of consecutive integer Δ.
///
/// Δ is split as Δ = Δ₀ + j with Δ₀ a multiple of `blockLength` (relative to the run start) and
/// 0 ≤ j < `blockLength`; then, from tables of cos(θj), sin(θj) computed once per θ,
/// ```
/// cos(θΔ) = cos(θΔ₀)·cos(θj) − sin(θΔ₀)·sin(θj)
/// sin(θΔ) = sin(θΔ₀)·cos(θj) + cos(θΔ₀)·sin(θj)
/// ```
/// Every value costs two multiplies and an add (no dependency chain, so loops vectorise) and has
/// an error of a few ulps of 1 plus the rounding of θΔ₀ and θj (about |θΔ|·2⁻⁵³), the same order
/// as `cos(θ*Δ)` evaluated directly in numpy. There is no error growth along the run.
enum Phasor {
    static let blockLength = 256

    /// cos(θj) and sin(θj) for j = 0 ..< `blockLength`.
    static func tables(theta: Double) -> (cos: [Double], sin: [Double]) {
        var cosTable = [Double](repeating: 0, count: blockLength)
        var sinTable = [Double](repeating: 0, count: blockLength)
        for j in 0..<blockLength {
            let angle = theta * Double(j)
            cosTable[j] = Foundation.cos(angle)
            sinTable[j] = Foundation.sin(angle)
        }
        return (cosTable, sinTable)
    }

    /// `output[j] += weight·cos(θ·(firstDistance + j))` for j = 0 ..< count.
    static func accumulateCos(
        theta: Double, weight: Double, firstDistance: Int, count: Int, into output: UnsafeMutablePointer<Double>
    ) {
        let (cosTable, sinTable) = tables(theta: theta)
        cosTable.withUnsafeBufferPointer { cosT in
            sinTable.withUnsafeBufferPointer { sinT in
                var start = 0
                while start < count {
                    let run = min(blockLength, count - start)
                    let angle = theta * Double(firstDistance + start)
                    let a = weight * Foundation.cos(angle)
                    let b = weight * Foundation.sin(angle)
                    let out = output + start
                    for j in 0..<run {
                        out[j] += a * cosT[j] - b * sinT[j]
                    }
                    start += run
                }
            }
        }
    }

    /// `cosOut[j] = cos(θ·(firstDistance + offset + j))`, `sinOut[j] = sin(θ·(firstDistance + offset + j))`.
    /// `offset` (default 0, leaving the integer case bit-identical) shifts the grid, e.g. by ½ token.
    static func write(
        theta: Double, firstDistance: Int, offset: Double = 0, count: Int,
        cos cosOut: UnsafeMutablePointer<Double>, sin sinOut: UnsafeMutablePointer<Double>
    ) {
        let (cosTable, sinTable) = tables(theta: theta)
        cosTable.withUnsafeBufferPointer { cosT in
            sinTable.withUnsafeBufferPointer { sinT in
                var start = 0
                while start < count {
                    let run = min(blockLength, count - start)
                    let angle = theta * (Double(firstDistance + start) + offset)
                    let c0 = Foundation.cos(angle)
                    let s0 = Foundation.sin(angle)
                    let outC = cosOut + start
                    let outS = sinOut + start
                    for j in 0..<run {
                        outC[j] = c0 * cosT[j] - s0 * sinT[j]
                        outS[j] = s0 * cosT[j] + c0 * sinT[j]
                    }
                    start += run
                }
            }
        }
    }
}
