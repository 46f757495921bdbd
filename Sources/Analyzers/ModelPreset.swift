import RoPE

/// Published RoPE geometries, so a user can write `--preset llada-8b` instead of three flags.
/// Values are from each model's config.json (HF) or GGUF metadata.
public enum ModelPreset: String, CaseIterable, Sendable, Codable {
    /// SmolLM2-135M(-Instruct): head dim 64, rope_theta 100000, context 8192.
    case smollm2_135m = "smollm2-135m"
    /// LLaMA-2 7B: head dim 128, rope_theta 10000, context 4096.
    case llama2_7b = "llama2-7b"
    /// Llama 3.1 8B: head dim 128, rope_theta 500000, original context 8192.
    case llama3_8b = "llama3-8b"
    /// LLaDA-8B: head dim 128, rope_theta 500000, context 4096, bidirectional.
    case llada_8b = "llada-8b"

    /// Rotary dimension d.
    public var rotaryDimension: Int { self == .smollm2_135m ? 64 : 128 }

    /// RoPE base b.
    public var base: Double {
        switch self {
        case .smollm2_135m: return 100000
        case .llama2_7b: return 10000
        case .llama3_8b, .llada_8b: return 500000
        }
    }

    /// Pretraining context T_train, tokens.
    public var trainLength: Int {
        switch self {
        case .smollm2_135m, .llama3_8b: return 8192
        case .llama2_7b, .llada_8b: return 4096
        }
    }

    /// The attention regime the model was trained with.
    public var regime: RelativeDistanceRegime { self == .llada_8b ? .bidirectional : .causal }
}
