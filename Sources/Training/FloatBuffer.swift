/// A zero-initialised float32 allocation owned by the training pass (activations, gradients).
final class FloatBuffer: @unchecked Sendable {
    let count: Int
    let pointer: UnsafeMutablePointer<Float>

    init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// A copy of `values`.
    convenience init(copying values: [Float]) {
        self.init(values.count)
        _ = UnsafeMutableBufferPointer(start: pointer, count: count).update(fromContentsOf: values)
    }

    /// A copy of `source` (`count` floats).
    convenience init(copying source: UnsafePointer<Float>, count: Int) {
        self.init(count)
        pointer.update(from: source, count: count)
    }

    deinit { pointer.deallocate() }

    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
