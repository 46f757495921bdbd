import Analyzers
import Foundation
import RoPE
import Spectra

/// What the unscaled model saw in training, in the problem's regime: the yardsticks the analytic
/// checks compare each candidate with.
///
/// ```
/// resolvable  = #{i : PairResolution(θ, window(regime, T_train), hann).resolvable[i]}
/// rank        = numerical rank of the position features F(θ) over T_train (PositionFeatureConditioning):
///               #{j : σ_j > σ_1·tol}, tol = max(m_T, n)·ε (numpy's matrix_rank default for this matrix)
/// envelope    = upper envelope U(Δ) of K(Δ) = (2/d)·Σ_i cos(θ_i·Δ) over T_train (KernelDecay)
/// ```
public struct TrainedReference: Sendable {
    /// θ_i, rad/token. Shape [d/2].
    public let inverseFrequency: [Double]
    /// Pairs a hann-windowed spectrum over the trained window resolves.
    public let resolvablePairs: Int
    /// Numerical rank and effective rank of the trained position features.
    public let featureRank: Int
    public let effectiveRank: Double
    /// tol = max(m_T, n)·ε, the relative rank tolerance of the trained features; candidates are
    /// counted with the same tolerance, so a finer sampling of the same features (linear
    /// interpolation over s·T) keeps the trained rank instead of losing it to a tolerance that
    /// grows with the row count.
    public let relativeRankTolerance: Double
    /// Kernel decay over the trained window.
    public let envelope: EnvelopeSummary

    /// Computes the references for `problem`. Throws `SpectraError` (LAPACK, FFT).
    public init(problem: ValidationProblem) throws {
        let theta = problem.geometry.inverseFrequency
        inverseFrequency = theta
        let measures = try WindowMeasures(inverseFrequency: theta, regime: problem.regime, length: problem.trainLength,
                                          relativeRankTolerance: nil)
        resolvablePairs = measures.resolvablePairs
        featureRank = measures.featureRank
        relativeRankTolerance = measures.relativeRankTolerance
        effectiveRank = measures.effectiveRank
        envelope = measures.envelope
    }
}

/// The kernel envelope summarised for ranking and drawing.
public struct EnvelopeSummary: Equatable, Sendable {
    /// First Δ (tokens) with e(Δ) < K(0)/e; nil if none in the window.
    public let firstCrossing: Int?
    /// First Δ (tokens) after which e stays below K(0)/e; nil if none.
    public let settling: Int?
    /// Δ (tokens) of the drawn samples, log-spaced from 1 to L−1. Shape [n ≤ 400].
    public let distance: [Int]
    /// U(Δ) at those distances (K(0) = 1). Shape [n].
    public let upperEnvelope: [Double]

    /// Samples `decay`'s upper envelope at ≤ `points` log-spaced distances.
    init(_ decay: KernelDecay, points: Int = 240) {
        firstCrossing = decay.firstCrossingDistance
        settling = decay.settlingDistance
        let upper = decay.upperEnvelope
        var distances: [Int] = []
        if upper.count > 1 {
            let top = Double(upper.count - 1)
            for k in 0..<points {
                let delta = Int(Foundation.exp(Foundation.log(top) * Double(k) / Double(points - 1)).rounded())
                if delta >= 1, delta < upper.count, distances.last != delta { distances.append(delta) }
            }
        }
        distance = distances
        upperEnvelope = distances.map { upper[$0] }
    }
}

/// Resolvable pairs, feature rank and kernel envelope of one frequency set over one window.
struct WindowMeasures {
    let resolvablePairs: Int
    let featureRank: Int
    let effectiveRank: Double
    let relativeRankTolerance: Double
    let envelope: EnvelopeSummary

    /// `relativeRankTolerance` nil: this window's own max(m, n)·ε.
    init(inverseFrequency: [Double], regime: RelativeDistanceRegime, length: Int, relativeRankTolerance: Double?) throws {
        let window = try RelativeDistanceWindow(regime: regime, length: length)
        resolvablePairs = try PairResolution(inverseFrequency: inverseFrequency, window: window, spectralWindow: .hann)
            .resolvableCount
        let conditioning = try PositionFeatureConditioning(inverseFrequency: inverseFrequency, regime: regime, length: length)
        let tolerance = relativeRankTolerance
            ?? Double(max(conditioning.rowCount, conditioning.columnCount)) * Double.ulpOfOne
        let largest = conditioning.singularValues.first ?? 0
        featureRank = conditioning.singularValues.filter { $0 > largest * tolerance }.count
        self.relativeRankTolerance = tolerance
        effectiveRank = conditioning.effectiveRank
        let kernel = try RelativePositionKernel(inverseFrequency: inverseFrequency, window: window)
        envelope = EnvelopeSummary(try KernelDecay(kernel: kernel))
    }
}
