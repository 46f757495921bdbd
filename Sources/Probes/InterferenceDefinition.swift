import Foundation
import Inference

/// Everything that decides the numbers of a `probe interference` run (stored in its archive).
public struct InterferenceDefinition: Codable, Equatable, Sendable {
    /// SHA-256 of the model file (or a note when no file is written).
    public var modelSHA256: String
    /// Documents in load order: label, SHA-256 of the text, tokens (before truncation to L).
    public var documents: [GridText]
    /// `--rope` as given; nil = the scaling the GGUF declares.
    public var spec: String?
    /// Window lengths L, tokens, in the order given.
    public var contextLengths: [Int]
    /// The packing axis, in the order given.
    public var packings: [DocumentPacking]
    /// The position-mode axis, in the order given.
    public var positions: [PositionMode]
    /// Seed of the document order (and, for masked diffusion, of the masks).
    public var seed: UInt64
    /// Attention within a document (and across documents under `direct` and `eod`).
    public var attention: AttentionDirection
    /// `chain-rule` or `masked-diffusion`.
    public var estimator: String
    /// Options of the masked-diffusion estimator; nil for chain-rule.
    public var maskedDiffusion: MaskedDiffusionOptions?
    /// The token `eod` inserts; nil when `eod` is not run.
    public var eodToken: Int32?
    /// Lower edges of the position bins (document and window positions), ascending, first 1.
    public var positionBinEdges: [Int]

    /// A definition; `estimator` sets `estimator` (its name) and `maskedDiffusion` (its options).
    public init(modelSHA256: String, documents: [GridText], spec: String?, contextLengths: [Int], packings: [DocumentPacking],
                positions: [PositionMode], seed: UInt64, attention: AttentionDirection, estimator: InterferenceEstimator,
                eodToken: Int32?, positionBinEdges: [Int]) {
        self.modelSHA256 = modelSHA256
        self.documents = documents
        self.spec = spec
        self.contextLengths = contextLengths
        self.packings = packings
        self.positions = positions
        self.seed = seed
        self.attention = attention
        self.estimator = estimator.name
        if case let .maskedDiffusion(options) = estimator { maskedDiffusion = options }
        self.eodToken = eodToken
        self.positionBinEdges = positionBinEdges
    }

    /// The estimator this definition names.
    public var interferenceEstimator: InterferenceEstimator {
        maskedDiffusion.map { .maskedDiffusion($0) } ?? .chainRule
    }

    /// Cells, packings × positions × lengths.
    public var cellCount: Int { packings.count * positions.count * contextLengths.count }

    /// Flat index `(packing·P + positions)·C + length` of a cell.
    public func flatIndex(packing: Int, positions position: Int, length: Int) -> Int {
        (packing * positions.count + position) * contextLengths.count + length
    }

    /// The definition as one-line JSON with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// SHA-256 of `json()`: equal definitions give equal values.
    public var hash: String { SHA256.hex(Array(((try? json()) ?? "").utf8)) }
}

/// One cell of an interference run: a packing × position mode × context length, all documents.
public struct InterferenceCell: Equatable, Sendable {
    /// The cell's packing.
    public var packing: DocumentPacking
    /// The cell's position mode.
    public var positions: PositionMode
    /// L, tokens.
    public var contextLength: Int
    /// Canonical spec the cell ran with.
    public var resolvedSpec: String
    /// Documents scored (all of them: each lies in exactly one window).
    public var documents: Int
    /// Packed windows of the layout.
    public var windows: Int
    /// Forward-pass wall time of the packed windows, seconds (differs between runs).
    public var seconds: Double
    /// Per scored token, in window order, then document slot, then document position. Shape [tokens].
    public var deltaNLL: [Double]
    /// Packed value (NLL or bound contribution), nats.
    public var packedNLL: [Double]
    /// The same token scored alone, nats.
    public var aloneNLL: [Double]
    /// Document index (load order) of each token.
    public var tokenDocument: [Int32]
    /// Position in its document (≥ 1).
    public var documentPosition: [Int32]
    /// Position in the packed window (separators counted).
    public var windowPosition: [Int32]
    /// Window index.
    public var tokenWindow: [Int32]

    /// Scored tokens.
    public var tokens: Int { deltaNLL.count }
    /// Mean ΔNLL over scored tokens, nats (NaN without tokens).
    public var meanDeltaNLL: Double { Self.mean(deltaNLL) }
    /// max |ΔNLL|, nats.
    public var maxAbsDeltaNLL: Double { deltaNLL.map(abs).max() ?? .nan }
    /// Mean packed value, nats.
    public var meanPackedNLL: Double { Self.mean(packedNLL) }
    /// Mean alone value, nats.
    public var meanAloneNLL: Double { Self.mean(aloneNLL) }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }

    /// Mean ΔNLL and token count per bin of `key` values (`edges` lower edges, first bin also
    /// takes values below edges[0]); NaN where a bin is empty.
    public static func binned(_ values: [Double], by key: [Int32], edges: [Int]) -> (mean: [Double], count: [Int]) {
        var sums = [Double](repeating: 0, count: edges.count), counts = [Int](repeating: 0, count: edges.count)
        for (value, position) in zip(values, key) {
            let bin = bin(Int(position), edges: edges)
            sums[bin] += value
            counts[bin] += 1
        }
        return (zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : .nan }, counts)
    }

    /// Mean and count of `values` grouped by `index` (each in 0..<count); NaN for empty groups.
    public static func grouped(_ values: [Double], by index: [Int32], count: Int) -> (mean: [Double], count: [Int]) {
        var sums = [Double](repeating: 0, count: count), counts = [Int](repeating: 0, count: count)
        for (value, group) in zip(values, index) where (0..<count).contains(Int(group)) {
            sums[Int(group)] += value
            counts[Int(group)] += 1
        }
        return (zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : .nan }, counts)
    }

    /// The bin of `position`: the last edge ≤ position (0 below the first edge).
    public static func bin(_ position: Int, edges: [Int]) -> Int {
        var bin = 0
        while bin + 1 < edges.count, position >= edges[bin + 1] { bin += 1 }
        return bin
    }
}
