import Inference

/// Tiled attention alone (SmolLM2-135M shape: 9 heads, 3 KV heads, d_head 64, causal) on random
/// inputs, per tiling: best-of-`repeats` seconds and the useful GFLOP/s (causal: 2·2·L²/2·heads·d).
enum AttentionBench {
    static func run(length: Int, tilings: [(Int, Int)], repeats: Int) throws -> [String: Any] {
        let shape = try AttentionShape(validatingLength: length, heads: 9, keyValueHeads: 3, headDimension: 64)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random(_ count: Int) -> [Float] {
            (0..<count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 500
            }
        }
        let query = random(length * 9 * 64), key = random(length * 3 * 64), value = random(length * 3 * 64)
        let flops = 2.0 * 2.0 * Double(length) * Double(length) / 2 * 9 * 64
        var results: [[String: Any]] = []
        for (queryBlock, keyBlock) in tilings {
            let tiling = try AttentionTiling(queryBlock: queryBlock, keyBlock: keyBlock)
            var best = Double.infinity
            for _ in 0..<repeats {
                best = min(best, try seconds {
                    _ = try Attention.scaledDotProduct(query: query, key: key, value: value, shape: shape, mask: .causal, tiling: tiling)
                })
            }
            results.append(["query_block": queryBlock, "key_block": keyBlock, "seconds": best, "gflops": flops / best / 1e9])
        }
        return ["length": length, "results": results]
    }
}
