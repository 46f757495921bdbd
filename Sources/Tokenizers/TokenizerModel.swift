/// The tokenizer algorithm named by `tokenizer.ggml.model`. Raw values are the GGUF names.
///
/// llama.cpp (`src/llama-vocab.cpp`, `llama_vocab::impl::load`) knows more models; those this
/// target does not implement are refused by name with the kind of tokenizer they are
/// (`unsupportedKinds`), never tokenized approximately.
public enum TokenizerModel: String, Sendable, CaseIterable {
    /// `"gpt2"`: byte-level BPE with merge ranks and a pre-tokenizer (`tokenizer.ggml.pre`)
    /// (llama.cpp `LLAMA_VOCAB_TYPE_BPE`): GPT-2, LLaMA 3, Qwen2, SmolLM, LLaDA, Dream.
    case byteLevelBPE = "gpt2"
    /// `"llama"`: SentencePiece BPE with token scores and byte fallback (llama.cpp
    /// `LLAMA_VOCAB_TYPE_SPM`): LLaMA 1/2, Mistral v0.1, Phi-3, Baichuan.
    case sentencePiece = "llama"

    /// The model for a `tokenizer.ggml.model` value.
    /// - Throws: `TokenizerError.unsupportedTokenizerModel` naming the value (and its kind when
    ///   llama.cpp knows it) and the supported names.
    public init(ggufName: String) throws {
        guard let model = TokenizerModel(rawValue: ggufName) else {
            throw TokenizerError.unsupportedTokenizerModel(
                name: ggufName, supported: TokenizerModel.allCases.map(\.rawValue))
        }
        self = model
    }

    /// A short description of the algorithm.
    public var kind: String {
        switch self {
        case .byteLevelBPE: return "byte-level BPE"
        case .sentencePiece: return "SentencePiece BPE"
        }
    }

    /// Models llama.cpp supports and this target refuses, with the kind of tokenizer each is.
    public static let unsupportedKinds: [String: String] = [
        "bert": "WordPiece (BERT)",
        "t5": "Unigram (T5/XLM-R SentencePiece)",
        "rwkv": "RWKV greedy trie",
        "plamo2": "PLaMo-2 Aho-Corasick",
        "gemma4": "Gemma 4 SentencePiece-style BPE on raw UTF-8",
        "hybriddna": "hybrid DNA k-mer BPE",
        "whitespace": "whitespace-split BPE",
        "no_vocab": "no vocabulary",
        "none": "no vocabulary",
    ]
}
