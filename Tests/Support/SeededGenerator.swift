/// Deterministic SplitMix64 generator (Steele, Lea & Flood 2014) shared by the test targets, so
/// random test inputs and fuzz cases reproduce on every platform.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    /// A generator whose first output is SplitMix64's first output after `seed`.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
