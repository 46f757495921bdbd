import Foundation

/// The unscaled rotary embedding of one attention head: rotary dimension `d` and base `b`.
///
/// ```
/// θ_i = b^(−2i/d)          inverse frequency of pair i, radians per token
/// λ_i = 2π / θ_i           wavelength, tokens
/// i   = 0 … d/2 − 1        pair index
/// ```
public struct RotaryGeometry: Equatable, Sendable, Codable {
    /// Rotary dimension `d` (head dim, or the rotated part of it): even, 2…65536.
    public let rotaryDimension: Int
    /// RoPE base `b` (HF `rope_theta`, GGUF `rope.freq_base`): finite, > 1.
    public let base: Double

    /// Validates `d` (even, 2…65536) and `b` (finite, > 1).
    public init(rotaryDimension: Int, base: Double) throws {
        guard rotaryDimension >= 2, rotaryDimension <= 65536, rotaryDimension % 2 == 0 else {
            throw RoPEError.invalidParameter(
                name: "rotary dimension (--dim)", value: "\(rotaryDimension)", allowed: "an even integer in 2...65536")
        }
        try Check.greaterThan(base, 1, "base (--base)")
        self.rotaryDimension = rotaryDimension
        self.base = base
    }

    /// Number of rotation pairs, `d/2`.
    public var pairCount: Int { rotaryDimension / 2 }

    /// θ_i = b^(−2i/d) for every pair, radians per token, computed in Double. Shape [d/2].
    public var inverseFrequency: [Double] { Self.inverseFrequency(base: base, rotaryDimension: rotaryDimension) }

    /// θ_i = base^(−2i/d) for an arbitrary base. Shape [d/2].
    public static func inverseFrequency(base: Double, rotaryDimension: Int) -> [Double] {
        let d = Double(rotaryDimension)
        return (0..<(rotaryDimension / 2)).map { pairIndex in
            Foundation.pow(base, -Double(2 * pairIndex) / d)
        }
    }
}

/// λ = 2π/θ, tokens per full rotation; `.infinity` for θ = 0. Shape as input.
public func wavelength(inverseFrequency: [Double]) -> [Double] {
    inverseFrequency.map { $0 > 0 ? 2 * Double.pi / $0 : .infinity }
}

/// Rotations completed over a span of `length` tokens: r_i = length·θ_i/(2π). Shape as input.
public func rotations(inverseFrequency: [Double], length: Double) -> [Double] {
    inverseFrequency.map { length * $0 / (2 * Double.pi) }
}
