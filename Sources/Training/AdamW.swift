import Foundation

/// Learning rate of step s (0-based): linear warm-up then cosine decay to `minimum`
/// (nanoGPT's `get_lr`):
/// ```
/// s < W:        lr = peak·(s + 1)/W
/// W ≤ s < S:    lr = min + ½(1 + cos(π·(s − W)/(S − W)))·(peak − min)
/// s ≥ S:        lr = min
/// ```
public struct LearningRateSchedule: Equatable, Sendable, Codable {
    /// Peak learning rate, > 0.
    public let peak: Double
    /// Final learning rate, 0 ≤ minimum ≤ peak.
    public let minimum: Double
    /// Warm-up steps W ≥ 0.
    public let warmupSteps: Int
    /// Total steps S ≥ 1 (the cosine reaches `minimum` at S).
    public let totalSteps: Int

    /// Throws `TrainingError.invalidConfiguration` for a rate ≤ 0 or non-finite, a minimum outside
    /// [0, peak], negative warm-up or total steps < 1.
    public init(peak: Double, minimum: Double, warmupSteps: Int, totalSteps: Int) throws {
        guard peak.isFinite, peak > 0 else { throw TrainingError.invalidConfiguration(name: "learning rate", value: "\(peak)", allowed: "a finite value > 0") }
        guard minimum.isFinite, minimum >= 0, minimum <= peak else {
            throw TrainingError.invalidConfiguration(name: "minimum learning rate", value: "\(minimum)", allowed: "a value in [0, \(peak)]")
        }
        guard warmupSteps >= 0, totalSteps >= 1 else {
            throw TrainingError.invalidConfiguration(name: "warm-up/total steps", value: "\(warmupSteps)/\(totalSteps)", allowed: "warm-up >= 0, total >= 1")
        }
        self.peak = peak
        self.minimum = minimum
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// The learning rate of 0-based step `s` (formula above).
    public func rate(step s: Int) -> Double {
        if s < warmupSteps { return peak * Double(s + 1) / Double(warmupSteps) }
        if s >= totalSteps { return minimum }
        let progress = Double(s - warmupSteps) / Double(max(totalSteps - warmupSteps, 1))
        return minimum + 0.5 * (1 + Foundation.cos(Double.pi * progress)) * (peak - minimum)
    }
}

/// AdamW (Loshchilov & Hutter 2019) exactly as PyTorch's `torch.optim.AdamW` (decoupled decay first):
/// ```
/// θ ← θ − lr·λ·θ                    (only tensors with `decays`)
/// m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²
/// θ ← θ − lr·(m/(1 − β₁ᵗ)) / (sqrt(v/(1 − β₂ᵗ)) + ε)
/// ```
/// Moments are float32 in the parameters' layout; t counts steps from 1.
public struct AdamW: Sendable {
    /// β₁, β₂ in [0, 1); ε > 0; decoupled weight decay λ ≥ 0.
    public let beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double
    /// First and second moments.
    public var firstMoment: ParameterSet, secondMoment: ParameterSet
    /// Steps taken so far.
    public var step: Int = 0

    /// Zero moments in the layout of `parameters`; throws `TrainingError.invalidConfiguration` for
    /// hyper-parameters out of range.
    public init(for parameters: ParameterSet, beta1: Double = 0.9, beta2: Double = 0.95, epsilon: Double = 1e-8,
                weightDecay: Double = 0.1) throws {
        for (name, value) in [("beta1", beta1), ("beta2", beta2)] where !(value >= 0 && value < 1) {
            throw TrainingError.invalidConfiguration(name: "AdamW \(name)", value: "\(value)", allowed: "a value in [0, 1)")
        }
        guard epsilon > 0, weightDecay >= 0, weightDecay.isFinite else {
            throw TrainingError.invalidConfiguration(name: "AdamW epsilon/weight decay", value: "\(epsilon)/\(weightDecay)",
                                                     allowed: "epsilon > 0, weight decay >= 0")
        }
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoment = ParameterSet(zerosLike: parameters.configuration)
        secondMoment = firstMoment
    }

    /// One update of `parameters` with `gradient` at learning rate `rate`.
    public mutating func update(_ parameters: inout ParameterSet, gradient: ParameterSet, rate: Double) {
        step += 1
        let correction1 = 1 - Foundation.pow(beta1, Double(step)), correction2 = 1 - Foundation.pow(beta2, Double(step))
        let (b1, b2) = (Float(beta1), Float(beta2))
        let stepSize = Float(rate / correction1), rootCorrection = Float(correction2.squareRoot()), eps = Float(epsilon)
        for (index, tensor) in parameters.tensors.enumerated() {
            let decay = tensor.decays ? Float(1 - rate * weightDecay) : 1
            parameters.values[index].withUnsafeMutableBufferPointer { theta in
                firstMoment.values[index].withUnsafeMutableBufferPointer { m in
                    secondMoment.values[index].withUnsafeMutableBufferPointer { v in
                        gradient.values[index].withUnsafeBufferPointer { g in
                            for i in 0..<theta.count {
                                theta[i] *= decay
                                m[i] = b1 * m[i] + (1 - b1) * g[i]
                                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                                theta[i] -= stepSize * m[i] / (v[i].squareRoot() / rootCorrection + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Global-norm gradient clipping as `torch.nn.utils.clip_grad_norm_`:
/// `n = sqrt(Σ g²)` (Double); when n > maxNorm every gradient is multiplied by maxNorm/(n + 1e-6).
/// Returns n (before clipping).
@discardableResult
public func clipGradientNorm(_ gradient: inout ParameterSet, maxNorm: Double) -> Double {
    var sum = 0.0
    for tensor in gradient.values { for g in tensor { sum += Double(g) * Double(g) } }
    let norm = sum.squareRoot()
    if norm > maxNorm {
        let factor = Float(maxNorm / (norm + 1e-6))
        for index in gradient.values.indices {
            gradient.values[index].withUnsafeMutableBufferPointer { g in for i in 0..<g.count { g[i] *= factor } }
        }
    }
    return norm
}
