import RoPE

/// Everything an analyzer needs: the model's rotary geometry, the scaling under study and the
/// two lengths it is judged at.
public struct AnalysisSetup: Equatable, Sendable {
    /// Unscaled geometry of the trained model (d, b).
    public let geometry: RotaryGeometry
    /// Scaling applied for the target length.
    public let scaling: RoPEScaling
    /// T_train, tokens (≥ 1).
    public let trainLength: Int
    /// T_target, tokens (≥ 1).
    public let targetLength: Int

    /// Validates both lengths (integers ≥ 1).
    public init(geometry: RotaryGeometry, scaling: RoPEScaling, trainLength: Int, targetLength: Int) throws {
        guard trainLength >= 1 else {
            throw RoPEError.invalidParameter(name: "--train-length", value: "\(trainLength)", allowed: "an integer >= 1")
        }
        guard targetLength >= 1 else {
            throw RoPEError.invalidParameter(name: "--target-length", value: "\(targetLength)", allowed: "an integer >= 1")
        }
        self.geometry = geometry
        self.scaling = scaling
        self.trainLength = trainLength
        self.targetLength = targetLength
    }
}
