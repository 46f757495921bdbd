import Foundation

/// Closed forms from "Scaling Laws of RoPE-based Extrapolation" (Liu et al., arXiv 2310.05209).
public enum CriticalDimension {
    /// Pair index at which a span of `length` tokens holds exactly `rotations` full turns:
    /// ```
    /// i(r) = d·ln(T/(2π·r)) / (2·ln b)
    /// ```
    /// (YaRN's `find_correction_dim`; it returns a pair index.) Real-valued, may be negative.
    public static func pairIndex(rotations: Double, length: Double, rotaryDimension: Int, base: Double) -> Double {
        Double(rotaryDimension) * Foundation.log(length / (2 * Double.pi * rotations)) / (2 * Foundation.log(base))
    }

    /// Critical dimension (a count of dimensions, even):
    /// ```
    /// d_extra = 2·⌈(d/2)·log_b(T/(2π))⌉, clamped to 0…d
    /// ```
    /// Pairs i < d_extra/2 complete a full period within T tokens; pairs above never do.
    public static func criticalDimension(length: Double, rotaryDimension: Int, base: Double) -> Int {
        let halfDim = Double(rotaryDimension) / 2
        let raw = (halfDim * Foundation.log(length / (2 * Double.pi)) / Foundation.log(base)).rounded(.up)
        return 2 * Int(min(max(raw, 0), halfDim))
    }

    /// Extrapolation bound for a base β and critical dimension d_extra, tokens:
    /// ```
    /// T_extra = 2π·β^(d_extra/d)
    /// ```
    public static func extrapolationBound(criticalDimension: Int, rotaryDimension: Int, base: Double) -> Double {
        2 * Double.pi * Foundation.pow(base, Double(criticalDimension) / Double(rotaryDimension))
    }

    /// Base that makes the critical pairs reach `targetLength`:
    /// ```
    /// β = (T_target/(2π))^(d/d_extra)
    /// ```
    /// `.infinity` when d_extra = 0.
    public static func baseForTarget(targetLength: Double, criticalDimension: Int, rotaryDimension: Int) -> Double {
        guard criticalDimension > 0 else { return .infinity }
        return Foundation.pow(targetLength / (2 * Double.pi), Double(rotaryDimension) / Double(criticalDimension))
    }
}
