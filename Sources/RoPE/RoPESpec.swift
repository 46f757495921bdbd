import Foundation

/// Lengths that command flags (`--train-length`, `--target-length`) supply to a spec that omits them.
public struct RoPESpecDefaults: Equatable, Sendable {
    /// T_train, tokens: default for `original-context` and `train-length`.
    public var trainLength: Int?
    /// T_target, tokens: default for `target-length` and `sequence-length`.
    public var targetLength: Int?

    public init(trainLength: Int? = nil, targetLength: Int? = nil) {
        self.trainLength = trainLength
        self.targetLength = targetLength
    }
}

/// Parser for the one spec syntax used everywhere: `METHOD[:key=value,...]`, or `base=VALUE`.
///
/// Examples: `none`, `linear:factor=4`, `yarn:factor=4,original-context=4096`,
/// `diffusion-ntk:target-length=128k`, `base=500000`. Keys are kebab-case HF names. Lengths accept
/// a `k` (×1024) or `m` (×1024²) suffix. Lists (LongRoPE) separate values with `;`; one value
/// broadcasts to every pair. Booleans: true/false/1/0/yes/no.
public enum RoPESpec {
    /// Keys each method accepts, in canonical order.
    public static func allowedKeys(_ method: RoPEMethod) -> [String] {
        switch method {
        case .none: return []
        case .linear, .ntk: return ["factor"]
        case .dynamicNTK: return ["factor", "original-context", "sequence-length"]
        case .yarn:
            return ["factor", "original-context", "beta-fast", "beta-slow", "truncate", "mscale",
                    "mscale-all-dim", "attention-factor", "ext-factor", "variant"]
        case .llama3: return ["factor", "low-freq-factor", "high-freq-factor", "original-context"]
        case .longrope:
            return ["short-factor", "long-factor", "original-context", "sequence-length", "factor", "attention-factor"]
        case .criticalNTK, .diffusionNTK: return ["train-length", "target-length", "range-multiplier", "round-up"]
        case .base: return ["value"]
        }
    }

    /// Largest accepted length (spec keys and length flags), tokens: 2^40 (k/m suffixes included).
    public static let maximumLength = 1 << 40

    /// Allowed range of each numeric key, checked when the spec is parsed (before any geometry is
    /// known). Keys not listed (`value` of base=VALUE) are checked when frequencies are computed.
    /// Factors: 1e-3…1e6 (s < 1 compresses, s > 1 extends); ext-factor is llama.cpp's blend
    /// weight 0…1. beta-fast and beta-slow may come in either order, as HF and llama.cpp
    /// accept (the reference fixtures use both).
    public static func allowedRange(_ key: String) -> ClosedRange<Double>? {
        switch key {
        case "factor", "low-freq-factor", "high-freq-factor", "short-factor", "long-factor": return 1e-3...1e6
        case "beta-fast", "beta-slow": return 1e-3...1e6
        case "mscale", "mscale-all-dim": return 0...1e3
        case "attention-factor", "range-multiplier": return 1e-3...1e3
        case "ext-factor": return 0...1
        default: return nil
        }
    }

    /// Parses `text`, filling omitted lengths from `defaults`. Throws `RoPEError` naming the
    /// method, key and allowed values on any problem.
    public static func parse(_ text: String, defaults: RoPESpecDefaults = RoPESpecDefaults()) throws -> RoPEScaling {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw RoPEError.malformedSpec(spec: text, reason: "empty spec") }
        let methodName: String
        let body: String
        if trimmed.hasPrefix("base="), !trimmed.contains(":") {
            methodName = "base"
            body = "value=" + trimmed.dropFirst("base=".count)
        } else if let colon = trimmed.firstIndex(of: ":") {
            methodName = String(trimmed[..<colon])
            body = String(trimmed[trimmed.index(after: colon)...])
        } else {
            methodName = trimmed
            body = ""
        }
        guard let method = RoPEMethod(rawValue: methodName.lowercased()) else {
            throw RoPEError.unknownMethod(name: methodName, allowed: RoPEMethod.allCases.map(\.rawValue) + ["base=VALUE"])
        }
        var keys = SpecKeys(method: method, spec: text, defaults: defaults)
        try keys.read(body)
        return try keys.build()
    }
}

/// The key/value pairs of one spec, each checked against `RoPESpec.allowedKeys` when read.
struct SpecKeys {
    let method: RoPEMethod
    let spec: String
    let defaults: RoPESpecDefaults
    var values: [String: String] = [:]

    init(method: RoPEMethod, spec: String, defaults: RoPESpecDefaults) {
        self.method = method
        self.spec = spec
        self.defaults = defaults
    }

    mutating func read(_ body: String) throws {
        guard !body.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        for item in body.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else {
                throw RoPEError.malformedSpec(spec: spec, reason: "'\(item)' is not key=value")
            }
            let key = pair[0].trimmingCharacters(in: .whitespaces).lowercased()
            let value = pair[1].trimmingCharacters(in: .whitespaces)
            let allowed = RoPESpec.allowedKeys(method)
            guard allowed.contains(key) else {
                throw RoPEError.unknownKey(method: method.rawValue, key: key, allowed: allowed)
            }
            guard values[key] == nil else { throw RoPEError.duplicateKey(method: method.rawValue, key: key) }
            guard !value.isEmpty else {
                throw RoPEError.malformedSpec(spec: spec, reason: "key '\(key)' has an empty value")
            }
            values[key] = value
        }
    }

    func double(_ key: String) throws -> Double? {
        guard let text = values[key] else { return nil }
        guard let value = Double(text), value.isFinite else {
            let range = RoPESpec.allowedRange(key).map { " in \($0.lowerBound)...\($0.upperBound)" } ?? ""
            throw RoPEError.invalidParameter(name: "\(method.rawValue) \(key)", value: text, allowed: "a finite number" + range)
        }
        if let range = RoPESpec.allowedRange(key) { try Check.within(value, range, "\(method.rawValue) \(key)") }
        return value
    }

    func requiredDouble(_ key: String) throws -> Double {
        guard let value = try double(key) else {
            throw RoPEError.missingKey(method: method.rawValue, key: key, hint: "e.g. \(method.rawValue):\(key)=4")
        }
        return value
    }

    func length(_ key: String) throws -> Int? {
        guard let text = values[key] else { return nil }
        guard let value = parseLength(text), value > 0, value <= RoPESpec.maximumLength else {
            throw RoPEError.invalidParameter(
                name: "\(method.rawValue) \(key)", value: text,
                allowed: "a positive integer up to \(RoPESpec.maximumLength), optionally with k (×1024) or m (×1024²)")
        }
        return value
    }

    func requiredLength(_ key: String, fallback: Int?, flag: String) throws -> Int {
        if let value = try length(key) { return value }
        if let value = fallback { return value }
        throw RoPEError.missingKey(method: method.rawValue, key: key, hint: "give \(key)=N in the spec or \(flag) N")
    }

    func bool(_ key: String) throws -> Bool? {
        guard let text = values[key] else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default:
            throw RoPEError.invalidParameter(name: "\(method.rawValue) \(key)", value: text, allowed: "true, false, 1, 0, yes, no")
        }
    }

    func list(_ key: String) throws -> [Double]? {
        guard let text = values[key] else { return nil }
        return try text.split(separator: ";", omittingEmptySubsequences: false).map { item in
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            let range = RoPESpec.allowedRange(key) ?? 1e-3...1e6
            guard let value = Double(trimmed), value.isFinite, range.contains(value) else {
                throw RoPEError.invalidParameter(
                    name: "\(method.rawValue) \(key) entry", value: String(item),
                    allowed: "finite numbers in \(range.lowerBound)...\(range.upperBound) separated by ';'")
            }
            return value
        }
    }

    func build() throws -> RoPEScaling {
        let train = defaults.trainLength
        let target = defaults.targetLength
        switch method {
        case .none: return .none
        case .linear: return .linear(factor: try requiredDouble("factor"))
        case .ntk: return .ntk(factor: try requiredDouble("factor"))
        case .dynamicNTK:
            return .dynamicNTK(DynamicNTKParameters(
                factor: try requiredDouble("factor"),
                originalContext: try requiredLength("original-context", fallback: train, flag: "--train-length"),
                sequenceLength: try requiredLength("sequence-length", fallback: target, flag: "--target-length")))
        case .yarn:
            var p = YaRNParameters(
                factor: try requiredDouble("factor"),
                originalContext: try requiredLength("original-context", fallback: train, flag: "--train-length"))
            if let v = try double("beta-fast") { p.betaFast = v }
            if let v = try double("beta-slow") { p.betaSlow = v }
            if let v = try bool("truncate") { p.truncate = v }
            p.mscale = try double("mscale")
            p.mscaleAllDim = try double("mscale-all-dim")
            p.attentionFactor = try double("attention-factor")
            if let v = try double("ext-factor") { p.extrapolationFactor = v }
            if let text = values["variant"] {
                guard let variant = YaRNVariant(rawValue: text.lowercased()) else {
                    throw RoPEError.invalidParameter(
                        name: "yarn variant", value: text, allowed: YaRNVariant.allCases.map(\.rawValue).joined(separator: ", "))
                }
                p.variant = variant
            }
            if p.variant == .hf, values["ext-factor"] != nil {
                throw RoPEError.invalidParameter(name: "yarn ext-factor", value: values["ext-factor"] ?? "",
                                                 allowed: "only with variant=llamacpp (HF has no ext_factor)")
            }
            if p.variant == .llamacpp, values["mscale"] != nil || values["mscale-all-dim"] != nil || values["truncate"] != nil {
                throw RoPEError.invalidParameter(name: "yarn variant", value: "llamacpp",
                                                 allowed: "no mscale, mscale-all-dim or truncate keys (llama.cpp has none)")
            }
            return .yarn(p)
        case .llama3:
            let p = Llama3Parameters(
                factor: try requiredDouble("factor"),
                lowFreqFactor: try requiredDouble("low-freq-factor"),
                highFreqFactor: try requiredDouble("high-freq-factor"),
                originalContext: try requiredLength("original-context", fallback: train, flag: "--train-length"))
            guard p.highFreqFactor > p.lowFreqFactor else {
                throw RoPEError.invalidParameter(
                    name: "llama3 high-freq-factor", value: "\(p.highFreqFactor)",
                    allowed: "a number > low-freq-factor (\(p.lowFreqFactor))")
            }
            return .llama3(p)
        case .longrope:
            guard let short = try list("short-factor") else {
                throw RoPEError.missingKey(method: "longrope", key: "short-factor", hint: "values separated by ';', one per pair or one to broadcast")
            }
            guard let long = try list("long-factor") else {
                throw RoPEError.missingKey(method: "longrope", key: "long-factor", hint: "values separated by ';', one per pair or one to broadcast")
            }
            var p = LongRoPEParameters(
                shortFactor: short, longFactor: long,
                originalContext: try requiredLength("original-context", fallback: train, flag: "--train-length"),
                sequenceLength: try requiredLength("sequence-length", fallback: target, flag: "--target-length"))
            p.factor = try double("factor")
            p.attentionFactor = try double("attention-factor")
            return .longrope(p)
        case .criticalNTK, .diffusionNTK:
            let p = CriticalNTKParameters(
                trainLength: try requiredLength("train-length", fallback: train, flag: "--train-length"),
                targetLength: try requiredLength("target-length", fallback: target, flag: "--target-length"),
                rangeMultiplier: try double("range-multiplier") ?? (method == .diffusionNTK ? 2 : 1),
                roundUp: try bool("round-up") ?? false)
            return method == .diffusionNTK ? .diffusionNTK(p) : .criticalNTK(p)
        case .base:
            return .base(try requiredDouble("value"))
        }
    }
}

/// Parses "4096", "8k", "128K", "1m" (k = 1024, m = 1024²). Nil when malformed or overflowing.
/// A leading sign is part of the number ("-5" → −5), so callers range-check the result.
public func parseLength(_ text: String) -> Int? {
    let lower = text.lowercased()
    var multiplier = 1
    var digits = Substring(lower)
    if lower.hasSuffix("k") { multiplier = 1024; digits = digits.dropLast() }
    else if lower.hasSuffix("m") { multiplier = 1024 * 1024; digits = digits.dropLast() }
    guard let value = Int(digits) else { return nil }
    let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
    return overflow ? nil : product
}
