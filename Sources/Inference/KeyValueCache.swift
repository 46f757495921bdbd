import RoPE

/// The rotated keys and the values of every layer for the first `count` positions of one causal
/// sequence, so that later tokens are run one (or a few) at a time instead of recomputing the
/// whole sequence.
///
/// ```
/// K_cache[l][p] = RoPE(W_K·n₁(x_l[p]), p)·m,   V_cache[l][p] = W_V·n₁(x_l[p])
/// ```
/// with p the absolute position (0-based, the index in the cache) and m the attention factor of
/// `frequencies`, the RoPE table every entry was rotated with (any spec: the rotation is done once
/// with the angles p·θ′_i when the entry is stored, exactly as a full forward pass rotates it).
/// Valid only under a causal mask: with bidirectional attention a layer-l state depends on later
/// tokens, so earlier entries would go stale.
///
/// Layout: per layer, keys and values are [capacity, kvHeads, d_head] row-major float32;
/// memory 2·layers·capacity·kvHeads·d_head·4 bytes (SmolLM2-135M: 46 KiB per position, 0.36 GiB
/// at 8192). Not thread-safe: one sequence, one caller.
public final class KeyValueCache {
    /// Positions the cache can hold, ≥ 1.
    public let capacity: Int
    /// The RoPE table every cached key was rotated with.
    public let frequencies: RoPEFrequencies
    /// Positions filled, 0…capacity; the next token runs at RoPE position `count`.
    public private(set) var count = 0
    /// Layers and floats per position (kvHeads·d_head) of the model the cache was made for.
    let layerCount: Int
    let rowWidth: Int
    let keys: [UnsafeMutablePointer<Float>]
    let values: [UnsafeMutablePointer<Float>]

    /// An empty cache for `model` holding up to `capacity` positions.
    /// - Throws: `InferenceError.invalidConfiguration` for `capacity` < 1;
    ///   `.invalidFrequencies` when `frequencies` does not fit the model's rotary dimension.
    public init(model: LlamaModel, capacity: Int, frequencies: RoPEFrequencies) throws {
        guard capacity >= 1 else {
            throw InferenceError.invalidConfiguration(name: "KV cache capacity", value: "\(capacity)", allowed: "an integer >= 1")
        }
        try model.validate(frequencies: frequencies)
        let c = model.configuration
        self.capacity = capacity
        self.frequencies = frequencies
        layerCount = c.layerCount
        rowWidth = c.keyValueWidth
        keys = (0..<c.layerCount).map { _ in .allocate(capacity: capacity * c.keyValueWidth) }
        values = (0..<c.layerCount).map { _ in .allocate(capacity: capacity * c.keyValueWidth) }
    }

    deinit {
        for buffer in keys + values { buffer.deallocate() }
    }

    /// Bytes a cache of `capacity` positions takes for `configuration`.
    public static func bytes(capacity: Int, configuration c: LlamaConfiguration) -> Int {
        2 * c.layerCount * capacity * c.keyValueWidth * MemoryLayout<Float>.size
    }

    /// Forgets every position from `count` on (e.g. to score several continuations of one
    /// prefilled prompt). Throws `invalidTarget` unless 0 ≤ `count` ≤ the current count.
    public func truncate(to count: Int) throws {
        guard (0...self.count).contains(count) else {
            throw InferenceError.invalidTarget(name: "KV cache length", value: "\(count)", allowed: "0...\(self.count)")
        }
        self.count = count
    }

    /// Copies `rows` rotated keys and values of `layer` (each [rows, kvHeads, d_head]) to positions
    /// `start`…`start + rows − 1`.
    func store(layer: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>, start: Int, rows: Int) {
        keys[layer].advanced(by: start * rowWidth).update(from: key, count: rows * rowWidth)
        values[layer].advanced(by: start * rowWidth).update(from: value, count: rows * rowWidth)
    }

    /// Marks positions up to `count` as filled (after every layer stored them).
    func advance(to count: Int) { self.count = count }
}
