import GGUF

/// `{arch}.*` metadata keys that llama.cpp reads for llama/llada and that would change the model
/// this engine computes: each is honoured elsewhere or refused here, never ignored.
extension LlamaGGUFLoader {
    /// The `{arch}.rope.*` keys read (by `configuration` and `declaredScaling`); any other
    /// `{arch}.rope.*` key (e.g. `rope.scaling.alpha`, `rope.dimension_sections`) is refused.
    public static let knownRotaryKeySuffixes: Set<String> = [
        "rope.freq_base", "rope.dimension_count", "rope.scale_linear", "rope.scaling.type", "rope.scaling.factor",
        "rope.scaling.attn_factor", "rope.scaling.original_context_length", "rope.scaling.finetuned",
        "rope.scaling.yarn_beta_fast", "rope.scaling.yarn_beta_slow", "rope.scaling.yarn_ext_factor",
        "rope.scaling.yarn_attn_factor", "rope.scaling.yarn_log_multiplier",
    ]

    /// Throws `InferenceError.invalidMetadata` for a key that changes llama.cpp's result but not
    /// this engine's: an unknown `{arch}.rope.*` key, `attention.scale` ≠ 0 (llama.cpp's
    /// q·k scale instead of 1/√d_head), `attention.value_length` ≠ the head dimension, or
    /// `expert_count` > 0 (mixture of experts).
    static func checkUnsupportedKeys(_ metadata: GGUFMetadata, architecture: String, headDimension: Int) throws {
        let prefix = architecture + "."
        for entry in metadata.entries where entry.key.hasPrefix(prefix + "rope.") {
            let suffix = String(entry.key.dropFirst(prefix.count))
            guard knownRotaryKeySuffixes.contains(suffix) else {
                throw InferenceError.invalidMetadata(
                    key: entry.key, reason: "is not supported (it would change the rotary embedding): allowed "
                        + knownRotaryKeySuffixes.sorted().map { prefix + $0 }.joined(separator: ", "))
            }
        }
        if let scale = metadata[prefix + "attention.scale"], scale.double != 0 {
            throw InferenceError.invalidMetadata(
                key: prefix + "attention.scale", reason: "\(scale) is not supported: allowed 0 or absent (scores use 1/√d_head)")
        }
        if let value = metadata[prefix + "attention.value_length"], value.int != headDimension {
            throw InferenceError.invalidMetadata(
                key: prefix + "attention.value_length", reason: "\(value): allowed \(headDimension) (the key length) or absent")
        }
        if let experts = metadata[prefix + "expert_count"], experts.int != 0 {
            throw InferenceError.invalidMetadata(
                key: prefix + "expert_count", reason: "\(experts): mixture-of-experts models are not supported: allowed 0 or absent")
        }
    }

    /// Whether attention is causal: `{arch}.attention.causal` (default true) for llama/qwen2. For
    /// llada/dream llama.cpp sets `causal_attn = false` whatever the file says, so a declared
    /// `true` contradicts the architecture and is refused (`InferenceError.invalidMetadata`).
    static func causalAttention(_ metadata: GGUFMetadata, architecture: LlamaArchitecture) throws -> Bool {
        let key = "\(architecture.rawValue).attention.causal"
        guard let value = metadata[key] else { return architecture.defaultAttention == .causal }
        guard let flag = value.bool else {
            throw InferenceError.invalidMetadata(key: key, reason: "\(value) (\(value.typeDescription)): allowed a bool")
        }
        if !architecture.readsCausalKey && flag {
            throw InferenceError.invalidMetadata(
                key: key, reason: "true: architecture \(architecture.rawValue) is a masked-diffusion model with bidirectional attention (llama.cpp ignores the key): allowed false or absent")
        }
        return flag
    }
}
