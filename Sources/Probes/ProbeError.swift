/// Errors from the `Probes` target; each names the input and what was allowed.
public enum ProbeError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The text tokenised to nothing.
    case emptyText
    /// A masked estimator was asked of a model whose GGUF has no mask token (`key`, normally
    /// `tokenizer.ggml.mask_token_id`) and no explicit override was given.
    case missingMaskToken(key: String)
    /// The text is shorter than one window.
    case textTooShort(tokens: Int, contextLength: Int)
    /// A protocol parameter is out of range.
    case invalidParameter(name: String, value: String, allowed: String)
    /// Two hook tensors gave one dimension different lengths.
    case hookDimensionConflict(hook: String, dimension: String, length: Int, existing: Int)

    public var description: String {
        switch self {
        case .emptyText: return "the text is empty after tokenisation: nothing to score"
        case let .missingMaskToken(key):
            return "the model has no mask token (GGUF metadata '\(key)' is absent): the masked estimators need one; "
                + "allowed: a GGUF that sets it, an explicit mask token id (0..<vocabulary size), or the chain-rule estimator"
        case let .textTooShort(tokens, contextLength):
            return "the text has \(tokens) tokens, fewer than one window of --context-length \(contextLength): "
                + "allowed a context length of 2...\(max(2, tokens)) or a longer text"
        case let .invalidParameter(name, value, allowed): return "invalid \(name) \(value): allowed \(allowed)"
        case let .hookDimensionConflict(hook, dimension, length, existing):
            return "hook \(hook) gives dimension '\(dimension)' length \(length), but it already has length \(existing)"
        }
    }
}
