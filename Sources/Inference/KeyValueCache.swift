import CVectorKernels
import GGUF
import RoPE

/// How a `KeyValueCache` stores its entries.
public enum KeyValuePrecision: String, Sendable, CaseIterable {
    /// 4 bytes per value: cached attention computes exactly what a full forward pass computes.
    case float32
    /// IEEE binary16, rounded to nearest even when stored (2 bytes per value, half the memory
    /// and half the bytes a decode step streams, as llama.cpp's default f16 K/V cache): each key
    /// and value carries a relative error ≤ 2⁻¹¹ (values beyond ±65504 become ±∞).
    case float16

    var bytesPerValue: Int { self == .float32 ? 4 : 2 }
}

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
/// Layout: per layer, keys and values are [capacity, kvHeads, d_head] row-major, float32 or
/// binary16 (`precision`); memory 2·layers·capacity·kvHeads·d_head·(4 or 2) bytes (SmolLM2-135M
/// float32: 46 KiB per position, 0.36 GiB at 8192). Not thread-safe: one sequence, one caller.
public final class KeyValueCache {
    /// Positions the cache can hold, ≥ 1.
    public let capacity: Int
    /// The RoPE table every cached key was rotated with.
    public let frequencies: RoPEFrequencies
    /// How entries are stored.
    public let precision: KeyValuePrecision
    /// Positions filled, 0…capacity; the next token runs at RoPE position `count`.
    public private(set) var count = 0
    /// Layers and floats per position (kvHeads·d_head) of the model the cache was made for.
    let layerCount: Int
    let rowWidth: Int
    /// Per layer: [capacity, kvHeads, d_head] float32 (`precision` .float32) or binary16 bits.
    let keys: [UnsafeMutableRawPointer]
    let values: [UnsafeMutableRawPointer]

    /// An empty cache for `model` holding up to `capacity` positions.
    /// - Throws: `InferenceError.invalidConfiguration` for `capacity` < 1;
    ///   `.invalidFrequencies` when `frequencies` does not fit the model's rotary dimension.
    public init(model: LlamaModel, capacity: Int, frequencies: RoPEFrequencies, precision: KeyValuePrecision = .float32) throws {
        guard capacity >= 1 else {
            throw InferenceError.invalidConfiguration(name: "KV cache capacity", value: "\(capacity)", allowed: "an integer >= 1")
        }
        try model.validate(frequencies: frequencies)
        let c = model.configuration
        self.capacity = capacity
        self.frequencies = frequencies
        self.precision = precision
        layerCount = c.layerCount
        rowWidth = c.keyValueWidth
        let bytes = capacity * c.keyValueWidth * precision.bytesPerValue
        keys = (0..<c.layerCount).map { _ in .allocate(byteCount: bytes, alignment: 64) }
        values = (0..<c.layerCount).map { _ in .allocate(byteCount: bytes, alignment: 64) }
    }

    deinit {
        for buffer in keys + values { buffer.deallocate() }
    }

    /// Bytes a cache of `capacity` positions takes for `configuration`.
    public static func bytes(capacity: Int, configuration c: LlamaConfiguration, precision: KeyValuePrecision = .float32) -> Int {
        2 * c.layerCount * capacity * c.keyValueWidth * precision.bytesPerValue
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
    /// `start`…`start + rows − 1` (rounded to binary16 for a `.float16` cache).
    func store(layer: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>, start: Int, rows: Int) {
        let offset = start * rowWidth, count = rows * rowWidth
        switch precision {
        case .float32:
            (keys[layer].assumingMemoryBound(to: Float.self) + offset).update(from: key, count: count)
            (values[layer].assumingMemoryBound(to: Float.self) + offset).update(from: value, count: count)
        case .float16:
            Half.round(key, count: count, into: keys[layer].assumingMemoryBound(to: UInt16.self) + offset)
            Half.round(value, count: count, into: values[layer].assumingMemoryBound(to: UInt16.self) + offset)
        }
    }

    /// The stored keys and values of `layer`.
    func layer(_ layer: Int) -> CachedLayer {
        switch precision {
        case .float32:
            .float32(keys: UnsafePointer(keys[layer].assumingMemoryBound(to: Float.self)),
                     values: UnsafePointer(values[layer].assumingMemoryBound(to: Float.self)))
        case .float16:
            .float16(keys: UnsafePointer(keys[layer].assumingMemoryBound(to: UInt16.self)),
                     values: UnsafePointer(values[layer].assumingMemoryBound(to: UInt16.self)))
        }
    }

    /// Marks positions up to `count` as filled (after every layer stored them).
    func advance(to count: Int) { self.count = count }
}

/// One layer's cache, [capacity, kvHeads, d_head] keys and values in the cache's precision;
/// read-only while attention's work items share it.
enum CachedLayer: @unchecked Sendable {
    case float32(keys: UnsafePointer<Float>, values: UnsafePointer<Float>)
    case float16(keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>)
}

/// binary16 conversions of the cache: F16C instructions when `VectorMath.usesVectorKernels`,
/// else (and as the tests' reference) `HalfPrecision`, both round to nearest even.
enum Half {
    static func round(_ source: UnsafePointer<Float>, count: Int, into target: UnsafeMutablePointer<UInt16>,
                      portable: Bool = !VectorMath.usesVectorKernels) {
        if portable {
            for i in 0..<count { target[i] = HalfPrecision.float16Bits(from: source[i]) }
        } else {
            ropescope_f16c_round(source, count, target)
        }
    }

    static func widen(_ source: UnsafePointer<UInt16>, count: Int, into target: UnsafeMutablePointer<Float>,
                      portable: Bool = !VectorMath.usesVectorKernels) {
        if portable {
            for i in 0..<count { target[i] = HalfPrecision.float(fromFloat16Bits: source[i]) }
        } else {
            ropescope_f16c_widen(source, count, target)
        }
    }
}
