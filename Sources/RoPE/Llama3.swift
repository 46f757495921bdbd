import Foundation

/// Llama 3.1 RoPE scaling (transformers `_compute_llama3_parameters`).
///
/// ```
/// low_wl = L_orig/low_freq_factor, high_wl = L_orig/high_freq_factor, λ_i = 2π/θ_i
/// λ_i < high_wl:  θ'_i = θ_i                       (high frequencies kept)
/// λ_i > low_wl:   θ'_i = θ_i/s                     (low frequencies interpolated)
/// otherwise:      σ_i = (L_orig/λ_i − low_freq_factor)/(high_freq_factor − low_freq_factor)
///                 θ'_i = (1 − σ_i)·θ_i/s + σ_i·θ_i
/// ```
enum Llama3 {
    static func frequencies(_ p: Llama3Parameters, geometry: RotaryGeometry) throws -> RoPEFrequencies {
        try Check.positive(p.factor, "llama3 factor")
        try Check.positive(p.lowFreqFactor, "llama3 low-freq-factor")
        try Check.positive(p.highFreqFactor, "llama3 high-freq-factor")
        try Check.positive(p.originalContext, "llama3 original-context")
        guard p.highFreqFactor > p.lowFreqFactor else {
            throw RoPEError.invalidParameter(
                name: "llama3 high-freq-factor", value: "\(p.highFreqFactor)",
                allowed: "a number > low-freq-factor (\(p.lowFreqFactor))")
        }
        let original = Double(p.originalContext)
        let lowFrequencyWavelength = original / p.lowFreqFactor
        let highFrequencyWavelength = original / p.highFreqFactor
        let inverseFrequency = geometry.inverseFrequency.map { theta -> Double in
            let lambda = 2 * Double.pi / theta
            if lambda < highFrequencyWavelength { return theta }
            if lambda > lowFrequencyWavelength { return theta / p.factor }
            let smooth = (original / lambda - p.lowFreqFactor) / (p.highFreqFactor - p.lowFreqFactor)
            return (1 - smooth) * theta / p.factor + smooth * theta
        }
        return RoPEFrequencies(inverseFrequency: inverseFrequency, attentionFactor: 1, effectiveBase: nil, criticalRule: nil)
    }
}
