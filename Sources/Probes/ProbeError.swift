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
    /// The model file cannot be used (tokenizer, weights or configuration); `reason` names the defect.
    case invalidModel(path: String, reason: String)
    /// A GGUF metadata key has a value the probe cannot use (e.g. a malformed `rope.scaling.*`).
    case invalidModelMetadata(path: String, key: String, reason: String)
    /// A file could not be read.
    case unreadableFile(path: String, reason: String)
    /// A result is NaN or infinite; `location` says where it first appeared (window, layer, hook).
    case nonFiniteResult(quantity: String, location: String)
    /// The scored span leaves no target in a window.
    case nothingToScore(contextLength: Int, span: String, allowed: String)
    /// A forward pass at this window length would need more memory than the machine has.
    case insufficientMemory(contextLength: Int, estimatedBytes: Int, availableBytes: Int)
    /// A grid file (shard, journal entry or output) is not a well-formed grid.
    case invalidGridFile(path: String, reason: String)
    /// A file or journal belongs to a different grid (hashes differ).
    case gridMismatch(path: String, found: String, expected: String)
    /// A journal of an unfinished run exists and `--resume` was not given.
    case journalExists(path: String)
    /// Two shard files hold the same cell.
    case duplicateCell(id: String, first: String, second: String)
    /// Cells of the grid are in no shard file.
    case missingCells(count: Int, total: Int, ids: [String])
    /// A file or directory could not be written.
    case unwritable(path: String, reason: String)
    /// A `--config` file key has a bad value, or is unknown.
    case invalidConfiguration(path: String, key: String, reason: String)
    /// A document of `probe interference` cannot be used (not UTF-8, too few tokens).
    case invalidDocument(label: String, reason: String)
    /// `probe interference` got fewer than 2 documents from `source`.
    case tooFewDocuments(count: Int, source: String)
    /// `--packing eod` on a model whose GGUF has no end-of-document token (`key`) and no override.
    case missingEndOfDocumentToken(key: String)
    /// A haystack text has fewer tokens than a prompt of `contextLength` needs (`needed`).
    case haystackTooShort(path: String, tokens: Int, sentences: Int, needed: Int, contextLength: Int)

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
        case let .invalidModel(path, reason): return "'\(path)': \(reason)"
        case let .invalidModelMetadata(path, key, reason): return "'\(path)': GGUF metadata '\(key)': \(reason)"
        case let .unreadableFile(path, reason): return "cannot read '\(path)': \(reason)"
        case let .nonFiniteResult(quantity, location):
            return "\(quantity) is not finite (NaN or infinite); \(location): allowed finite values only"
        case let .nothingToScore(contextLength, span, allowed):
            return "--score \(span) with --context-length \(contextLength) scores 0 tokens per window: allowed \(allowed)"
        case let .insufficientMemory(contextLength, estimated, available):
            return "a window of \(contextLength) tokens needs about \(ProbeError.gibibytes(estimated)) for activations, "
                + "attention workspace and logits, but the machine has \(ProbeError.gibibytes(available)): "
                + "allowed context lengths up to what fits, or a machine with more memory"
        case let .invalidGridFile(path, reason): return "'\(path)' is not a ropescope perplexity grid file: \(reason)"
        case let .gridMismatch(path, found, expected):
            return "'\(path)' belongs to a different grid (hash \(found.prefix(16))…, expected \(expected.prefix(16))…): "
                + "allowed files of the same model, texts, specs, context lengths and estimator options"
        case let .journalExists(path):
            return "'\(path)' holds an unfinished run: rerun with --resume to continue it, or remove it to start over"
        case let .duplicateCell(id, first, second): return "cell \(id) is in both '\(first)' and '\(second)'"
        case let .missingCells(count, total, ids):
            return "\(count) of \(total) cells are in no shard file (first: \(ids.joined(separator: ", "))): "
                + "allowed a complete set of shards"
        case let .unwritable(path, reason): return "could not write '\(path)': \(reason)"
        case let .invalidConfiguration(path, key, reason): return "config '\(path)': key '\(key)': \(reason)"
        case let .invalidDocument(label, reason): return "document '\(label)': \(reason)"
        case let .tooFewDocuments(count, source):
            return "\(source) gives \(count) document\(count == 1 ? "" : "s"): allowed at least 2 (packing needs neighbours)"
        case let .missingEndOfDocumentToken(key):
            return "the model has no end-of-document token (GGUF metadata '\(key)' is absent): --packing eod needs one; "
                + "allowed a GGUF that sets it, or --eod-token ID (0..<vocabulary size)"
        case let .haystackTooShort(path, tokens, sentences, needed, contextLength):
            return "haystack '\(path)' has \(tokens) tokens (\(sentences) sentences), but a prompt of --context-length "
                + "\(contextLength) needs \(needed) haystack tokens: allowed a haystack file of at least \(needed) tokens, "
                + "or shorter context lengths"
        }
    }

    static func gibibytes(_ bytes: Int) -> String {
        String(format: "%.2f GiB", Double(bytes) / Double(1 << 30))
    }
}
