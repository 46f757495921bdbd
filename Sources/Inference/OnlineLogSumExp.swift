import Foundation

/// logsumexp of one logits row whose values arrive in vocabulary slices (the online softmax
/// normaliser of Milakov & Gimelshein, "Online normalizer calculation for softmax", 2018):
/// ```
/// m' = max(m, max_v x_v),  s ← s·e^(m − m') + Σ_v e^(x_v − m'),  m ← m'
/// logsumexp = m + ln s
/// ```
/// Each slice is exponentiated in float32 (`VectorMath.exponentiate`, ≤ 3 ulp) and summed in float32 in
/// blocks of `VectorMath.doubleSumBlock` values, the block sums and the slices combined in Double.
/// Agrees with the Double reference `Scoring.logSumExp` to a few 1e-6 nats (see
/// `OnlineLogSumExpTests` for the error budget).
struct OnlineLogSumExp {
    /// Running maximum m of the values folded so far (−∞ before the first finite value).
    private(set) var maximum: Float = -.infinity
    /// s = Σ e^(x − m) over the values folded so far.
    private(set) var scaledSum: Double = 0
    /// Set once a NaN value was folded: the result is then NaN, as in the Double reference.
    private(set) var sawNaN = false

    /// An empty row: `logSumExp` is −∞.
    init() {}

    /// Folds `count` values into the state, **overwriting them with e^(x − m')**.
    mutating func fold(_ slice: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        let sliceMaximum = VectorMath.maximum(slice, count: count)
        let shift = max(maximum, sliceMaximum)
        guard shift.isFinite else {
            // Every value so far is −∞/NaN (shift −∞) or one is +∞ (logsumexp +∞): nothing to sum.
            if shift == .infinity { maximum = .infinity }
            for i in 0..<count where slice[i].isNaN { sawNaN = true }
            return
        }
        let rescale = shift == maximum ? 1 : Foundation.exp(Double(maximum) - Double(shift))
        // The float sum of `exponentiate` (one float32 accumulation per lane) is not used: the
        // values are re-summed in Double blocks below, which bounds the error for any V.
        _ = VectorMath.exponentiate(slice, count: count, subtracting: shift)
        let sum = VectorMath.sumInDouble(slice, count: count)
        if sum.isNaN { sawNaN = true }
        scaledSum = scaledSum * rescale + sum
        maximum = shift
    }

    /// m + ln s, nats: −∞ for an empty or all −∞ row, +∞ if a value was +∞, NaN if one was NaN.
    var logSumExp: Double {
        if sawNaN { return .nan }
        guard maximum.isFinite else { return Double(maximum) }
        return Double(maximum) + Foundation.log(scaledSum)
    }
}

extension VectorMath {
    /// Values per float32 partial sum in `sumInDouble` (8 lanes × 16 values).
    static let doubleSumBlock = 128

    /// Σ x[i] for non-negative summands: 8 interleaved float32 partial sums over blocks of
    /// `doubleSumBlock` values, the block sums added in Double. Each float32 sum has at most
    /// 16 + 7 roundings, so the relative error is ≤ 23·2⁻²⁴ ≈ 1.4e-6 for any `count`.
    static func sumInDouble(_ x: UnsafePointer<Float>, count: Int) -> Double {
        let raw = UnsafeRawPointer(x)
        var total: Double = 0
        var i = 0
        while i + doubleSumBlock <= count {
            var partial = SIMD8<Float>(repeating: 0)
            for offset in stride(from: i, to: i + doubleSumBlock, by: 8) {
                partial += raw.loadUnaligned(fromByteOffset: offset * 4, as: SIMD8<Float>.self)
            }
            total += Double(partial.sum())
            i += doubleSumBlock
        }
        if i < count { total += Double(sum(x + i, count: count - i)) }
        return total
    }
}
