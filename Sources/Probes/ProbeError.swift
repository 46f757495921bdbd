/// Errors from the `Probes` target; each names the input and what was allowed.
public enum ProbeError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The text tokenised to nothing.
    case emptyText
    /// The text is shorter than one window.
    case textTooShort(tokens: Int, contextLength: Int)
    /// A protocol parameter is out of range.
    case invalidParameter(name: String, value: String, allowed: String)
    /// Two hook tensors gave one dimension different lengths.
    case hookDimensionConflict(hook: String, dimension: String, length: Int, existing: Int)

    public var description: String {
        switch self {
        case .emptyText: return "the text is empty after tokenisation: nothing to score"
        case let .textTooShort(tokens, contextLength):
            return "the text has \(tokens) tokens, fewer than one window of --context-length \(contextLength): "
                + "allowed a context length of 2...\(max(2, tokens)) or a longer text"
        case let .invalidParameter(name, value, allowed): return "invalid \(name) \(value): allowed \(allowed)"
        case let .hookDimensionConflict(hook, dimension, length, existing):
            return "hook \(hook) gives dimension '\(dimension)' length \(length), but it already has length \(existing)"
        }
    }
}
