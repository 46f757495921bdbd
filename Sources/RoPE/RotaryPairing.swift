import Foundation

/// Which coordinates of a head vector form the rotated pairs.
///
/// ```
/// adjacent:    (x[2i], x[2i+1])        GPT-J / Meta / ggml NORMAL; GGUF `llama` and `llada`
/// splitHalves: (x[i],  x[i + d/2])     HF / GPT-NeoX; HF safetensors of the same models
/// ```
/// llama.cpp's converter permutes q/k rows so that adjacent pairing on GGUF weights equals split
/// halves on the HF checkpoint. Using the wrong one gives plausible-looking garbage.
public enum RotaryPairing: String, CaseIterable, Sendable, Codable {
    case adjacent
    case splitHalves = "split-halves"

    /// Indices (first, second) of pair `pairIndex` in a vector of rotary dimension `rotaryDimension`.
    @inlinable
    public func coordinates(pairIndex: Int, rotaryDimension: Int) -> (Int, Int) {
        switch self {
        case .adjacent: return (2 * pairIndex, 2 * pairIndex + 1)
        case .splitHalves: return (pairIndex, pairIndex + rotaryDimension / 2)
        }
    }

    /// Rotates the first `2·inverseFrequency.count` entries of `vector` in place by the angles
    /// `position·θ_i`, scaled by `attentionFactor`; later entries (partial rotary) are untouched.
    /// ```
    /// (a, b) ← m·(a·cos φ − b·sin φ, a·sin φ + b·cos φ),  φ = position·θ_i
    /// ```
    /// Angles are computed in Double, then applied in Float.
    public func rotate(_ vector: inout [Float], position: Double, inverseFrequency: [Double], attentionFactor: Double = 1) {
        let rotaryDimension = 2 * inverseFrequency.count
        precondition(vector.count >= rotaryDimension, "vector shorter than the rotary dimension")
        for (pairIndex, theta) in inverseFrequency.enumerated() {
            let angle = position * theta
            let cosine = Float(attentionFactor * cos(angle))
            let sine = Float(attentionFactor * sin(angle))
            let (first, second) = coordinates(pairIndex: pairIndex, rotaryDimension: rotaryDimension)
            let a = vector[first]
            let b = vector[second]
            vector[first] = a * cosine - b * sine
            vector[second] = a * sine + b * cosine
        }
    }
}
