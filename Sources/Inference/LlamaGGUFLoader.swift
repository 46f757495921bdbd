import GGUF
import RoPE

/// Builds a `LlamaModel` from a GGUF file of architecture `llama`, `qwen2`, `llada` or `dream`
/// (llama.cpp names; conventions per architecture in `LlamaArchitecture`):
/// hyperparameters from `{arch}.*` metadata, weights dequantised to float32 in the row-major
/// [out, in] layout (GGUF ne = [in, out], ne0 fastest, is exactly that layout).
///
/// Keys read (llama.cpp `llama_model::load_hparams`): `general.architecture`,
/// `{arch}.embedding_length`, `.block_count`, `.feed_forward_length`, `.attention.head_count`,
/// `.attention.head_count_kv` (default head_count), `.attention.key_length` (default
/// embedding/heads), `.attention.layer_norm_rms_epsilon`, `.rope.freq_base` (default 10000),
/// `.rope.dimension_count` (default head dim), `.context_length`, `.attention.causal` (llama/qwen2,
/// default true; llada/dream are always bidirectional, `true` is refused), `.vocab_size` (default:
/// rows of token_embd). `output.weight` absent → tied. qwen2/dream blocks also need
/// `blk.{i}.attn_{q,k,v}.bias`.
///
/// Strict where llama.cpp would compute something else: sizes outside `LlamaConfiguration.Field`
/// ranges, keys this engine does not implement (`checkUnsupportedKeys`), a tensor table that is not
/// exactly the architecture's (`checkTensorTable`) and malformed RoPE scaling (`declaredScaling`)
/// throw `InferenceError`s naming the key or tensor.
public enum LlamaGGUFLoader {
    /// The configuration described by `file`'s metadata and tensor table.
    public static func configuration(_ file: GGUFFile) throws -> LlamaConfiguration {
        let metadata = file.metadata
        func read<T>(_ key: String, _ body: (String) throws -> T) throws -> T {
            do { return try body(key) } catch let error as GGUFError {
                throw InferenceError.invalidMetadata(key: key, reason: "\(error)")
            }
        }
        let name = try read("general.architecture") { try metadata.string(forKey: $0) }
        guard let architecture = LlamaArchitecture(rawValue: name) else {
            throw InferenceError.unsupportedArchitecture(name: name, supported: LlamaArchitecture.allCases.map(\.rawValue))
        }
        func int(_ suffix: String, default value: Int? = nil) throws -> Int {
            let key = "\(name).\(suffix)"
            if metadata[key] == nil, let value { return value }
            return try read(key) { try metadata.int(forKey: $0) }
        }
        func double(_ suffix: String, default value: Double) throws -> Double {
            let key = "\(name).\(suffix)"
            return metadata[key] == nil ? value : try read(key) { try metadata.double(forKey: $0) }
        }
        let embedding = try int("embedding_length")
        let heads = try int("attention.head_count")
        let headDimension = try int("attention.key_length", default: heads > 0 ? embedding / heads : 0)
        // The vocabulary size comes from `{arch}.vocab_size`, else from the rows of token_embd.
        let vocabulary = metadata["\(name).vocab_size"] != nil ? try int("vocab_size")
            : try tensorInfo(file, LlamaGlobalTensor.tokenEmbedding.ggufName).dimensions.last ?? 0
        try checkUnsupportedKeys(metadata, architecture: name, headDimension: headDimension)
        let causal = try causalAttention(metadata, architecture: architecture)
        do {
            return try LlamaConfiguration(
                architecture: architecture, vocabularySize: vocabulary, embeddingSize: embedding,
                layerCount: try int("block_count"), headCount: heads,
                keyValueHeadCount: try int("attention.head_count_kv", default: heads), headDimension: headDimension,
                feedForwardSize: try int("feed_forward_length"),
                rmsNormEpsilon: Float(try double("attention.layer_norm_rms_epsilon", default: 1e-5)),
                ropeBase: try double("rope.freq_base", default: 10000),
                rotaryDimension: try int("rope.dimension_count", default: headDimension),
                trainedContextLength: try int("context_length"),
                tiedOutput: !file.containsTensor(named: LlamaGlobalTensor.output.ggufName),
                defaultAttention: causal ? .causal : .bidirectional)
        } catch let InferenceError.invalidConfiguration(label, value, allowed) {
            throw metadataError(label: label, value: value, allowed: allowed, architecture: name, metadata: metadata)
        }
    }

    /// Restates a configuration error in terms of the GGUF keys the value came from, saying which
    /// keys were absent (and so defaulted).
    private static func metadataError(label: String, value: String, allowed: String, architecture: String,
                                      metadata: GGUFMetadata) -> InferenceError {
        guard let field = LlamaConfiguration.Field(rawValue: label) else {
            return .invalidConfiguration(name: label, value: value, allowed: allowed)
        }
        let keys = field.ggufKeySuffixes.map { "\(architecture).\($0)" }
        let absent = keys.filter { metadata[$0] == nil }
        let defaults: [LlamaConfiguration.Field: String] = [
            .vocabularySize: "the rows of token_embd.weight", .headDimension: "embedding_length / attention.head_count",
            .keyValueHeadCount: "attention.head_count", .rotaryDimension: "the head dimension",
            .rmsNormEpsilon: "1e-5", .ropeBase: "10000",
        ]
        var reason = "\(field.label) \(value): allowed \(allowed)"
        if !absent.isEmpty, field.ggufKeySuffixes.count == 1, let fallback = defaults[field] {
            reason += " (key absent: defaulted to \(fallback))"
        }
        return .invalidMetadata(key: keys.joined(separator: " × "), reason: reason)
    }

    /// Loads and dequantises every weight; throws naming the tensor on any mismatch. First checks
    /// the tensor table and every declared shape (`checkTensorShapes`, no data read): a tensor this
    /// model would not use, a missing one or a misshapen one is an error rather than a silently
    /// different model, raised before any weight is allocated.
    public static func weights(_ file: GGUFFile, configuration c: LlamaConfiguration) throws -> LlamaWeights {
        try checkTensorShapes(file, configuration: c)
        func load(_ name: String, _ shape: [Int]) throws -> [Float] {
            let info = try tensorInfo(file, name)
            let expected = Array(shape.reversed())
            guard info.dimensions == expected else {
                throw InferenceError.tensorDimensionsMismatch(name: name, found: info.dimensions, expected: expected)
            }
            do {
                return try file.dequantize(info)
            } catch let error as GGUFError {
                throw InferenceError.tensorUnreadable(name: name, reason: "\(error)")
            }
        }
        let layers = try (0..<c.layerCount).map { layer -> LlamaLayerWeights in
            func tensor(_ t: LlamaLayerTensor) throws -> [Float] { try load(t.ggufName(layer: layer), t.shape(c)) }
            var bias: LlamaAttentionBias?
            if c.hasQueryKeyValueBias {
                let names = LlamaAttentionBias.ggufNames(layer: layer), lengths = LlamaAttentionBias.lengths(c)
                bias = LlamaAttentionBias(query: try load(names[0], [lengths[0]]), key: try load(names[1], [lengths[1]]),
                                          value: try load(names[2], [lengths[2]]))
            }
            return LlamaLayerWeights(
                attentionNorm: try tensor(.attentionNorm), query: try tensor(.query), key: try tensor(.key),
                value: try tensor(.value), attentionOutput: try tensor(.attentionOutput),
                feedForwardNorm: try tensor(.feedForwardNorm), gate: try tensor(.gate), up: try tensor(.up), down: try tensor(.down),
                queryKeyValueBias: bias)
        }
        func global(_ t: LlamaGlobalTensor) throws -> [Float] { try load(t.ggufName, t.shape(c)) }
        return try LlamaWeights(
            configuration: c, tokenEmbedding: try global(.tokenEmbedding), layers: layers,
            outputNorm: try global(.outputNorm), output: c.tiedOutput ? nil : try global(.output))
    }

    /// Configuration and weights together.
    public static func model(_ file: GGUFFile) throws -> LlamaModel {
        LlamaModel(weights: try weights(file, configuration: try configuration(file)))
    }

    static func tensorInfo(_ file: GGUFFile, _ name: String) throws -> GGUFTensorInfo {
        guard file.containsTensor(named: name), let info = try? file.tensor(named: name) else {
            throw InferenceError.missingTensor(name: name)
        }
        return info
    }
}
