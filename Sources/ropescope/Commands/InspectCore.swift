import GGUF
import Inference
import Probes

/// What the inference core will do with a GGUF: the `core` object of `inspect --json`.
///
/// Runs the loader's checks that read no tensor data (`LlamaGGUFLoader.configuration`,
/// `checkTensorShapes`, `declaredScaling`, which reads only the small `rope_freqs.weight`); a file
/// they refuse gets `loadable: false` and the refusal, never an exit status of its own (inspect
/// also describes files the core cannot run, e.g. vocabulary-only ones).
struct InspectCore: Encodable {
    /// Bytes at one context length: float32 weights and KV cache (`LlamaMemoryEstimate`), the
    /// buffers of one window (`ForwardMemory`, the estimate the probes check before running), and
    /// the weights `--weights quantized` keeps resident (`LlamaGGUFLoader.quantizedResidentBytes`).
    struct Memory: Encodable {
        var contextLength: Int
        var weightBytes: Int
        var activationBytes: Int
        var scoringBytes: Int
        var keyValueCacheBytes: Int
        var quantizedWeightBytes: Int
        var quantizedScoringBytes: Int
    }

    var loadable: Bool
    /// The loader's error when `loadable` is false.
    @EncodeNull var refusal: String?
    /// `llama`, `qwen2`, `llada` or `dream` when loadable.
    @EncodeNull var architecture: String?
    /// `causal` or `bidirectional`: attention when no `--attention` is given.
    @EncodeNull var attention: String?
    /// `adjacent` (ggml NORM) or `split-halves` (ggml NEOX).
    @EncodeNull var ropePairing: String?
    /// llama.cpp's name of the pairing: `NORM` or `NEOX`.
    @EncodeNull var ggmlRopeType: String?
    /// True when blocks add `attn_{q,k,v}.bias`.
    @EncodeNull var queryKeyValueBias: Bool?
    /// The declared RoPE scaling as a `--rope` spec (`none` when nothing is declared).
    @EncodeNull var ropeScaling: String?
    /// Default `probe perplexity` estimator: `chain-rule` (causal) or `masked-diffusion`.
    @EncodeNull var estimator: String?
    /// Mask token id from `tokenizer.ggml.mask_token_id` (nil when absent).
    @EncodeNull var maskTokenID: Int?
    /// Where the mask token comes from, or what to do when it is needed and absent.
    var maskToken: String
    /// `diffusion.shift_logits` (default true only for dream).
    @EncodeNull var shiftLogits: Bool?
    @EncodeNull var memory: Memory?

    /// `contextLength` nil: the model's trained context length.
    init(_ file: GGUFFile, contextLength: Int?) {
        let diffusion = try? DiffusionMetadata(file: file)
        let declaredMask = diffusion?.maskTokenID.map(Int.init)
        maskTokenID = declaredMask
        shiftLogits = diffusion?.shiftLogits
        do {
            let c = try LlamaGGUFLoader.configuration(file)
            try LlamaGGUFLoader.checkTensorShapes(file, configuration: c)
            let scaling = try LlamaGGUFLoader.declaredScaling(file)
            loadable = true
            architecture = c.architecture.rawValue
            attention = c.defaultAttention.rawValue
            ropePairing = c.pairing.rawValue
            ggmlRopeType = c.pairing == .adjacent ? "NORM" : "NEOX"
            queryKeyValueBias = c.hasQueryKeyValueBias
            ropeScaling = scaling.canonicalSpec
            let defaultEstimator = GridEstimator.defaultFor(c.defaultAttention)
            estimator = defaultEstimator.rawValue
            let length = contextLength ?? c.trainedContextLength
            let estimate = LlamaMemoryEstimate(configuration: c, contextLength: length)
            let activations = ForwardMemory.estimate(c, contextLength: length)
            let quantized = try LlamaGGUFLoader.quantizedResidentBytes(file, configuration: c)
            memory = Memory(contextLength: length, weightBytes: estimate.weightBytes, activationBytes: activations,
                            scoringBytes: estimate.weightBytes.addingReportingOverflow(activations).partialValue,
                            keyValueCacheBytes: estimate.keyValueCacheBytes, quantizedWeightBytes: quantized,
                            quantizedScoringBytes: quantized.addingReportingOverflow(activations).partialValue)
            if declaredMask != nil {
                maskToken = "from \(DiffusionMetadata.maskTokenKey)"
            } else {
                maskToken = defaultEstimator == .chainRule ? "not needed (chain rule)" : "absent: give --mask-token-id"
            }
        } catch {
            loadable = false
            refusal = "\(error)"
            maskToken = declaredMask == nil ? "absent" : "from \(DiffusionMetadata.maskTokenKey)"
        }
    }

    /// Human-readable lines for the text report.
    var lines: [String] {
        guard loadable, let architecture, let attention, let ropePairing, let ggmlRopeType, let estimator, let memory else {
            return ["core: refused: \(refusal ?? "?")"]
        }
        let bias = queryKeyValueBias == true ? ", q/k/v biases" : ""
        func gib(_ bytes: Int) -> String {
            let mib = Double(bytes) / 1_048_576
            return mib < 1024 ? String(format: "%.1f MiB", mib) : String(format: "%.2f GiB", mib / 1024)
        }
        return [
            "core: \(architecture): \(attention) attention, RoPE pairs \(ropePairing) (ggml \(ggmlRopeType))\(bias), "
                + "declared scaling \(ropeScaling ?? "none")",
            "estimator default \(estimator); mask token \(maskTokenID.map(String.init) ?? "-") (\(maskToken)); "
                + "logits shifted \(shiftLogits.map { $0 ? "yes" : "no" } ?? "-")",
            "memory at L = \(memory.contextLength): weights \(gib(memory.weightBytes)) (float32) + activations "
                + "\(gib(memory.activationBytes)) = \(gib(memory.scoringBytes)) to score; KV cache \(gib(memory.keyValueCacheBytes)) to generate",
            "with --weights quantized: weights \(gib(memory.quantizedWeightBytes)) (as encoded, memory-mapped) + activations = "
                + "\(gib(memory.quantizedScoringBytes)) to score",
        ]
    }
}
