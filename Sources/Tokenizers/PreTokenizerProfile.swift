/// How llama.cpp sets up a byte-level BPE vocabulary for one `tokenizer.ggml.pre` name: the split,
/// whether a word that is itself a token skips the merges, and whether BOS is added when the file
/// has no `tokenizer.ggml.add_bos_token`.
///
/// Port of the name table in llama.cpp `src/llama-vocab.cpp` (`llama_vocab::impl::load`, the
/// `tokenizer_pre == ...` chain) and the regex switch in `llm_tokenizer_bpe`, as vendored in
/// llama-cpp-python 0.3.36. Only names whose regexes are exactly one of `PreTokenizer`'s splits and
/// that set no other tokenization flag are listed; every other name is refused.
public struct PreTokenizerProfile: Sendable, Equatable {
    /// The split.
    public let preTokenizer: PreTokenizer
    /// llama.cpp `ignore_merges`: a pre-tokenizer word that is a vocabulary token is emitted as
    /// that token without running the merges (LLaMA 3 family).
    public let ignoresMerges: Bool
    /// llama.cpp's `add_bos` when the file does not say (true for the LLaMA 3 family).
    public let addsBOSByDefault: Bool

    /// The profile of `ggufName`.
    /// - Throws: `TokenizerError.unsupportedPreTokenizer` naming the value and the canonical
    ///   supported names; `"default"` (a file without `tokenizer.ggml.pre`) is refused too, since
    ///   llama.cpp's default split needs `\p{P}` classes this target does not implement.
    public init(ggufName: String) throws {
        guard let profile = Self.llamaCppNames[ggufName] else {
            throw TokenizerError.unsupportedPreTokenizer(
                name: ggufName, supported: PreTokenizer.allCases.map(\.ggufName))
        }
        self = profile
    }

    init(_ preTokenizer: PreTokenizer, ignoresMerges: Bool = false, addsBOSByDefault: Bool = false) {
        self.preTokenizer = preTokenizer
        self.ignoresMerges = ignoresMerges
        self.addsBOSByDefault = addsBOSByDefault
    }

    /// Every supported `tokenizer.ggml.pre` value and its profile.
    public static let llamaCppNames: [String: PreTokenizerProfile] = {
        var table: [String: PreTokenizerProfile] = [:]
        // LLAMA_VOCAB_PRE_TYPE_GPT2, _MPT, _OLMO, _JAIS, _TRILLION, _GRANITE_DOCLING: the GPT-2 regex.
        for name in ["gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
                     "mellum", "modern-bert", "exaone4", "mpt", "olmo", "jais", "trillion", "granite-docling"] {
            table[name] = PreTokenizerProfile(.gpt2)
        }
        // _STARCODER, _REFACT, _COMMAND_R, _SMOLLM, _CODESHELL, _EXAONE, _MINERVA, _MELLUM2: `\p{N}`, then GPT-2.
        for name in ["smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b", "mellum2"] {
            table[name] = PreTokenizerProfile(.smollm)
        }
        // _LLAMA3 with ignore_merges and add_bos.
        for name in ["llama-bpe", "llama3", "llama-v3", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                     "jina-v5-nano"] {
            table[name] = PreTokenizerProfile(.llama3, ignoresMerges: true, addsBOSByDefault: true)
        }
        // _DBRX, _SMAUG: the LLaMA-3 regex, merges always run.
        for name in ["dbrx", "smaug-bpe"] {
            table[name] = PreTokenizerProfile(.llama3)
        }
        // _QWEN2, _STABLELM2, _HUNYUAN, _SOLAR_OPEN: the Qwen2 regex.
        for name in ["qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez", "stablelm2", "hunyuan", "solar-open"] {
            table[name] = PreTokenizerProfile(.qwen2)
        }
        // _QWEN35: the Qwen3.5 regex.
        table["qwen35"] = PreTokenizerProfile(.qwen35)
        return table
    }()
}
