import Inference

/// Which targets of a window are scored.
public enum ScoredTargets: Hashable, Sendable, CaseIterable, RawRepresentable {
    /// Every target after the first token: positions 1…L−1.
    case all
    /// llama.cpp perplexity's convention: targets L/2+1 … L−1 (each with at least L/2 tokens of context).
    case secondHalf
    /// The last N targets, L−N … L−1, each given everything before it in the window (the
    /// prefix-conditioned curve LongLLaDA plots); 1 ≤ N ≤ L−1.
    case last(Int)

    /// `all` and `second-half` (`last:N` takes a count).
    public static var allCases: [ScoredTargets] { [.all, .secondHalf] }

    /// `all`, `second-half` or `last:N` (N ≥ 1; k/m suffixes not accepted).
    public init?(rawValue: String) {
        switch rawValue {
        case "all": self = .all
        case "second-half": self = .secondHalf
        default:
            guard rawValue.hasPrefix("last:"), let count = Int(rawValue.dropFirst("last:".count)), count >= 1 else { return nil }
            self = .last(count)
        }
    }

    public var rawValue: String {
        switch self {
        case .all: return "all"
        case .secondHalf: return "second-half"
        case let .last(count): return "last:\(count)"
        }
    }

    /// Window positions t whose token is scored given tokens 0…t−1 (t ≥ 1); empty when the span
    /// does not fit a window of `contextLength`.
    public func targetPositions(contextLength: Int) -> Range<Int> {
        switch self {
        case .all: return 1..<max(1, contextLength)
        case .secondHalf: return min(contextLength, contextLength / 2 + 1)..<contextLength
        case let .last(count):
            guard count <= contextLength - 1 else { return contextLength..<contextLength }
            return (contextLength - count)..<contextLength
        }
    }

    /// The context lengths for which this span scores at least one token, for messages.
    public var allowedContextLengths: String {
        switch self {
        case .all: return "--context-length >= 2"
        case .secondHalf: return "--context-length >= 3 (second-half scores targets L/2+1...L-1)"
        case let .last(count): return "--context-length >= \(count + 1) (last:\(count) needs \(count) targets after position 0)"
        }
    }
}

extension ScoredTargets: Codable {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = ScoredTargets(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)': allowed all, second-half or last:N"))
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// How `PerplexityProbe` cuts and scores a text.
///
/// Estimator (the same as llama.cpp's `perplexity` with non-overlapping windows): the whole text
/// is tokenised once (no BOS unless the GGUF sets `add_bos_token`; then, as llama.cpp does, the
/// first token of every window is replaced by BOS); it is cut into consecutive non-overlapping
/// windows of L tokens (a trailing partial window is dropped), each run from position 0; the NLL
/// of token t given tokens 0…t−1 of its window is −log softmax(logits_{t−1})[x_t] in nats;
/// PPL = exp(mean NLL) over all scored targets of all windows, with the standard error of the
/// mean NLL sqrt(Var_pop/(n−1)) and ±PPL·stderr as llama.cpp reports.
///
/// Assumption: next-token NLL is a language-model likelihood only under causal attention. With
/// bidirectional attention each position also sees its target, so the number measures how much
/// the model copies from the future (a leakage diagnostic), not perplexity; masked-diffusion
/// likelihoods (LLaDA's Monte Carlo bound) need their own probe.
public struct ScoringProtocol: Equatable, Sendable {
    /// L, tokens per window (≥ 2).
    public var contextLength: Int
    /// At most this many windows (nil = as many as the text gives).
    public var maximumWindows: Int?
    public var scoredTargets: ScoredTargets
    public var attention: AttentionDirection

    public init(contextLength: Int, maximumWindows: Int? = nil, scoredTargets: ScoredTargets = .all,
                attention: AttentionDirection = .causal) throws {
        guard contextLength >= 2 else {
            throw ProbeError.invalidParameter(name: "context length", value: "\(contextLength)", allowed: "an integer >= 2")
        }
        guard !scoredTargets.targetPositions(contextLength: contextLength).isEmpty else {
            throw ProbeError.nothingToScore(contextLength: contextLength, span: scoredTargets.rawValue,
                                            allowed: scoredTargets.allowedContextLengths)
        }
        if let maximumWindows, maximumWindows < 1 {
            throw ProbeError.invalidParameter(name: "windows", value: "\(maximumWindows)", allowed: "an integer >= 1")
        }
        self.contextLength = contextLength
        self.maximumWindows = maximumWindows
        self.scoredTargets = scoredTargets
        self.attention = attention
    }

    /// The windows of `tokens`: consecutive, non-overlapping, `contextLength` long.
    public func windows(of tokens: [Int32], bos: Int32?) throws -> [[Int32]] {
        guard !tokens.isEmpty else { throw ProbeError.emptyText }
        let available = tokens.count / contextLength
        guard available >= 1 else { throw ProbeError.textTooShort(tokens: tokens.count, contextLength: contextLength) }
        let count = min(available, maximumWindows ?? available)
        return (0..<count).map { index in
            var window = Array(tokens[(index * contextLength)..<((index + 1) * contextLength)])
            if let bos { window[0] = bos }
            return window
        }
    }
}
