import GGUF

/// The tensor table of a llama/qwen2/llada/dream GGUF: which names the model reads, and the check that the
/// file holds exactly those.
extension LlamaGGUFLoader {
    /// `rope_freqs.weight`: llama.cpp's per-pair divisors of the inverse frequencies (written for
    /// LLaMA 3 scaling), shape [rotaryDimension/2]; read by `declaredScaling`.
    public static let frequencyFactorsTensor = "rope_freqs.weight"

    /// Every tensor name a model of configuration `c` reads: `token_embd.weight`,
    /// `output_norm.weight`, `output.weight` (when not tied), `rope_freqs.weight` (optional) and
    /// the nine `blk.{i}.*.weight` tensors of each block i < layerCount, plus `blk.{i}.attn_{q,k,v}.bias`
    /// for qwen2/dream.
    public static func expectedTensorNames(_ c: LlamaConfiguration) -> Set<String> {
        var names: Set<String> = [LlamaGlobalTensor.tokenEmbedding.ggufName, LlamaGlobalTensor.outputNorm.ggufName]
        if !c.tiedOutput { names.insert(LlamaGlobalTensor.output.ggufName) }
        for layer in 0..<c.layerCount {
            for tensor in LlamaLayerTensor.allCases { names.insert(tensor.ggufName(layer: layer)) }
            if c.hasQueryKeyValueBias { names.formUnion(LlamaAttentionBias.ggufNames(layer: layer)) }
        }
        return names
    }

    /// Throws `InferenceError.missingTensor` for the first tensor of `expectedTensorNames` the file
    /// lacks (blocks in order), and `InferenceError.unusedTensors` listing every tensor the model
    /// would not read (beyond `block_count`, biases, fused or unknown names). llama.cpp fails on a
    /// missing tensor too and refuses files with unused tensors ("wrong number of tensors"); the
    /// one optional extra it reads for llama, `rope_freqs.weight`, is allowed.
    public static func checkTensorTable(_ file: GGUFFile, configuration c: LlamaConfiguration) throws {
        for name in [LlamaGlobalTensor.tokenEmbedding.ggufName, LlamaGlobalTensor.outputNorm.ggufName]
            where !file.containsTensor(named: name) {
            throw InferenceError.missingTensor(name: name)
        }
        for layer in 0..<c.layerCount {
            var names = LlamaLayerTensor.allCases.map { $0.ggufName(layer: layer) }
            if c.hasQueryKeyValueBias { names += LlamaAttentionBias.ggufNames(layer: layer) }
            for name in names where !file.containsTensor(named: name) {
                throw InferenceError.missingTensor(name: name)
            }
        }
        let expected = expectedTensorNames(c).union([frequencyFactorsTensor])
        let unused = file.tensors.map(\.name).filter { !expected.contains($0) }
        guard unused.isEmpty else {
            throw InferenceError.unusedTensors(names: unused, layerCount: c.layerCount, highestBlock: highestBlock(in: file))
        }
    }

    /// The largest i of any `blk.{i}.` tensor name, or nil when there is none.
    static func highestBlock(in file: GGUFFile) -> Int? {
        file.tensors.compactMap { tensor -> Int? in
            let parts = tensor.name.split(separator: ".", maxSplits: 2)
            guard parts.count == 3, parts[0] == "blk" else { return nil }
            return Int(parts[1])
        }.max()
    }

    /// Every tensor `configuration c` reads with its row-major shape ([out, in]; GGUF ne reversed),
    /// biases included (`rope_freqs.weight` is checked by `declaredScaling`).
    public static func expectedTensorShapes(_ c: LlamaConfiguration) -> [(name: String, shape: [Int])] {
        var shapes: [(name: String, shape: [Int])] = [(LlamaGlobalTensor.tokenEmbedding.ggufName, LlamaGlobalTensor.tokenEmbedding.shape(c))]
        for layer in 0..<c.layerCount {
            for tensor in LlamaLayerTensor.allCases { shapes.append((tensor.ggufName(layer: layer), tensor.shape(c))) }
            if c.hasQueryKeyValueBias {
                for (name, length) in zip(LlamaAttentionBias.ggufNames(layer: layer), LlamaAttentionBias.lengths(c)) {
                    shapes.append((name, [length]))
                }
            }
        }
        shapes.append((LlamaGlobalTensor.outputNorm.ggufName, LlamaGlobalTensor.outputNorm.shape(c)))
        if !c.tiedOutput { shapes.append((LlamaGlobalTensor.output.ggufName, LlamaGlobalTensor.output.shape(c))) }
        return shapes
    }

    /// `checkTensorTable`, then every tensor's dimensions against `expectedTensorShapes` without
    /// reading any tensor data: throws `InferenceError.tensorDimensionsMismatch` naming the first
    /// tensor whose declared shape does not fit the architecture (e.g. a qwen2 `attn_q.bias` of the
    /// wrong length). `weights` runs it before allocating anything.
    public static func checkTensorShapes(_ file: GGUFFile, configuration c: LlamaConfiguration) throws {
        try checkTensorTable(file, configuration: c)
        for (name, shape) in expectedTensorShapes(c) {
            let info = try tensorInfo(file, name)
            let expected = Array(shape.reversed())
            guard info.dimensions == expected else {
                throw InferenceError.tensorDimensionsMismatch(name: name, found: info.dimensions, expected: expected)
            }
        }
    }
}
