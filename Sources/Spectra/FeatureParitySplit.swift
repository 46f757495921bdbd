/// Singular values of the position-feature matrix F (see `PositionFeatures`) from two matrices of
/// half its size, one even and one odd in the distance.
///
/// The m rows of F sit at consecutive distances Δ_r = Δ_0 + r, symmetric about
/// c = Δ_0 + (m−1)/2. With u = Δ − c, each pair's columns are
/// ```
/// (cos θΔ, sin θΔ) = (cos θu, sin θu) · [[cos θc, sin θc], [−sin θc, cos θc]]
/// ```
/// a rotation, so σ(F) = σ(G) with G[u] = (cos θ_i u, sin θ_i u). In GᵀG the rows ±u add
/// 2·cos·cos and 2·sin·sin and their cos·sin terms cancel, so GᵀG = diag(CᵀC, SᵀS) and
/// ```
/// σ(F) = σ(C) ∪ σ(S)
/// C = [ 1 (the row u = 0, only for odd m) ; √2·cos(θ_i u_k) ]     ⌈m/2⌉ × d/2
/// S = [ √2·sin(θ_i u_k) ]                                          ⌊m/2⌋ × d/2
/// u_k = k + 1 (odd m) or k + ½ (even m),  k = 0 … ⌊m/2⌋ − 1
/// ```
/// The identity is exact; in floating point both routes are backward stable with errors of a few
/// ε·σ_1 (checked against the SVD of F itself in ConditioningTests). Two QRs of half the rows and
/// half the columns cost a quarter of the flops of one QR of F.
enum FeatureParitySplit {
    /// σ(F) for `inverseFrequency` (d/2 pairs) over m = `rows` ≥ 1 consecutive distances,
    /// descending; count min(m, d). Throws `lapackFailed`.
    static func singularValues(inverseFrequency theta: [Double], rows m: Int, blockRows: Int) throws -> [Double] {
        let half = m / 2
        let odd = m % 2 == 1
        let firstU = odd ? 1.0 : 0.5
        let even = try TallSkinnySVD.singularValues(
            rows: half + (odd ? 1 : 0), columns: theta.count, blockRows: blockRows
        ) { start, rows, destination, leadingDimension in
            var centre = 0  // the u = 0 row (weight 1) leads the first block of an odd m
            if odd, start == 0 {
                for column in theta.indices { destination[column * leadingDimension] = 1 }
                centre = 1
            }
            let k = odd ? max(start - 1, 0) : start
            fill(theta, firstU: firstU + Double(k), rows: rows - centre, cosine: true,
                 into: destination + centre, leadingDimension: leadingDimension)
        }
        guard half > 0 else { return even }
        let odds = try TallSkinnySVD.singularValues(
            rows: half, columns: theta.count, blockRows: blockRows
        ) { start, rows, destination, leadingDimension in
            fill(theta, firstU: firstU + Double(start), rows: rows, cosine: false,
                 into: destination, leadingDimension: leadingDimension)
        }
        return (even + odds).sorted(by: >)
    }

    /// `destination[i·leadingDimension + j] = √2·cos(θ_i·(firstU + j))` (or sin), j < `rows`.
    private static func fill(
        _ theta: [Double], firstU: Double, rows: Int, cosine: Bool,
        into destination: UnsafeMutablePointer<Double>, leadingDimension: Int
    ) {
        guard rows > 0 else { return }
        let whole = firstU.rounded(.down)
        let root2 = 2.0.squareRoot()
        var unused = [Double](repeating: 0, count: rows)
        unused.withUnsafeMutableBufferPointer { scratch in
            guard let other = scratch.baseAddress else { return }
            for (pair, t) in theta.enumerated() {
                let column = destination + pair * leadingDimension
                Phasor.write(theta: t, firstDistance: Int(whole), offset: firstU - whole, count: rows,
                             cos: cosine ? column : other, sin: cosine ? other : column)
                for j in 0..<rows { column[j] *= root2 }
            }
        }
    }
}
