import GGUF
import RoPE

/// The RoPE scaling a llama/llada GGUF declares, read strictly: every key that changes the
/// frequencies is either honoured or refused with an error naming it, never ignored.
///
/// Keys (llama.cpp `llama_model::load_hparams`, `llama_context` and ggml `rope_yarn`, with
/// θ_i = b^(−2i/d) and s the factor):
/// ```
/// {arch}.rope.scaling.type           none | linear | yarn     (absent: linear when a factor is
///                                    given, else none — llama.cpp's default "linear" with s = 1)
/// {arch}.rope.scaling.factor         s, float > 0 (legacy key {arch}.rope.scale_linear)
/// {arch}.rope.scaling.attn_factor    m, float > 0: cos/sin magnitude (llama.cpp multiplies
///                                    yarn_attn_factor by it for every type)
/// {arch}.rope.scaling.original_context_length   yarn L_orig (default {arch}.context_length)
/// {arch}.rope.scaling.yarn_beta_fast / yarn_beta_slow (32 / 1), yarn_ext_factor (1, in 0…1),
/// yarn_attn_factor (1)               yarn only
/// rope_freqs.weight (tensor)         per-pair divisors f_i, [d/2]: θ'_i = θ_i/(s·f_i)
/// ```
/// none/linear give `.none`/`.linear(s)`; with `rope_freqs.weight` or a magnitude m ≠ 1 they give
/// `.longrope` with per-pair factors s·f_i and attention factor m (the same θ'_i and magnitude
/// ggml computes with ext_factor 0). yarn gives the llama.cpp YaRN variant with
/// attention-factor = yarn_attn_factor·attn_factor. Refused: `longrope` (needs the
/// rope_factors_long/short tensors and the runtime context), unknown types, yarn with
/// `rope_freqs.weight`, yarn_* keys with another type, and `yarn_log_multiplier`.
///
/// A `--rope` spec given by the user replaces the declared scaling, `rope_freqs.weight` included.
extension LlamaGGUFLoader {
    /// Scaling types `declaredScaling` reads.
    public static let supportedScalingTypes = ["none", "linear", "yarn"]

    /// The RoPE scaling `file` declares (see the extension's documentation), or `.none`. Throws
    /// `InferenceError.invalidMetadata` naming the key and the allowed values for a malformed,
    /// unsupported or contradictory declaration.
    public static func declaredScaling(_ file: GGUFFile) throws -> RoPEScaling {
        let scaling = try readDeclaredScaling(file)
        guard scaling != .none else { return scaling }
        // The declared values must give usable frequencies for this file's geometry (e.g. a linear
        // factor of 5e-324 divides θ into infinity): a data error in the file, named here.
        let geometry = try configuration(file).rotaryGeometry()
        let key = (file.metadata["general.architecture"]?.string ?? "{arch}") + ".rope.scaling.*"
        let frequencies: RoPEFrequencies
        do { frequencies = try scaling.frequencies(for: geometry) } catch let error as RoPEError {
            throw InferenceError.invalidMetadata(key: key, reason: "declared \(scaling.canonicalSpec): \(error)")
        }
        guard frequencies.inverseFrequency.allSatisfy({ $0.isFinite && $0 > 0 }),
              frequencies.attentionFactor.isFinite, frequencies.attentionFactor > 0 else {
            throw InferenceError.invalidMetadata(
                key: key, reason: "the declared scaling \(scaling.canonicalSpec) gives non-finite or non-positive "
                    + "inverse frequencies or magnitude: allowed factors giving finite θ' > 0")
        }
        return scaling
    }

    static func readDeclaredScaling(_ file: GGUFFile) throws -> RoPEScaling {
        let metadata = file.metadata
        let architecture = try DeclaredKeys.string(metadata, "general.architecture", allowed: "the architecture name")
        let keys = DeclaredKeys(metadata: metadata, prefix: "\(architecture).rope.")
        let declaredType = try keys.string("scaling.type")
        let factorKey = keys.present("scaling.factor") ? "scaling.factor" : keys.present("scale_linear") ? "scale_linear" : nil
        let factor = try factorKey.map { try keys.positive($0) }
        let magnitude = try keys.optionalPositive("scaling.attn_factor")
        let yarnKeys = ["scaling.yarn_beta_fast", "scaling.yarn_beta_slow", "scaling.yarn_ext_factor", "scaling.yarn_attn_factor",
                        "scaling.yarn_log_multiplier"]
        // Read for yarn; for none/linear it changes nothing (llama.cpp too) but must still be valid.
        let declaredOriginal = try keys.present("scaling.original_context_length")
            ? keys.integer("scaling.original_context_length", in: 1...(1 << 30)) : nil
        let type = declaredType ?? (factor == nil ? "none" : "linear")
        let frequencyDivisors = try declaredFrequencyDivisors(file)

        switch type {
        case "none", "linear":
            if let stray = yarnKeys.first(where: keys.present) {
                throw keys.error(stray, "is a YaRN key but rope.scaling.type is '\(type)': allowed only with type yarn")
            }
            let s = type == "linear" ? factor ?? 1 : 1
            guard frequencyDivisors != nil || (magnitude ?? 1) != 1 else { return s == 1 ? .none : .linear(factor: s) }
            let divisors = (frequencyDivisors ?? [1]).map { $0 * s }
            let context = try keys.context(metadata, architecture: architecture)
            var p = LongRoPEParameters(shortFactor: divisors, longFactor: divisors, originalContext: context, sequenceLength: context)
            p.attentionFactor = magnitude ?? 1
            return .longrope(p)
        case "yarn":
            guard let factor else {
                throw keys.error("scaling.factor", "is missing: allowed a float > 0 (required when rope.scaling.type is yarn)")
            }
            if frequencyDivisors != nil {
                throw InferenceError.invalidMetadata(
                    key: frequencyFactorsTensor,
                    reason: "per-pair frequency divisors together with yarn scaling are not supported: allowed with type none or linear")
            }
            if keys.present("scaling.yarn_log_multiplier") {
                throw keys.error("scaling.yarn_log_multiplier", "is not supported (DeepSeek-style magnitude): allowed absent")
            }
            let original = try declaredOriginal ?? keys.context(metadata, architecture: architecture)
            var p = YaRNParameters(factor: factor, originalContext: original)
            p.variant = .llamacpp
            if let beta = try keys.optionalPositive("scaling.yarn_beta_fast") { p.betaFast = beta }
            if let beta = try keys.optionalPositive("scaling.yarn_beta_slow") { p.betaSlow = beta }
            if let ext = try keys.optionalFloat("scaling.yarn_ext_factor", allowed: "a float in 0...1") {
                guard (0...1).contains(ext) else { throw keys.error("scaling.yarn_ext_factor", "\(ext): allowed a float in 0...1") }
                p.extrapolationFactor = ext
            }
            let yarnMagnitude = try keys.optionalPositive("scaling.yarn_attn_factor")
            if yarnMagnitude != nil || magnitude != nil { p.attentionFactor = (yarnMagnitude ?? 1) * (magnitude ?? 1) }
            return .yarn(p)
        case "longrope":
            throw keys.error("scaling.type", "'longrope' is not supported from GGUF metadata (it needs the rope_factors_long/short "
                + "tensors): allowed \(supportedScalingTypes.joined(separator: ", ")); give the factors with --rope longrope:...")
        default:
            throw keys.error("scaling.type", "'\(type)' is not a known scaling type: allowed \(supportedScalingTypes.joined(separator: ", "))")
        }
    }

    /// The values of `rope_freqs.weight` (shape [rotaryDimension/2], finite, > 0), or nil when the
    /// file has no such tensor.
    static func declaredFrequencyDivisors(_ file: GGUFFile) throws -> [Double]? {
        guard file.containsTensor(named: frequencyFactorsTensor) else { return nil }
        let info = try tensorInfo(file, frequencyFactorsTensor)
        let pairs = try configuration(file).rotaryDimension / 2
        guard info.dimensions == [pairs] else {
            throw InferenceError.tensorDimensionsMismatch(name: frequencyFactorsTensor, found: info.dimensions, expected: [pairs])
        }
        let values: [Float]
        do { values = try file.dequantize(info) } catch let error as GGUFError {
            throw InferenceError.tensorUnreadable(name: frequencyFactorsTensor, reason: "\(error)")
        }
        if let index = values.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
            throw InferenceError.invalidMetadata(
                key: frequencyFactorsTensor, reason: "entry \(index) is \(values[index]): allowed finite numbers > 0")
        }
        return values.map(Double.init)
    }
}

/// Typed, range-checked reads of optional `{arch}.rope.*` keys, each throwing
/// `InferenceError.invalidMetadata` naming the key, the value or type found and what is allowed.
private struct DeclaredKeys {
    let metadata: GGUFMetadata
    let prefix: String

    func present(_ suffix: String) -> Bool { metadata[prefix + suffix] != nil }

    func error(_ suffix: String, _ reason: String) -> InferenceError {
        .invalidMetadata(key: prefix + suffix, reason: reason)
    }

    static func string(_ metadata: GGUFMetadata, _ key: String, allowed: String) throws -> String {
        guard let value = metadata[key] else { throw InferenceError.invalidMetadata(key: key, reason: "is missing: allowed \(allowed)") }
        guard let string = value.string else {
            throw InferenceError.invalidMetadata(key: key, reason: "has type \(value.typeDescription): allowed a string, \(allowed)")
        }
        return string
    }

    /// A string key, or nil when absent.
    func string(_ suffix: String) throws -> String? {
        guard present(suffix) else { return nil }
        return try Self.string(metadata, prefix + suffix, allowed: LlamaGGUFLoader.supportedScalingTypes.joined(separator: ", "))
    }

    /// A float32/float64 key, or nil when absent; NaN and ±inf are refused (`allowed` says what is).
    func optionalFloat(_ suffix: String, allowed: String = "a finite number") throws -> Double? {
        guard let value = metadata[prefix + suffix] else { return nil }
        guard let number = value.double else {
            throw error(suffix, "has type \(value.typeDescription): allowed a float32 or float64, \(allowed)")
        }
        guard number.isFinite else { throw error(suffix, "\(number): allowed \(allowed)") }
        return number
    }

    /// A float key that must be finite and > 0, or nil when absent.
    func optionalPositive(_ suffix: String) throws -> Double? {
        let allowed = "a finite number > 0"
        guard let number = try optionalFloat(suffix, allowed: allowed) else { return nil }
        guard number > 0 else { throw error(suffix, "\(number): allowed \(allowed)") }
        return number
    }

    /// A float key that must be present, finite and > 0.
    func positive(_ suffix: String) throws -> Double {
        guard let number = try optionalPositive(suffix) else { throw error(suffix, "is missing: allowed a finite number > 0") }
        return number
    }

    /// An integer key in `range`.
    func integer(_ suffix: String, in range: ClosedRange<Int>) throws -> Int {
        guard let value = metadata[prefix + suffix] else { throw error(suffix, "is missing: allowed an integer in \(range)") }
        guard let number = value.int else {
            throw error(suffix, "\(value) (\(value.typeDescription)): allowed an integer in \(range)")
        }
        guard range.contains(number) else { throw error(suffix, "\(number): allowed an integer in \(range)") }
        return number
    }

    /// `{arch}.context_length`, the default original context.
    func context(_ metadata: GGUFMetadata, architecture: String) throws -> Int {
        try DeclaredKeys(metadata: metadata, prefix: "\(architecture).").integer("context_length", in: 1...(1 << 30))
    }
}
