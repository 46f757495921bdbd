import CLAPACKE
import Foundation
import RoPE

/// Conditioning of the position-feature matrix F (see `PositionFeatures`, shape [m, n]).
///
/// ```
/// σ_1 ≥ … ≥ σ_p ≥ 0               singular values of F, p = min(m, n)
/// tol            = σ_1 · max(m, n) · ε        (ε = 2⁻⁵², numpy.linalg.matrix_rank's default)
/// numericalRank  = #{j : σ_j > tol}
/// conditionNumber = σ_1/σ_n if numericalRank = n (full column rank), else +∞
/// singularValueRatio = σ_1/σ_p                (numpy.linalg.cond(F); +∞ if σ_p = 0)
/// effectiveRank  = exp(−Σ_j p_j ln p_j),  p_j = σ_j / Σ_k σ_k   (Roy & Vetterli 2007; 0·ln 0 = 0)
/// ```
/// Computed exactly, without forming F: F's rows are consecutive distances, so σ(F) is the union
/// of the singular values of an even (cos) and an odd (sin) matrix of ⌈m/2⌉ × n/2 and
/// ⌊m/2⌋ × n/2 (`FeatureParitySplit`, a quarter of the flops). Each is factored with rows
/// generated in blocks of `defaultBlockRows`, and a running triangular factor is updated by the
/// QR of [R; block] (LAPACK dtpqrt, a tall-skinny QR); the singular values of the final R equal
/// those of the block matrix (dgesvd). Memory O((n + blockRows)·n), time O(m·n²/4). Small
/// matrices (≤ blockRows rows) go straight to dgesvd.
public struct PositionFeatureConditioning: Equatable, Sendable {
    /// Attention regime of the rows.
    public let regime: RelativeDistanceRegime
    /// Context length L, tokens.
    public let length: Int
    /// m, rows (relative distances).
    public let rowCount: Int
    /// n = 2·(d/2), columns.
    public let columnCount: Int
    /// σ_j, descending. Shape [min(m, n)].
    public let singularValues: [Double]
    /// σ_1·max(m, n)·ε.
    public let rankTolerance: Double
    /// Number of σ_j above `rankTolerance`.
    public let numericalRank: Int
    /// σ_1/σ_n for full column rank, else +∞.
    public let conditionNumber: Double
    /// σ_1/σ_p (what `numpy.linalg.cond` reports), +∞ if σ_p = 0.
    public let singularValueRatio: Double
    /// exp of the Shannon entropy of the normalised singular values, in [1, p] (0 if F = 0).
    public let effectiveRank: Double

    /// Default rows per block of the tall-skinny QR.
    public static let defaultBlockRows = 2048

    /// Analyses F for θ_i (rad/token, finite, 1 … 1024 pairs) over `length` tokens
    /// (1 … 2^28). Throws `emptyInput`, `nonFiniteInput`, `invalidParameter`, `lapackFailed`.
    public init(inverseFrequency: [Double], regime: RelativeDistanceRegime, length: Int) throws {
        try self.init(inverseFrequency: inverseFrequency, regime: regime, length: length, blockRows: Self.defaultBlockRows)
    }

    /// As the public initialiser with an explicit block size (tests force the blocked path).
    init(inverseFrequency: [Double], regime: RelativeDistanceRegime, length: Int, blockRows: Int) throws {
        try PositionFeatures.validate(inverseFrequency, length: length)
        let m = PositionFeatures.rowCount(regime: regime, length: length)
        let n = 2 * inverseFrequency.count
        let sigma = try FeatureParitySplit.singularValues(
            inverseFrequency: inverseFrequency, rows: m, blockRows: max(blockRows, 1))
        let largest = sigma.first ?? 0
        let tolerance = largest * Double(max(m, n)) * Double.ulpOfOne
        let rank = sigma.reduce(0) { $0 + ($1 > tolerance ? 1 : 0) }
        let smallest = sigma.last ?? 0
        self.regime = regime
        self.length = length
        self.rowCount = m
        self.columnCount = n
        self.singularValues = sigma
        self.rankTolerance = tolerance
        self.numericalRank = rank
        self.conditionNumber = rank == n ? largest / smallest : .infinity
        self.singularValueRatio = smallest > 0 ? largest / smallest : .infinity
        self.effectiveRank = Self.effectiveRank(sigma)
    }

    /// exp(−Σ p_j ln p_j) with p_j = σ_j/Σσ; 0 when Σσ = 0.
    public static func effectiveRank(_ singularValues: [Double]) -> Double {
        let total = singularValues.reduce(0, +)
        guard total > 0 else { return 0 }
        var entropy = 0.0
        for sigma in singularValues where sigma > 0 {
            let p = sigma / total
            entropy -= p * Foundation.log(p)
        }
        return Foundation.exp(entropy)
    }
}
