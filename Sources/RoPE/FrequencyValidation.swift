import Foundation

/// The one check every scaled frequency set passes before any command uses it.
///
/// ```
/// θ'_i finite and  minimumInverseFrequency ≤ θ'_i ≤ maximumInverseFrequency   (rad/token)
/// attention factor finite and > 0
/// ```
/// The lower bound keeps λ'_i = 2π/θ'_i and every rotation count finite and in normal Double
/// range; the upper bound keeps the phase θ'_i·Δ resolvable to better than a turn for every
/// distance the analyzers accept (|Δ| ≤ 2^30): ulp(θ'·2^30) < 2π ⇔ θ' < 2π·2^52/2^30 = 2π·2^22.
public enum FrequencyLimits {
    /// Smallest accepted θ'_i, rad/token (λ' ≤ 6.3e300 tokens).
    public static let minimumInverseFrequency = 1e-300
    /// Largest accepted θ'_i, rad/token: 2π·2^22 ≈ 2.64e7.
    public static let maximumInverseFrequency = 2 * Double.pi * Double(1 << 22)
    /// The allowed range as text, for messages.
    public static var allowedText: String {
        "a finite θ' in \(minimumInverseFrequency)...\(String(format: "%.4g", maximumInverseFrequency)) rad/token"
    }
}

extension RoPEFrequencies {
    /// Throws `RoPEError.invalidFrequency` for the first θ'_i outside `FrequencyLimits`, and
    /// `invalidAttentionFactor` for a non-finite or non-positive attention factor; `key` names
    /// the spec key (or flag) that produced the values.
    public func validate(key: String, attentionKey: String) throws {
        for (pairIndex, theta) in inverseFrequency.enumerated()
        where !(theta >= FrequencyLimits.minimumInverseFrequency && theta <= FrequencyLimits.maximumInverseFrequency) {
            throw RoPEError.invalidFrequency(pairIndex: pairIndex, value: theta, key: key)
        }
        guard attentionFactor.isFinite, attentionFactor > 0 else {
            throw RoPEError.invalidAttentionFactor(value: attentionFactor, key: attentionKey)
        }
    }
}

extension RoPEScaling {
    /// The spec key (or command flag) whose value determines θ' — the one to change when θ' is
    /// out of range.
    var frequencyKey: String {
        switch self {
        case .none: return "--base/--dim (no scaling: θ = b^(−2i/d))"
        case .linear, .ntk, .dynamicNTK, .llama3: return "\(method.rawValue) factor"
        case let .yarn(p):
            return p.variant == .llamacpp && p.extrapolationFactor != 1 ? "yarn ext-factor (and factor)" : "yarn factor"
        case let .longrope(p): return "longrope \(p.sequenceLength > p.originalContext ? "long-factor" : "short-factor")"
        case .criticalNTK, .diffusionNTK: return "\(method.rawValue) target-length (or --target-length)"
        case .base: return "base=VALUE"
        }
    }

    /// The spec key whose value determines the attention factor.
    var attentionKey: String {
        switch self {
        case let .yarn(p):
            if p.attentionFactor != nil { return "yarn attention-factor" }
            return p.mscale != nil && p.mscaleAllDim != nil ? "yarn mscale/mscale-all-dim" : "yarn factor"
        case .longrope: return "longrope attention-factor/factor"
        default: return "\(method.rawValue) attention factor"
        }
    }
}
