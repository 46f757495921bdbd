import RoPE

/// The question `validate` answers: a model geometry trained at T_train with attention regime
/// `regime`, to be used (post-trained) at T_target.
public struct ValidationProblem: Equatable, Sendable {
    /// Unscaled rotary geometry (d, b).
    public let geometry: RotaryGeometry
    /// T_train, tokens.
    public let trainLength: Int
    /// T_target, tokens (> T_train).
    public let targetLength: Int
    /// Relative distances attention sees: causal [0, T] or bidirectional [−T, T].
    public let regime: RelativeDistanceRegime

    /// Largest T_target the analyses accept: the kernel and conditioning windows hold 2·T_target
    /// samples in the bidirectional regime (2^22 tokens: 8M samples, seconds of work).
    public static let maximumTargetLength = 1 << 22

    /// Throws `targetNotLonger` unless T_train < T_target, `targetTooLong` above the maximum.
    public init(geometry: RotaryGeometry, trainLength: Int, targetLength: Int, regime: RelativeDistanceRegime) throws {
        guard trainLength >= 1, targetLength > trainLength else {
            throw VerdictError.targetNotLonger(trainLength: trainLength, targetLength: targetLength)
        }
        guard targetLength <= Self.maximumTargetLength else {
            throw VerdictError.targetTooLong(targetLength: targetLength, maximum: Self.maximumTargetLength)
        }
        self.geometry = geometry
        self.trainLength = trainLength
        self.targetLength = targetLength
        self.regime = regime
    }

    /// s = T_target/T_train, the factor the standard candidates take.
    public var lengthRatio: Double { Double(targetLength) / Double(trainLength) }

    /// m: 1 causal, 2 bidirectional.
    public var rangeMultiplier: Double { regime.rangeMultiplier }

    /// d_crit(m) = 2·⌈(d/2)·log_b(m·T_train/(2π))⌉ of the unscaled model; the critical pair is c = d_crit/2.
    public var criticalDimension: Int {
        CriticalDimension.criticalDimension(
            length: rangeMultiplier * Double(trainLength), rotaryDimension: geometry.rotaryDimension, base: geometry.base)
    }

    /// Spec defaults: `original-context`/`train-length` = T_train, `target-length` = T_target.
    public var specDefaults: RoPESpecDefaults { RoPESpecDefaults(trainLength: trainLength, targetLength: targetLength) }
}
