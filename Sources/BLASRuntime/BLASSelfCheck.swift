import CBLAS

/// A start-up proof that the running OpenBLAS kernel multiplies correctly: two small sgemm calls,
/// in the two forms the inference core uses (`Linear`: C = A·Bᵀ; `AttentionTile`: C += A·B),
/// compared with a naive triple loop in Double.
///
/// Shapes M = 67, N = 53, K = 71 are odd and not multiples of any kernel's register block, so the
/// edge paths of the micro-kernel run too. Inputs are the floats ((i·7 + j·13 + s) mod 29)/16 − 0.875
/// in [−0.875, 0.875], multiples of 1/16: every product is a multiple of 1/256 and every partial
/// sum stays below 2¹⁶, so a correct kernel is exact in float32 whatever its summation order. The
/// check does not rely on that: per element it allows the standard float32 dot-product bound for
/// K + 1 terms (the +1 is the β = 1 addend),
/// ```
/// |ĉ − c| ≤ 2·γ_{K+1} · (|c₀| + Σ_k |a_ik|·|b_kj|),   γ_n = n·u / (1 − n·u),  u = 2⁻²⁴
/// ```
/// (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., §3.5; the factor 2 is
/// margin), so a kernel that computes the wrong thing misses it by orders of magnitude while any
/// summation order passes. Runs in microseconds.
public enum BLASSelfCheck {
    /// Outcome of `run()`.
    public struct Result: Equatable, Sendable {
        /// True when every element of both products is within its bound.
        public var passed: Bool
        /// Largest |ĉ − c| / bound over both products (≤ 1 passes).
        public var worstRatio: Double
        /// Largest absolute error seen.
        public var maximumError: Double

        /// "max error 1.2e-07, 0.03 of the bound".
        public var summary: String {
            "max error \(maximumError), \(worstRatio) of the float rounding bound"
        }
    }

    public static let (rows, columns, depth) = (67, 53, 71)

    /// Runs both products on the current OpenBLAS kernel.
    public static func run() -> Result {
        let (m, n, k) = (rows, columns, depth)
        func value(_ i: Int, _ j: Int, _ salt: Int) -> Float { Float((i * 7 + j * 13 + salt) % 29) / 16 - 0.875 }
        let a = (0..<(m * k)).map { value($0 / k, $0 % k, 0) }               // [M, K]
        let bTransposed = (0..<(n * k)).map { value($0 / k, $0 % k, 5) }     // [N, K]
        let b = (0..<(k * n)).map { value($0 / n, $0 % n, 11) }              // [K, N]
        let start = (0..<(m * n)).map { value($0 / n, $0 % n, 3) }           // C before β = 1
        var product = [Float](repeating: 0, count: m * n)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(k), bTransposed, Int32(k), 0, &product, Int32(n))
        var accumulated = start
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(k), b, Int32(n), 1, &accumulated, Int32(n))
        let first = compare(product, m: m, n: n, k: k, initial: nil) { i, j, l in (a[i * k + l], bTransposed[j * k + l]) }
        let second = compare(accumulated, m: m, n: n, k: k, initial: start) { i, j, l in (a[i * k + l], b[l * n + j]) }
        let worst = max(first.ratio, second.ratio)
        return Result(passed: worst <= 1 && worst.isFinite, worstRatio: worst, maximumError: max(first.error, second.error))
    }

    /// Largest error and error/bound ratio of `computed` [M, N] against the Double triple loop.
    static func compare(_ computed: [Float], m: Int, n: Int, k: Int, initial: [Float]?,
                        factors: (Int, Int, Int) -> (Float, Float)) -> (error: Double, ratio: Double) {
        let unitRoundoff = 0x1p-24
        let gamma = Double(k + 1) * unitRoundoff / (1 - Double(k + 1) * unitRoundoff)
        var (worstError, worstRatio) = (0.0, 0.0)
        for i in 0..<m {
            for j in 0..<n {
                var exact = Double(initial?[i * n + j] ?? 0)
                var magnitude = abs(exact)
                for l in 0..<k {
                    let (x, y) = factors(i, j, l)
                    exact += Double(x) * Double(y)
                    magnitude += abs(Double(x) * Double(y))
                }
                let error = abs(Double(computed[i * n + j]) - exact)
                let ratio = error.isNaN ? .infinity : error / (2 * gamma * magnitude + .leastNormalMagnitude)
                worstError = max(worstError, error.isNaN ? .infinity : error)
                worstRatio = max(worstRatio, ratio)
            }
        }
        return (worstError, worstRatio)
    }
}
