import Foundation
import GGUF
import Inference
import RoPE
import Tokenizers

/// Everything a probe needs about one model, loaded once and shared by `score` and every probe:
/// the GGUF file, its tokenizer, the float32 model, the RoPE scaling the GGUF declares, spec
/// resolution with defaults from the GGUF, the default attention direction and the thread count.
///
/// Spec defaults: `original-context` / `train-length` default to the GGUF's trained context
/// (`{arch}.context_length`, tokens) and `target-length` / `sequence-length` to the window length
/// a probe runs at, so `yarn:factor=4`, `dynamic-ntk`, `critical-ntk` and `diffusion-ntk` need no
/// extra keys on a GGUF model.
public struct ProbeContext: Sendable {
    /// The model path as given (messages and provenance).
    public let modelPath: String
    /// The parsed GGUF.
    public let file: GGUFFile
    /// The GGUF's byte-level BPE tokenizer.
    public let tokenizer: BPETokenizer
    /// The dequantised model.
    public let model: LlamaModel
    /// The RoPE scaling the GGUF declares (`{arch}.rope.scaling.*`), `.none` when it declares none.
    public let declaredScaling: RoPEScaling
    /// OpenBLAS threads the caller asked for (nil = all cores); the process-wide setting itself is
    /// made once by the CLI's entry point, not here.
    public let threads: Int?

    /// Builds the tokenizer and the model from an opened GGUF. Throws `ProbeError.invalidModel`
    /// (tokenizer or weights unusable, including a NaN or ±inf weight, named by tensor and index) or `.invalidModelMetadata` (a declared scaling the engine
    /// cannot apply), each naming the file and, where there is one, the metadata key.
    ///
    /// `weights` chooses how the model holds its matrices: `.float32` (default) dequantises them
    /// at load, `.quantized` keeps them in their GGUF encoding (memory-mapped, widened per tile).
    public init(file: GGUFFile, path: String, threads: Int? = nil, weights: WeightStorage = .float32) throws {
        modelPath = path
        self.file = file
        self.threads = threads
        do {
            tokenizer = try BPETokenizer(vocabulary: BPEVocabulary(gguf: file))
            model = try LlamaGGUFLoader.model(file, storage: weights)
            // NaN or ±inf weights would make every result NaN (or be silently dropped by the
            // attention softmax): refuse them here, naming the tensor.
            try model.weights.checkFinite()
        } catch let error as TokenizerError {
            throw ProbeError.invalidModel(path: path, reason: "\(error)")
        } catch let error as InferenceError {
            throw Self.mapped(error, path: path)
        }
        do {
            declaredScaling = try LlamaGGUFLoader.declaredScaling(file)
        } catch let error as InferenceError {
            throw Self.mapped(error, path: path)
        } catch let error as RoPEError {
            throw ProbeError.invalidModel(path: path, reason: "declared RoPE scaling: \(error)")
        }
    }

    /// The model's configuration.
    public var configuration: LlamaConfiguration { model.configuration }

    /// T_train, tokens: the GGUF's `{arch}.context_length`.
    public var trainedContextLength: Int { configuration.trainedContextLength }

    /// The attention direction a probe uses: `override`, else the architecture's (llama causal,
    /// llada bidirectional unless the GGUF says otherwise).
    public func attention(_ override: AttentionDirection?) -> AttentionDirection {
        override ?? configuration.defaultAttention
    }

    /// Spec defaults for a window of `targetLength` tokens on this model.
    public func specDefaults(targetLength: Int) -> RoPESpecDefaults {
        RoPESpecDefaults(trainLength: trainedContextLength, targetLength: targetLength)
    }

    /// `--rope declared`: the GGUF's declared scaling, named explicitly (probes only).
    public static let declaredKeyword = "declared"

    /// Whether `text` is `declaredKeyword` (case and surrounding blanks ignored).
    public static func isDeclaredKeyword(_ text: String) -> Bool {
        text.trimmingCharacters(in: .whitespaces).lowercased() == declaredKeyword
    }

    /// Resolves `--rope SPEC` (nil or `declared` = the GGUF's declared scaling) for windows of
    /// `targetLength` tokens and checks that it gives usable frequencies. Throws the parser's `RoPEError`.
    public func scaling(_ spec: String?, targetLength: Int) throws -> RoPEScaling {
        guard let spec, !Self.isDeclaredKeyword(spec) else { return declaredScaling }
        let scaling = try RoPESpec.parse(spec, defaults: specDefaults(targetLength: targetLength))
        _ = try frequencies(scaling)
        return scaling
    }

    /// θ′ for `scaling` on this model's rotary geometry (rotary dimension, `rope.freq_base`).
    public func frequencies(_ scaling: RoPEScaling) throws -> RoPEFrequencies {
        try scaling.frequencies(for: configuration.rotaryGeometry())
    }

    /// Token ids of `text`: no BOS is prepended (the protocol puts BOS at each window's start).
    public func tokens(_ text: String) -> [Int32] { tokenizer.encode(text, addBOS: false) }

    /// BOS substituted for each window's first token, when the GGUF sets `add_bos_token`.
    public var windowBOS: Int32? { tokenizer.addsBOSByDefault ? tokenizer.bosID : nil }

    /// SHA-256 of the model file (64 hex digits), streamed from disk.
    public func modelSHA256() throws -> String {
        try SHA256.hex(fileAt: modelPath)
    }

    /// The GGUF metadata that decides a probe's numbers, for provenance: architecture, name,
    /// trained context, rotary base and dimension, declared scaling, sizes.
    public var provenanceMetadata: [(key: String, value: String)] {
        let arch = file.metadata["general.architecture"]?.string ?? "llama"
        var result: [(String, String)] = [("general.architecture", arch)]
        if let name = file.metadata["general.name"]?.string { result.append(("general.name", name)) }
        let c = configuration
        result += [
            ("\(arch).context_length", "\(c.trainedContextLength)"),
            ("\(arch).rope.freq_base", "\(c.ropeBase)"),
            ("\(arch).rope.dimension_count", "\(c.rotaryDimension)"),
            ("\(arch).block_count", "\(c.layerCount)"),
            ("\(arch).embedding_length", "\(c.embeddingSize)"),
            ("\(arch).attention.head_count", "\(c.headCount)"),
            ("\(arch).attention.head_count_kv", "\(c.keyValueHeadCount)"),
            ("declared_rope_scaling", declaredScaling.canonicalSpec),
        ]
        return result
    }

    private static func mapped(_ error: InferenceError, path: String) -> ProbeError {
        if case let .invalidMetadata(key, reason) = error {
            return .invalidModelMetadata(path: path, key: key, reason: reason)
        }
        return .invalidModel(path: path, reason: "\(error)")
    }
}
