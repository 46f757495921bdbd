/// What `AttentionProfile` measures: relative-distance bins, sink and local spans, query bins.
///
/// For query position i and key position j (window positions, not RoPE positions) the distance
/// is d = |i − j| tokens; the key is on the **left** when j ≤ i (the query itself, d = 0, counts
/// as left, as under a causal mask) and on the **right** when j > i. Distance bin b covers
/// `distanceEdges[b] ≤ d < distanceEdges[b+1]` (the last bin is unbounded), separately per side;
/// right bin 0 is empty whenever `distanceEdges[1] = 1`. Query bin q covers window positions
/// `queryEdges[q] ≤ i < queryEdges[q+1]` (the last unbounded).
public struct AttentionProfileLayout: Equatable, Sendable {
    /// Lower edges of the distance bins, tokens: ascending, first 0.
    public let distanceEdges: [Int]
    /// k ≥ 0: the sink is the first k window positions (j < k).
    public let sinkTokens: Int
    /// w ≥ 1: the local span is every key with d < w (causal: the w most recent keys, the query included).
    public let localWindow: Int
    /// Lower edges of the query-position bins: ascending, first 0 (`[0]`: one bin).
    public let queryEdges: [Int]

    /// Throws `InferenceError.invalidConfiguration` for edges that are not ascending from 0, k < 0 or w < 1.
    public init(distanceEdges: [Int], sinkTokens: Int, localWindow: Int, queryEdges: [Int] = [0]) throws {
        for (name, edges) in [("distance bin edges", distanceEdges), ("query bin edges", queryEdges)] {
            guard edges.first == 0, zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw InferenceError.invalidConfiguration(name: name, value: "\(edges)", allowed: "ascending integers starting at 0")
            }
        }
        // Upper bounds keep i + w and edge arithmetic far from Int overflow.
        guard (0...Self.maximumSpan).contains(sinkTokens) else {
            throw InferenceError.invalidConfiguration(name: "sink tokens", value: "\(sinkTokens)", allowed: "0...\(Self.maximumSpan)")
        }
        guard (1...Self.maximumSpan).contains(localWindow) else {
            throw InferenceError.invalidConfiguration(name: "local window", value: "\(localWindow)", allowed: "1...\(Self.maximumSpan)")
        }
        guard (distanceEdges.last ?? 0) <= Self.maximumSpan, (queryEdges.last ?? 0) <= Self.maximumSpan else {
            throw InferenceError.invalidConfiguration(name: "bin edges", value: "\(distanceEdges.last ?? 0), \(queryEdges.last ?? 0)",
                                                      allowed: "edges up to \(Self.maximumSpan)")
        }
        self.distanceEdges = distanceEdges
        self.sinkTokens = sinkTokens
        self.localWindow = localWindow
        self.queryEdges = queryEdges
    }

    /// Largest sink span, local window or bin edge, tokens (2^40).
    public static let maximumSpan = 1 << 40

    /// Edges 0, 1, 2, 4, …, the powers of two below `maximumLength` (the default `log` bins).
    public static func logDistanceEdges(maximumLength: Int) -> [Int] {
        var edges = [0, 1]
        while edges[edges.count - 1] < maximumLength / 2 + maximumLength % 2 { edges.append(edges[edges.count - 1] * 2) }  // 2e < L, overflow-free
        return edges
    }

    /// Number of distance bins per side.
    public var distanceBins: Int { distanceEdges.count }
    /// Number of query bins.
    public var queryBins: Int { queryEdges.count }

    /// The bin holding `value` among lower `edges` (the last bin is unbounded).
    static func bin(_ value: Int, _ edges: [Int]) -> Int {
        var low = 0, high = edges.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if edges[middle] <= value { low = middle } else { high = middle - 1 }
        }
        return low
    }
}

/// Attention statistics per layer × head × query bin, summed over query rows (each row's
/// softmax p_ij over its allowed keys contributes once):
/// ```
/// mass[side, b]  = Σ_{j on side, d_ij in bin b} p_ij          (probability)
/// distance       = Σ_j p_ij·|i − j|                           (tokens)
/// entropy        = −Σ_j p_ij·ln p_ij                          (nats)
/// sink           = Σ_{j < k} p_ij,   local = Σ_{|i−j| < w} p_ij
/// ```
/// Divide by `queries[q]` for the mean over rows (`mean…` accessors). Arrays are row-major
/// [layer, head, queryBin, side (left, right), distanceBin] for `mass` and [layer, head,
/// queryBin] for the others.
public struct AttentionProfile: Equatable, Sendable {
    public let layout: AttentionProfileLayout
    public let layers: Int
    public let heads: Int
    public internal(set) var mass: [Double]
    public internal(set) var distance: [Double]
    public internal(set) var entropy: [Double]
    public internal(set) var sink: [Double]
    public internal(set) var local: [Double]
    /// Query rows folded per layer and query bin (equal for every head), [layer, queryBin].
    public internal(set) var queries: [Int]

    /// An empty profile (all sums 0).
    public init(layout: AttentionProfileLayout, layers: Int, heads: Int) {
        self.layout = layout
        self.layers = layers
        self.heads = heads
        let cells = layers * heads * layout.queryBins
        mass = [Double](repeating: 0, count: cells * 2 * layout.distanceBins)
        distance = [Double](repeating: 0, count: cells)
        entropy = distance
        sink = distance
        local = distance
        queries = [Int](repeating: 0, count: layers * layout.queryBins)
    }

    /// Adds the sums of `other` (same layout and sizes), e.g. of another window.
    public mutating func add(_ other: AttentionProfile) {
        precondition(other.layout == layout && other.layers == layers && other.heads == heads, "profiles of different shapes")
        for i in mass.indices { mass[i] += other.mass[i] }
        for i in distance.indices {
            distance[i] += other.distance[i]
            entropy[i] += other.entropy[i]
            sink[i] += other.sink[i]
            local[i] += other.local[i]
        }
        for i in queries.indices { queries[i] += other.queries[i] }
    }

    /// Mean over every query row of one layer × head (all query bins): `mass` [2·distanceBins]
    /// (left bins, then right), mean distance (tokens), entropy (nats), sink and local mass.
    /// NaN when no row was folded.
    public func mean(layer: Int, head: Int) -> (mass: [Double], distance: Double, entropy: Double, sink: Double, local: Double) {
        let q = layout.queryBins, width = 2 * layout.distanceBins
        let rows = Double(queries[(layer * q)..<((layer + 1) * q)].reduce(0, +))
        var bins = [Double](repeating: 0, count: width)
        var (d, h, s, l) = (0.0, 0.0, 0.0, 0.0)
        for bin in 0..<q {
            let cell = (layer * heads + head) * q + bin
            for b in 0..<width { bins[b] += mass[cell * width + b] }
            d += distance[cell]; h += entropy[cell]; s += sink[cell]; l += local[cell]
        }
        return (bins.map { $0 / rows }, d / rows, h / rows, s / rows, l / rows)
    }
}

/// Receives the attention profile of each layer during `LlamaModel.forward`; pass one to
/// `forward(…, attentionProfile:)` to switch the statistics on (off by default, so the plain
/// path is unchanged). Sums accumulate across forward passes (windows) until `reset`.
public final class AttentionProfileRecorder {
    public let layout: AttentionProfileLayout
    /// Sums so far; nil before the first forward pass.
    public private(set) var profile: AttentionProfile?

    public init(layout: AttentionProfileLayout) { self.layout = layout }

    /// Forgets every sum.
    public func reset() { profile = nil }

    /// Adds one layer's sums: `values` is [head, queryBin, 2·bins + 4] (mass…, distance, entropy,
    /// sink, local), `rows` [queryBin].
    func add(layer: Int, layers: Int, heads: Int, values: [Double], rows: [Int]) {
        if profile == nil { profile = AttentionProfile(layout: layout, layers: layers, heads: heads) }
        let q = layout.queryBins, width = 2 * layout.distanceBins, stride = width + 4
        for head in 0..<heads {
            for bin in 0..<q {
                let source = (head * q + bin) * stride, cell = (layer * heads + head) * q + bin
                for b in 0..<width { profile?.mass[cell * width + b] += values[source + b] }
                profile?.distance[cell] += values[source + width]
                profile?.entropy[cell] += values[source + width + 1]
                profile?.sink[cell] += values[source + width + 2]
                profile?.local[cell] += values[source + width + 3]
            }
        }
        for bin in 0..<q { profile?.queries[layer * q + bin] += rows[bin] }
    }
}
