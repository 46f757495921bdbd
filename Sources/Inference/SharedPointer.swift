/// A raw buffer address handed to `DispatchQueue.concurrentPerform` workers. Safe only because
/// each worker reads shared inputs and writes a disjoint range of the output (heads, rows).
struct SharedPointer<Pointee>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Pointee>

    init(_ base: UnsafeMutablePointer<Pointee>) { self.base = base }
    init(_ base: UnsafePointer<Pointee>) { self.base = UnsafeMutablePointer(mutating: base) }
}
