import Inference
import RoPE

/// Finds where a forward pass first produced NaN or ±infinity, by re-running one window with
/// the block-level hooks captured in forward order and checking each as it arrives.
///
/// Checked, in order: `hook_embed`; per block `ln1.hook_normalized`, `attn.hook_q/k/v`,
/// `attn.hook_z`, `hook_attn_out`, `hook_resid_mid`, `ln2.hook_normalized`, `mlp.hook_post`,
/// `hook_mlp_out`, `hook_resid_post`; `ln_final.hook_normalized`. No L×L or L×V hook is taken,
/// so the re-run needs at most a few [L, d_mlp] copies. If every activation is finite, the
/// output head (logits or their logsumexp) is named.
final class NonFiniteLocator: HookSink {
    static let hooks = [
        "hook_embed", "blocks.*.ln1.hook_normalized", "blocks.*.attn.hook_q", "blocks.*.attn.hook_k",
        "blocks.*.attn.hook_v", "blocks.*.attn.hook_z", "blocks.*.hook_attn_out", "blocks.*.hook_resid_mid",
        "blocks.*.ln2.hook_normalized", "blocks.*.mlp.hook_post", "blocks.*.hook_mlp_out", "blocks.*.hook_resid_post",
        "ln_final.hook_normalized",
    ]

    /// The first hook whose values were not all finite, with the flat index of the first bad value.
    private(set) var first: (name: String, index: Int, value: Float)?

    func receive(_ tensor: HookTensor) {
        guard first == nil, let index = tensor.values.firstIndex(where: { !$0.isFinite }) else { return }
        first = (tensor.name, index, tensor.values[index])
    }

    /// A phrase such as `first non-finite activation blocks.0.attn.hook_q (value nan at flat index 12)`.
    static func locate(model: LlamaModel, tokens: [Int32], mask: AttentionMask, frequencies: RoPEFrequencies,
                       window: Int) -> String {
        let locator = NonFiniteLocator()
        do {
            _ = try model.forward(tokens: tokens, mask: mask, frequencies: frequencies, logits: .none,
                                  hooks: HookSelection(hooks), sink: locator)
        } catch {
            return "the diagnostic re-run of window \(window) failed: \(error)"
        }
        var weights = ""
        do { try model.weights.checkFinite() } catch { weights = "; \(error)" }
        guard let first = locator.first else {
            return "every block activation is finite, so it arose in the output head (logits or their logsumexp)"
                + weights
        }
        return "first non-finite activation \(first.name) (value \(first.value) at flat index \(first.index))" + weights
    }
}
