import RoPE

/// The position-feature matrix F of a RoPE frequency set: one row per attained relative
/// distance Δ, two columns per pair,
///
/// ```
/// F[r, 2i]   = cos(θ_i · Δ_r)
/// F[r, 2i+1] = sin(θ_i · Δ_r)
/// causal:        Δ_r = r,            r = 0 … L−1        (m = L rows)
/// bidirectional: Δ_r = r − (L−1),    r = 0 … 2L−2       (m = 2L−1 rows)
/// ```
/// n = 2·(d/2) columns. Unlike `RelativeDistanceWindow` (2L samples, for FFTs), the
/// bidirectional rows stop at −(L−1): only distances attention attains in L tokens.
/// Column order does not change singular values.
public enum PositionFeatures {
    /// Largest accepted number of pairs (n = 2048 columns keeps R within 32 MiB).
    public static let maximumPairCount = 1024
    /// Largest accepted context length L, tokens.
    public static let maximumLength = 1 << 28

    /// Δ of row 0, tokens: 0 (causal) or −(L−1) (bidirectional).
    public static func firstDistance(regime: RelativeDistanceRegime, length: Int) -> Int {
        regime == .causal ? 0 : -(length - 1)
    }

    /// m: L (causal) or 2L−1 (bidirectional).
    public static func rowCount(regime: RelativeDistanceRegime, length: Int) -> Int {
        regime == .causal ? length : 2 * length - 1
    }

    /// The full matrix, row-major. Shape [m, n]. Memory m·n doubles: for inspection and tests;
    /// `PositionFeatureConditioning` never builds it.
    /// Throws like `PositionFeatureConditioning.init`.
    public static func matrix(
        inverseFrequency: [Double], regime: RelativeDistanceRegime, length: Int
    ) throws -> [Double] {
        try validate(inverseFrequency, length: length)
        let m = rowCount(regime: regime, length: length)
        let n = 2 * inverseFrequency.count
        var columns = [Double](repeating: 0, count: m * n)  // column-major scratch
        columns.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            fillColumns(
                inverseFrequency, firstDistance: firstDistance(regime: regime, length: length), rows: m,
                into: base, leadingDimension: m)
        }
        var rowMajor = [Double](repeating: 0, count: m * n)
        for r in 0..<m { for c in 0..<n { rowMajor[r * n + c] = columns[c * m + r] } }
        return rowMajor
    }

    /// Writes rows Δ = firstDistance … firstDistance+rows−1 of F into a column-major array:
    /// element (r, c) at `destination[c·leadingDimension + r]`.
    static func fillColumns(
        _ inverseFrequency: [Double], firstDistance: Int, rows: Int,
        into destination: UnsafeMutablePointer<Double>, leadingDimension: Int
    ) {
        for (pair, theta) in inverseFrequency.enumerated() {
            Phasor.write(
                theta: theta, firstDistance: firstDistance, count: rows,
                cos: destination + (2 * pair) * leadingDimension,
                sin: destination + (2 * pair + 1) * leadingDimension)
        }
    }

    static func validate(_ inverseFrequency: [Double], length: Int) throws {
        try Validate.nonEmpty(inverseFrequency, "inverse frequencies θ")
        try Validate.finite(inverseFrequency, "inverse frequencies θ")
        // |θ| beyond RoPE's FrequencyLimits makes θ·Δ overflow to ±inf for a finite θ (e.g. 1e307·256),
        // so cos/sin give NaN and LAPACKE's NaN check fails dtpqrt with "argument 8 (B) invalid".
        for (index, theta) in inverseFrequency.enumerated() where theta.magnitude > FrequencyLimits.maximumInverseFrequency {
            throw SpectraError.invalidParameter(
                name: "inverse frequency θ[\(index)]", value: "\(theta)",
                allowed: "|θ| <= \(FrequencyLimits.maximumInverseFrequency) rad/token (RoPE FrequencyLimits)")
        }
        guard inverseFrequency.count <= maximumPairCount else {
            throw SpectraError.invalidParameter(
                name: "pair count d/2", value: "\(inverseFrequency.count)", allowed: "1...\(maximumPairCount)")
        }
        try Validate.positive(length, "context length L (tokens)", maximum: maximumLength)
    }
}
