import RoPE

/// The per-pair table of one scaling choice (the `rope` subcommand).
///
/// ```
/// θ'_i        scaled inverse frequency, rad/token
/// λ'_i = 2π/θ'_i                         tokens
/// r_train_i  = T_train·θ_i/(2π)          rotations of the unscaled pair in the training window
/// r_target_i = T_target·θ'_i/(2π)        rotations of the scaled pair in the target window
/// ```
/// All arrays have shape [d/2], indexed by pair index i.
public struct PairTable: Equatable, Sendable {
    public let setup: AnalysisSetup
    /// Result of the scaling method (θ', attention factor, effective base, critical rule).
    public let frequencies: RoPEFrequencies
    /// Unscaled θ_i, rad/token.
    public let baseInverseFrequency: [Double]
    /// θ'_i, rad/token.
    public var inverseFrequency: [Double] { frequencies.inverseFrequency }
    /// λ'_i, tokens.
    public let wavelength: [Double]
    /// r_train_i, rotations.
    public let rotationsInTrainLength: [Double]
    /// r_target_i, rotations.
    public let rotationsInTargetLength: [Double]

    /// Computes the table; throws `RoPEError` for invalid scaling parameters.
    public init(_ setup: AnalysisSetup) throws {
        self.setup = setup
        frequencies = try setup.scaling.frequencies(for: setup.geometry)
        baseInverseFrequency = setup.geometry.inverseFrequency
        wavelength = RoPE.wavelength(inverseFrequency: frequencies.inverseFrequency)
        rotationsInTrainLength = rotations(inverseFrequency: baseInverseFrequency, length: Double(setup.trainLength))
        rotationsInTargetLength = rotations(inverseFrequency: frequencies.inverseFrequency, length: Double(setup.targetLength))
    }
}
