import Foundation
import Inference
import RoPE

/// How a grid cell turns a window into a likelihood number.
///
/// - `chain-rule` (causal models; the default for `llama`): the autoregressive next-token NLL of
///   the `score` protocol (`ScoringProtocol`), exact for a causal model: NLL(x) = −Σ_t log p(x_t | x_<t).
/// - `masked-diffusion` (the default for bidirectional `llada`): the Monte Carlo upper bound on the
///   NLL that LLaDA and SMDM use.
/// - `masked-ce`: LongLLaDA's masked-token cross-entropy without the 1/t weight (not a likelihood).
public enum GridEstimator: String, CaseIterable, Codable, Sendable {
    case chainRule = "chain-rule"
    case maskedDiffusion = "masked-diffusion"
    case maskedCE = "masked-ce"

    /// The estimator for a model whose default attention is `direction`.
    public static func defaultFor(_ direction: AttentionDirection) -> GridEstimator {
        direction == .causal ? .chainRule : .maskedDiffusion
    }
}

/// Where a grid spec comes from.
public enum GridSpecSource: Codable, Equatable, Sendable {
    /// `--rope TEXT`, resolved per context length with the GGUF's defaults.
    case user(String)
    /// The scaling the GGUF declares.
    case declared
    /// A standard candidate at factor = L / T_train (`linear`, `ntk`, `yarn`, `critical-ntk`,
    /// `diffusion-ntk`), applied only past the trained context.
    case candidate(String)
}

/// One spec axis entry: a label (the `spec` coordinate) and how to resolve it per length.
public struct GridSpec: Codable, Equatable, Sendable {
    /// The `spec` coordinate: the canonical spec when it does not depend on the window length,
    /// else the text as given (`diffusion-ntk`), or `METHOD:factor=L/T` for a candidate.
    public var label: String
    public var source: GridSpecSource

    public init(label: String, source: GridSpecSource) {
        self.label = label
        self.source = source
    }

    /// Methods of the default candidates, in grid order.
    public static let candidateMethods = ["linear", "ntk", "yarn", "critical-ntk", "diffusion-ntk"]
}

/// One text of the grid: a label (the `text` coordinate), its SHA-256 and its tokens.
public struct GridText: Codable, Equatable, Sendable {
    public var label: String
    /// SHA-256 of the text's UTF-8 bytes.
    public var sha256: String
    public var tokenCount: Int

    public init(label: String, sha256: String, tokenCount: Int) {
        self.label = label
        self.sha256 = sha256
        self.tokenCount = tokenCount
    }
}

/// The identity of a grid: everything that decides its numbers. Two runs with equal
/// definitions (equal `hash`) produce the same values cell by cell.
public struct PerplexityGridDefinition: Codable, Equatable, Sendable {
    public var modelSHA256: String
    public var texts: [GridText]
    public var specs: [GridSpec]
    /// Window lengths L, tokens, in the order given.
    public var contextLengths: [Int]
    public var estimator: GridEstimator
    public var scoredSpan: ScoredTargets
    public var maximumWindows: Int?
    public var attention: AttentionDirection
    /// Lower edges of the position bins (window positions), ascending, first 1; bin b covers
    /// edges[b] ..< edges[b+1] (the last up to the longest window).
    public var positionBinEdges: [Int]
    /// Options of the `masked-diffusion` / `masked-ce` estimators (samples, seed, mask rule, mask
    /// token, logits shift, ε); nil for `chain-rule`. Part of the grid hash.
    public var maskedDiffusion: MaskedDiffusionOptions?

    public init(modelSHA256: String, texts: [GridText], specs: [GridSpec], contextLengths: [Int], estimator: GridEstimator,
                scoredSpan: ScoredTargets, maximumWindows: Int?, attention: AttentionDirection, positionBinEdges: [Int],
                maskedDiffusion: MaskedDiffusionOptions? = nil) {
        self.modelSHA256 = modelSHA256
        self.texts = texts
        self.specs = specs
        self.contextLengths = contextLengths
        self.estimator = estimator
        self.scoredSpan = scoredSpan
        self.maximumWindows = maximumWindows
        self.attention = attention
        self.positionBinEdges = positionBinEdges
        self.maskedDiffusion = maskedDiffusion
    }

    /// Number of cells, texts × specs × lengths.
    public var cellCount: Int { texts.count * specs.count * contextLengths.count }

    /// The cell at a flat index `(text·S + spec)·C + length`.
    public func cell(_ flat: Int) -> GridCellKey {
        let c = contextLengths.count, s = specs.count
        return GridCellKey(text: flat / (s * c), spec: flat / c % s, length: flat % c)
    }

    /// Flat index of `key`.
    public func flatIndex(_ key: GridCellKey) -> Int { (key.text * specs.count + key.spec) * contextLengths.count + key.length }

    /// A deterministic cell ID: `t<text>.s<spec>.L<length>` (indices into the coordinates).
    public func cellID(_ key: GridCellKey) -> String { "t\(key.text).s\(key.spec).L\(contextLengths[key.length])" }

    /// SHA-256 of the canonical JSON of everything that decides the numbers (text labels excluded:
    /// renaming a file does not change a grid).
    public var hash: String {
        struct Identity: Encodable {
            var model: String, texts: [String], specs: [GridSpec], lengths: [Int], estimator: String
            var span: String, windows: Int?, attention: String, bins: [Int]
            var masked: MaskedDiffusionOptions?  // absent (not null) for chain-rule: older hashes unchanged
        }
        let identity = Identity(model: modelSHA256, texts: texts.map(\.sha256), specs: specs, lengths: contextLengths,
                                estimator: estimator.rawValue, span: scoredSpan.rawValue, windows: maximumWindows,
                                attention: attention.rawValue, bins: positionBinEdges, masked: maskedDiffusion)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(identity)) ?? Data()
        return SHA256.hex(data)
    }

    /// The definition as one-line JSON (stored in every grid file).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Parses `json()` output.
    public static func parse(_ json: String) throws -> PerplexityGridDefinition {
        try JSONDecoder().decode(PerplexityGridDefinition.self, from: Data(json.utf8))
    }

    /// Log-spaced bin edges 1, 2, 4, … below `maximumLength` (the default `--position-bins log`).
    public static func logBinEdges(maximumLength: Int) -> [Int] {
        var edges = [1]
        while edges[edges.count - 1] * 2 < maximumLength { edges.append(edges[edges.count - 1] * 2) }
        return edges
    }

    /// Cells of shard `index` of `count` (0-based): cells sorted by estimated cost (windows × L²,
    /// descending, ties by flat index) are dealt greedily to the least-loaded shard, so shards
    /// take about equal time. Deterministic for a given definition.
    public func shardCells(index: Int, count: Int) -> [Int] {
        guard count > 1 else { return Array(0..<cellCount) }
        func cost(_ flat: Int) -> Double {
            let key = cell(flat), length = Double(contextLengths[key.length])
            let windows = Double(max(1, min(texts[key.text].tokenCount / max(1, contextLengths[key.length]), maximumWindows ?? .max)))
            return windows * length * (length + 4096)
        }
        let order = (0..<cellCount).sorted { a, b in
            let (ca, cb) = (cost(a), cost(b))
            return ca != cb ? ca > cb : a < b
        }
        var load = [Double](repeating: 0, count: count)
        var assigned: [[Int]] = Array(repeating: [], count: count)
        for flat in order {
            let shard = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 } ?? 0
            load[shard] += cost(flat)
            assigned[shard].append(flat)
        }
        return assigned[index].sorted()
    }
}

/// Indices of one cell into the grid's text, spec and context-length coordinates.
public struct GridCellKey: Hashable, Codable, Sendable {
    public var text: Int
    public var spec: Int
    public var length: Int

    public init(text: Int, spec: Int, length: Int) {
        self.text = text
        self.spec = spec
        self.length = length
    }
}

/// The per-cell summary every estimator returns: a mean (NLL or its bound), its standard error,
/// the tokens behind it and the per-token values (with their window and window position).
public struct GridCellSummary: Codable, Equatable, Sendable {
    /// Mean NLL (or bound), nats per token.
    public var meanNLL: Double
    /// Standard error of `meanNLL`, nats.
    public var standardError: Double
    public var tokensScored: Int
    public var windows: Int
    /// Forward-pass wall time, seconds (the only value that differs between identical runs).
    public var seconds: Double
    /// Window tokens per second.
    public var tokensPerSecond: Double
    /// Per-token NLL, nats, in window order then position order. Shape [tokensScored].
    public var tokenNLL: [Double]
    /// Window position of each `tokenNLL` entry.
    public var tokenPosition: [Int32]
    /// Window index of each `tokenNLL` entry.
    public var tokenWindow: [Int32]

    /// exp(meanNLL).
    public var perplexity: Double { Foundation.exp(meanNLL) }

    public init(meanNLL: Double, standardError: Double, tokensScored: Int, windows: Int, seconds: Double,
                tokensPerSecond: Double, tokenNLL: [Double], tokenPosition: [Int32], tokenWindow: [Int32]) {
        self.meanNLL = meanNLL
        self.standardError = standardError
        self.tokensScored = tokensScored
        self.windows = windows
        self.seconds = seconds
        self.tokensPerSecond = tokensPerSecond
        self.tokenNLL = tokenNLL
        self.tokenPosition = tokenPosition
        self.tokenWindow = tokenWindow
    }

    /// Mean NLL and token count per position bin (`edges` as in `PerplexityGridDefinition`);
    /// NaN where a bin holds no scored token.
    public func binned(edges: [Int]) -> (mean: [Double], count: [Int]) {
        var sums = [Double](repeating: 0, count: edges.count), counts = [Int](repeating: 0, count: edges.count)
        for (nll, position) in zip(tokenNLL, tokenPosition) {
            var bin = 0
            while bin + 1 < edges.count, Int(position) >= edges[bin + 1] { bin += 1 }
            sums[bin] += nll
            counts[bin] += 1
        }
        return (zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : .nan }, counts)
    }
}

/// One cell's outcome: done with a summary, or skipped with the reason.
public struct GridCellResult: Equatable, Sendable {
    public enum Status: Equatable, Sendable {
        case done(GridCellSummary)
        case skipped(reason: String)
    }

    public var key: GridCellKey
    /// The resolved canonical spec the cell ran with (`score --rope` with it reproduces the cell);
    /// empty when skipped before resolution.
    public var resolvedSpec: String
    public var status: Status

    public init(key: GridCellKey, resolvedSpec: String, status: Status) {
        self.key = key
        self.resolvedSpec = resolvedSpec
        self.status = status
    }

    /// The summary when done.
    public var summary: GridCellSummary? {
        if case let .done(summary) = status { return summary }
        return nil
    }

    /// The reason when skipped.
    public var skipReason: String? {
        if case let .skipped(reason) = status { return reason }
        return nil
    }
}
