/// The lengths a parsed spec already carries, so commands can default their length flags from it.
extension RoPEScaling {
    /// T_train the spec states: `original-context` (dynamic-ntk, yarn, llama3, longrope) or
    /// `train-length` (critical-ntk, diffusion-ntk); nil for methods without one. Tokens.
    public var impliedTrainLength: Int? {
        switch self {
        case let .dynamicNTK(p): return p.originalContext
        case let .yarn(p): return p.originalContext
        case let .llama3(p): return p.originalContext
        case let .longrope(p): return p.originalContext
        case let .criticalNTK(p), let .diffusionNTK(p): return p.trainLength
        case .none, .linear, .ntk, .base: return nil
        }
    }

    /// T_target the spec states: `sequence-length` (dynamic-ntk, longrope) or `target-length`
    /// (critical-ntk, diffusion-ntk); nil otherwise. Tokens.
    public var impliedTargetLength: Int? {
        switch self {
        case let .dynamicNTK(p): return p.sequenceLength
        case let .longrope(p): return p.sequenceLength
        case let .criticalNTK(p), let .diffusionNTK(p): return p.targetLength
        default: return nil
        }
    }
}
