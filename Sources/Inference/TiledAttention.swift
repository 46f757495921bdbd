import Dispatch

/// Block sizes of the tiled attention. Scratch per worker is about
/// `group·queryBlock·(keyBlock + 2·d_head + 2)` floats (group = heads per key/value head),
/// independent of the window length.
public struct AttentionTiling: Equatable, Sendable {
    /// Query positions per tile, ≥ 1 (default 128). The tile holds these positions for every
    /// query head of one GQA group, so its sgemm has `group·queryBlock` rows.
    public let queryBlock: Int
    /// Keys per tile, ≥ 1 (default 256).
    public let keyBlock: Int

    /// Throws `InferenceError.invalidConfiguration` for a block size < 1.
    public init(queryBlock: Int, keyBlock: Int) throws {
        for (name, value) in [("query block", queryBlock), ("key block", keyBlock)] where value < 1 {
            throw InferenceError.invalidConfiguration(name: "attention \(name)", value: "\(value)", allowed: "an integer >= 1")
        }
        self.queryBlock = queryBlock
        self.keyBlock = keyBlock
    }

    private init(unchecked queryBlock: Int, _ keyBlock: Int) {
        self.queryBlock = queryBlock
        self.keyBlock = keyBlock
    }

    /// 128 query positions (× the GQA group) × 256 keys: the fastest measured for SmolLM2-135M
    /// (group 3, d_head 64) on 2 AVX2 cores, see benchmarks/README-inference.md.
    public static let standard = AttentionTiling(unchecked: 128, 256)
}

/// Layout of the attention inputs of one window: Q and Z are [L, heads, d_head], K and V are
/// [L, kvHeads, d_head], all row-major. Query head h reads key/value head h / (heads/kvHeads).
public struct AttentionShape: Equatable, Sendable {
    /// Window length L (positions).
    public let length: Int
    /// Query heads.
    public let heads: Int
    /// Key/value heads; divides `heads`.
    public let keyValueHeads: Int
    /// Per-head dimension d_head.
    public let headDimension: Int

    /// Query heads sharing one key/value head.
    public var group: Int { heads / keyValueHeads }

    init(length: Int, heads: Int, keyValueHeads: Int, headDimension: Int) {
        self.length = length
        self.heads = heads
        self.keyValueHeads = keyValueHeads
        self.headDimension = headDimension
    }

    /// Throws `InferenceError.invalidConfiguration` unless every size is ≥ 1 and `keyValueHeads`
    /// divides `heads`.
    public init(validatingLength length: Int, heads: Int, keyValueHeads: Int, headDimension: Int) throws {
        for (name, value) in [("window length", length), ("head count", heads),
                              ("key/value head count", keyValueHeads), ("head dimension", headDimension)] where value < 1 {
            throw InferenceError.invalidConfiguration(name: name, value: "\(value)", allowed: "an integer >= 1")
        }
        guard heads % keyValueHeads == 0 else {
            throw InferenceError.invalidConfiguration(
                name: "key/value head count", value: "\(keyValueHeads)", allowed: "a divisor of the head count \(heads)")
        }
        self.init(length: length, heads: heads, keyValueHeads: keyValueHeads, headDimension: headDimension)
    }
}

/// Scaled dot-product attention over key tiles with an online (streaming) softmax, so that no
/// L×L matrix is ever allocated (FlashAttention, Dao et al. 2022, algorithm 1):
/// ```
/// S = (Q_blk/√d_head)·K_blkᵀ (masked → −∞)
/// m' = max(m, rowmax S);  P = e^(S − m');  ℓ ← ℓ·e^(m − m') + rowsum P
/// O ← O·e^(m − m') + P·V_blk;  finally Z = O/ℓ
/// ```
/// One work item is one key/value head and one block of query positions: the query rows of all
/// heads of that GQA group are stacked into one tile (row = position·group + head in group), so
/// each K/V tile is multiplied once for the whole group. Tiles the mask empties are skipped, and
/// under a causal mask the keys stop at the block's last query. Work items run in parallel with
/// `DispatchQueue.concurrentPerform`, OpenBLAS limited to one thread inside that region.
enum TiledAttention {
    static func run(query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
                    output: UnsafeMutablePointer<Float>, shape: AttentionShape, plan: MaskPlan,
                    tiling: AttentionTiling) {
        let queryBlocks = (shape.length + tiling.queryBlock - 1) / tiling.queryBlock
        let (q, k, v, z) = (SharedPointer(query), SharedPointer(key), SharedPointer(value), SharedPointer(output))
        withSingleThreadedBLAS {
            DispatchQueue.concurrentPerform(iterations: shape.keyValueHeads * queryBlocks) { item in
                // Last query blocks first: under a causal mask they have the most key tiles.
                let block = queryBlocks - 1 - item / shape.keyValueHeads
                let start = block * tiling.queryBlock
                let tile = AttentionTile(
                    keyHead: item % shape.keyValueHeads, queries: start..<min(shape.length, start + tiling.queryBlock),
                    shape: shape, keyBlock: tiling.keyBlock)
                defer { tile.release() }
                tile.run(query: q.base, key: k.base, value: v.base, output: z.base, plan: plan)
            }
        }
    }
}
