/// Activation buffers of one forward pass, allocated once per window and reused by every block.
///
/// Sizes (floats): residual L·d_model; normed L·max(d_model, heads·d_head) (also holds z);
/// query L·heads·d_head; key, value L·kv_heads·d_head; gate, up mlpRows·d_mlp.
/// For LLaDA-8B at L = 32768 this is about 2.6 GB; no L×L or L×V buffer is allocated.
/// The products cannot overflow: every width is at most 2^22 (`LlamaConfiguration.Field` ranges,
/// checked when the configuration is built) and L is the length of an in-memory token array.
final class Workspace {
    let length: Int
    let mlpRows: Int
    let residual: UnsafeMutablePointer<Float>
    let normed: UnsafeMutablePointer<Float>
    let query: UnsafeMutablePointer<Float>
    let key: UnsafeMutablePointer<Float>
    let value: UnsafeMutablePointer<Float>
    let gate: UnsafeMutablePointer<Float>
    let up: UnsafeMutablePointer<Float>

    init(configuration c: LlamaConfiguration, length: Int, mlpRows: Int) {
        self.length = length
        self.mlpRows = mlpRows
        residual = .allocate(capacity: length * c.embeddingSize)
        normed = .allocate(capacity: length * max(c.embeddingSize, c.queryWidth))
        query = .allocate(capacity: length * c.queryWidth)
        key = .allocate(capacity: length * c.keyValueWidth)
        value = .allocate(capacity: length * c.keyValueWidth)
        gate = .allocate(capacity: mlpRows * c.feedForwardSize)
        up = .allocate(capacity: mlpRows * c.feedForwardSize)
    }

    deinit {
        for buffer in [residual, normed, query, key, value, gate, up] { buffer.deallocate() }
    }
}

/// A hook-only buffer: allocated when `needed`, else nil; freed by `release()`.
struct OptionalBuffer {
    let pointer: UnsafeMutablePointer<Float>?

    init(_ needed: Bool, count: Int) {
        pointer = needed ? .allocate(capacity: count) : nil
    }

    func release() { pointer?.deallocate() }
}
