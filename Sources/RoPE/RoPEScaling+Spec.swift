/// Canonical spec text: every parameter written out, so that a stored spec reproduces the exact
/// scaling without the command-line defaults it may have taken its lengths from.
extension RoPEScaling {
    /// `METHOD:key=value,...` with keys in `RoPESpec.allowedKeys` order; optional HF keys are
    /// written only when set. `RoPESpec.parse(canonicalSpec) == self`.
    public var canonicalSpec: String {
        func number(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
        }
        func list(_ values: [Double]) -> String { values.map(number).joined(separator: ";") }
        var items: [(String, String)] = []
        switch self {
        case .none: break
        case let .linear(factor), let .ntk(factor): items = [("factor", number(factor))]
        case let .dynamicNTK(p):
            items = [("factor", number(p.factor)), ("original-context", "\(p.originalContext)"),
                     ("sequence-length", "\(p.sequenceLength)")]
        case let .yarn(p):
            items = [("factor", number(p.factor)), ("original-context", "\(p.originalContext)"),
                     ("beta-fast", number(p.betaFast)), ("beta-slow", number(p.betaSlow))]
            if p.variant == .hf {
                items.append(("truncate", p.truncate ? "true" : "false"))
                if let m = p.mscale { items.append(("mscale", number(m))) }
                if let m = p.mscaleAllDim { items.append(("mscale-all-dim", number(m))) }
            }
            if let a = p.attentionFactor { items.append(("attention-factor", number(a))) }
            if p.variant == .llamacpp {
                items.append(("ext-factor", number(p.extrapolationFactor)))
                items.append(("variant", p.variant.rawValue))
            }
        case let .llama3(p):
            items = [("factor", number(p.factor)), ("low-freq-factor", number(p.lowFreqFactor)),
                     ("high-freq-factor", number(p.highFreqFactor)), ("original-context", "\(p.originalContext)")]
        case let .longrope(p):
            items = [("short-factor", list(p.shortFactor)), ("long-factor", list(p.longFactor)),
                     ("original-context", "\(p.originalContext)"), ("sequence-length", "\(p.sequenceLength)")]
            if let s = p.factor { items.append(("factor", number(s))) }
            if let a = p.attentionFactor { items.append(("attention-factor", number(a))) }
        case let .criticalNTK(p), let .diffusionNTK(p):
            items = [("train-length", "\(p.trainLength)"), ("target-length", "\(p.targetLength)"),
                     ("range-multiplier", number(p.rangeMultiplier)), ("round-up", p.roundUp ? "true" : "false")]
        case let .base(value): return "base=\(number(value))"
        }
        let body = items.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        return body.isEmpty ? method.rawValue : "\(method.rawValue):\(body)"
    }

    /// The scale factor s of methods that have one (linear, ntk, dynamic-ntk, yarn, llama3,
    /// longrope when given); the applied λ for critical-ntk/diffusion-ntk is in `RoPEFrequencies`.
    public var factor: Double? {
        switch self {
        case let .linear(f), let .ntk(f): return f
        case let .dynamicNTK(p): return p.factor
        case let .yarn(p): return p.factor
        case let .llama3(p): return p.factor
        case let .longrope(p): return p.factor
        case .none, .criticalNTK, .diffusionNTK, .base: return nil
        }
    }
}
