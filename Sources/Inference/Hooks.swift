import Foundation

/// Activation hook points, named exactly as TransformerLens (`blocks.{i}.attn.hook_pattern`),
/// each declared once with its dimension names, long name and units.
///
/// Dimension names: `position` (window position 0…L−1), `d_model`, `head`, `kv_head` (key/value
/// heads under GQA, a separate dimension because its size differs), `d_head`, `query_position`,
/// `key_position`, `d_mlp`, `vocab`. Values are float32, row-major in the listed dimension order.
public enum HookPoint: String, CaseIterable, Sendable {
    /// `hook_embed`
    case embed = "hook_embed"
    /// `blocks.{i}.hook_resid_pre`
    case residualPre = "blocks.{i}.hook_resid_pre"
    /// `blocks.{i}.ln1.hook_normalized`
    case attentionNormalized = "blocks.{i}.ln1.hook_normalized"
    /// `blocks.{i}.attn.hook_q`
    case query = "blocks.{i}.attn.hook_q"
    /// `blocks.{i}.attn.hook_k`
    case key = "blocks.{i}.attn.hook_k"
    /// `blocks.{i}.attn.hook_v`
    case value = "blocks.{i}.attn.hook_v"
    /// `blocks.{i}.attn.hook_rot_q`
    case rotatedQuery = "blocks.{i}.attn.hook_rot_q"
    /// `blocks.{i}.attn.hook_rot_k`
    case rotatedKey = "blocks.{i}.attn.hook_rot_k"
    /// `blocks.{i}.attn.hook_attn_scores`
    case attentionScores = "blocks.{i}.attn.hook_attn_scores"
    /// `blocks.{i}.attn.hook_pattern`
    case pattern = "blocks.{i}.attn.hook_pattern"
    /// `blocks.{i}.attn.hook_z`
    case z = "blocks.{i}.attn.hook_z"
    /// `blocks.{i}.hook_attn_out`
    case attentionOut = "blocks.{i}.hook_attn_out"
    /// `blocks.{i}.hook_resid_mid`
    case residualMid = "blocks.{i}.hook_resid_mid"
    /// `blocks.{i}.ln2.hook_normalized`
    case mlpNormalized = "blocks.{i}.ln2.hook_normalized"
    /// `blocks.{i}.mlp.hook_pre`
    case mlpPre = "blocks.{i}.mlp.hook_pre"
    /// `blocks.{i}.mlp.hook_pre_linear`
    case mlpPreLinear = "blocks.{i}.mlp.hook_pre_linear"
    /// `blocks.{i}.mlp.hook_post`
    case mlpPost = "blocks.{i}.mlp.hook_post"
    /// `blocks.{i}.hook_mlp_out`
    case mlpOut = "blocks.{i}.hook_mlp_out"
    /// `blocks.{i}.hook_resid_post`
    case residualPost = "blocks.{i}.hook_resid_post"
    /// `ln_final.hook_normalized`
    case finalNormalized = "ln_final.hook_normalized"
    /// `hook_logits`
    case logits = "hook_logits"

    /// True for hooks inside a block (`blocks.{i}.…`).
    public var isPerLayer: Bool { rawValue.hasPrefix("blocks.") }

    /// The concrete name, e.g. `blocks.3.attn.hook_pattern` (layer ignored for global hooks).
    public func name(layer: Int) -> String {
        rawValue.replacingOccurrences(of: "{i}", with: "\(layer)")
    }

    /// Dimension of `hook_attn_scores`/`hook_pattern` when `HookSelection.heads` restricts the
    /// heads; its coordinate holds the selected model head indices.
    public static let selectedHeadDimension = "head_sel"
    /// Dimension of the query rows when `HookSelection.queryPositions` restricts them.
    public static let selectedQueryDimension = "query_sel"
    /// Dimension of the key columns when `HookSelection.keyPositions` restricts them.
    public static let selectedKeyDimension = "key_sel"

    /// Dimension names in storage order for an unrestricted capture (a restricted
    /// `hook_attn_scores`/`hook_pattern` uses `head_sel`, `query_sel`, `key_sel` instead).
    public var dimensionNames: [String] {
        switch self {
        case .embed, .residualPre, .attentionNormalized, .attentionOut, .residualMid, .mlpNormalized,
             .mlpOut, .residualPost, .finalNormalized:
            return ["position", "d_model"]
        case .query, .rotatedQuery, .z: return ["position", "head", "d_head"]
        case .key, .value, .rotatedKey: return ["position", "kv_head", "d_head"]
        case .attentionScores, .pattern: return ["head", "query_position", "key_position"]
        case .mlpPre, .mlpPreLinear, .mlpPost: return ["position", "d_mlp"]
        case .logits: return ["position", "vocab"]
        }
    }

    /// Human-readable description (netCDF `long_name`).
    public var longName: String {
        switch self {
        case .embed: return "token embedding"
        case .residualPre: return "residual stream entering the block"
        case .attentionNormalized: return "RMS-normalised residual before attention (times attn_norm gain)"
        case .query: return "queries before RoPE"
        case .key: return "keys before RoPE"
        case .value: return "values"
        case .rotatedQuery: return "queries after RoPE (cos and sin times the attention factor)"
        case .rotatedKey: return "keys after RoPE (cos and sin times the attention factor)"
        case .attentionScores: return "attention scores q·k/sqrt(d_head) before softmax, masked = -inf"
        case .pattern: return "attention probabilities (softmax over key positions)"
        case .z: return "per-head attention output before the output projection"
        case .attentionOut: return "attention block output (after attn_output)"
        case .residualMid: return "residual stream after attention"
        case .mlpNormalized: return "RMS-normalised residual before the MLP (times ffn_norm gain)"
        case .mlpPre: return "MLP gate pre-activation (ffn_gate)"
        case .mlpPreLinear: return "MLP linear branch (ffn_up)"
        case .mlpPost: return "MLP hidden activation silu(gate)*up"
        case .mlpOut: return "MLP output (after ffn_down)"
        case .residualPost: return "residual stream leaving the block"
        case .finalNormalized: return "final RMS-normalised residual (times output_norm gain)"
        case .logits: return "next-token logits (unnormalised log-probabilities)"
        }
    }

    /// Units (netCDF `units`): activations are in model units ("1"); scores and logits in nats.
    public var units: String {
        switch self {
        case .attentionScores, .logits: return "nat"
        case .pattern: return "probability"
        default: return "1"
        }
    }
}

/// One captured activation as produced by the forward pass.
public struct HookTensor: Sendable {
    /// Concrete hook name, e.g. `blocks.1.attn.hook_pattern`.
    public let name: String
    /// The declared hook point.
    public let point: HookPoint
    /// Block index for per-layer hooks, nil for global ones.
    public let layer: Int?
    /// `point.dimensionNames`, with restricted axes renamed (`head_sel`, `query_sel`, `key_sel`).
    public let dimensionNames: [String]
    /// Size of each dimension; `values.count` is their product.
    public let shape: [Int]
    /// Row-major float32 values.
    public let values: [Float]
    /// Model index of each entry along a dimension (`head_sel`: the selected heads; `query_sel`,
    /// `key_sel`: the selected window positions; full axes may list 0…n−1 too). Dimensions
    /// absent here are complete (0…n−1).
    public let coordinates: [String: [Int]]
}

/// Receives hook tensors synchronously, on the calling thread, in forward order.
public protocol HookSink: AnyObject {
    /// Called once per selected hook (and layer) as soon as the activation exists.
    func receive(_ tensor: HookTensor)
}

/// A sink that keeps every tensor in memory, keyed by concrete hook name.
public final class HookRecorder: HookSink {
    /// Captured tensors by name.
    public private(set) var tensors: [String: HookTensor] = [:]
    /// Names in the order they were received.
    public private(set) var order: [String] = []

    /// An empty recorder.
    public init() {}

    /// Stores `tensor` under its name (a later tensor of the same name replaces it).
    public func receive(_ tensor: HookTensor) {
        if tensors[tensor.name] == nil { order.append(tensor.name) }
        tensors[tensor.name] = tensor
    }

    /// The tensor with this concrete name, if captured.
    public subscript(name: String) -> HookTensor? { tensors[name] }
}
