/// Errors from the `Inference` target. Every case says what is wrong, where (tensor, layer, hook or
/// parameter name) and what was allowed, so a CLI can print `description` as is.
public enum InferenceError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A configuration value is out of range, e.g. `head count 0: allowed an integer >= 1`.
    case invalidConfiguration(name: String, value: String, allowed: String)
    /// A weight tensor has the wrong number of elements. `name` is the GGUF tensor name
    /// (`blk.3.attn_q.weight`); `expectedShape` is the row-major [out, in] shape (GGUF `ne` reversed).
    case tensorShapeMismatch(name: String, count: Int, expectedShape: [Int])
    /// The number of per-layer weight sets differs from the configured layer count.
    case layerCountMismatch(count: Int, expected: Int)
    /// A weight contains NaN or ±infinity.
    case nonFiniteWeight(name: String, index: Int)
    /// The token window is empty.
    case emptyWindow
    /// A token id is outside `0..<vocabularySize`.
    case tokenOutOfRange(position: Int, token: Int32, vocabularySize: Int)
    /// An array that must have one entry per window position has a different length.
    case lengthMismatch(name: String, count: Int, expected: Int)
    /// The RoPE frequencies do not fit the configured rotary dimension, or are not finite.
    case invalidFrequencies(reason: String)
    /// A hook pattern matches no hook of this model.
    case unknownHook(pattern: String, known: [String])
    /// A hook restriction (layer, head, position range) is outside the model or window.
    case invalidHookRestriction(name: String, value: String, allowed: String)
    /// A logits row or scoring target is outside the window or vocabulary.
    case invalidTarget(name: String, value: String, allowed: String)
    /// A GGUF metadata key needed to build the model is missing or has the wrong type/value.
    case invalidMetadata(key: String, reason: String)
    /// The GGUF has no tensor of this name.
    case missingTensor(name: String)
    /// A GGUF tensor's dimensions differ from the configuration's.
    case tensorDimensionsMismatch(name: String, found: [Int], expected: [Int])
    /// `general.architecture` is not one this engine runs.
    case unsupportedArchitecture(name: String, supported: [String])
    /// A tensor could not be read or dequantised.
    case tensorUnreadable(name: String, reason: String)
    /// The GGUF holds tensors the model would not read (file order): blocks at or beyond
    /// `layerCount` (`highestBlock` is the largest `blk.{i}` index in the file), biases, fused or
    /// unknown names. Scoring without them would silently be another model.
    case unusedTensors(names: [String], layerCount: Int, highestBlock: Int?)

    /// One line: what is wrong, where, and what was allowed.
    public var description: String {
        switch self {
        case let .invalidMetadata(key, reason):
            return "GGUF metadata '\(key)': \(reason)"
        case let .missingTensor(name):
            return "GGUF file has no tensor '\(name)'"
        case let .tensorDimensionsMismatch(name, found, expected):
            return "GGUF tensor '\(name)' has dimensions \(found) (ne0 first): expected \(expected) from the model metadata"
        case let .unsupportedArchitecture(name, supported):
            return "unsupported architecture '\(name)': supported \(supported.joined(separator: ", "))"
        case let .tensorUnreadable(name, reason):
            return "cannot read GGUF tensor '\(name)': \(reason)"
        case let .unusedTensors(names, layerCount, highestBlock):
            let shown = names.prefix(4).map { "'\($0)'" }.joined(separator: ", ") + (names.count > 4 ? ", …" : "")
            var hint = "allowed token_embd, output_norm, output, rope_freqs and blk.0…blk.\(layerCount - 1) " +
                "attn_norm/attn_q/attn_k/attn_v/attn_output/ffn_norm/ffn_gate/ffn_up/ffn_down weights"
            if let highestBlock, highestBlock >= layerCount {
                hint += "; the file has blocks up to blk.\(highestBlock) but declares block_count \(layerCount)"
            }
            return "GGUF file has \(names.count) tensor(s) a llama model with \(layerCount) block(s) does not use: \(shown): \(hint)"
        case let .invalidConfiguration(name, value, allowed):
            return "invalid \(name) \(value): allowed \(allowed)"
        case let .tensorShapeMismatch(name, count, expectedShape):
            let expected = expectedShape.map(String.init).joined(separator: " × ")
            let total = expectedShape.reduce(1, *)
            return "tensor \(name) has \(count) elements: expected [\(expected)] = \(total) (row-major [out, in])"
        case let .layerCountMismatch(count, expected):
            return "weights have \(count) layers (blk.*): the configuration has block count \(expected)"
        case let .nonFiniteWeight(name, index):
            return "tensor \(name) has a non-finite value at flat index \(index): allowed finite numbers only"
        case .emptyWindow:
            return "the token window is empty: allowed at least 1 token"
        case let .tokenOutOfRange(position, token, vocabularySize):
            return "token id \(token) at window position \(position) is outside the vocabulary: allowed 0..<\(vocabularySize)"
        case let .lengthMismatch(name, count, expected):
            return "\(name) has \(count) entries: expected \(expected) (one per window position)"
        case let .invalidFrequencies(reason):
            return "invalid RoPE frequencies: \(reason)"
        case let .unknownHook(pattern, known):
            return "hook pattern '\(pattern)' matches no hook of this model: known hooks \(known.joined(separator: ", "))"
        case let .invalidHookRestriction(name, value, allowed):
            return "invalid hook restriction \(name) \(value): allowed \(allowed)"
        case let .invalidTarget(name, value, allowed):
            return "invalid \(name) \(value): allowed \(allowed)"
        }
    }
}
