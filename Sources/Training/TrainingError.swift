/// Errors from the `Training` target. Every case says what is wrong, where, and what was allowed,
/// so that a CLI can print `description` as one line.
public enum TrainingError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A configuration or hyper-parameter is out of range (`learning rate -1: allowed a finite value > 0`).
    case invalidConfiguration(name: String, value: String, allowed: String)
    /// An array that must match a shape has the wrong number of elements.
    case shapeMismatch(name: String, count: Int, expected: Int)
    /// A training sequence is unusable (too short, token out of range, wrong length).
    case invalidSequence(index: Int, reason: String)
    /// The loss or the gradient norm became NaN or infinite at this optimiser step (1-based).
    case nonFiniteLoss(step: Int, value: Double)
    /// The corpus directory or one of its files cannot be read.
    case unreadableCorpus(path: String, reason: String)
    /// The corpus is empty or too small for the requested context.
    case invalidCorpus(reason: String)
    /// The run would need more memory than allowed (estimate in bytes).
    case memoryLimit(estimate: Int, limit: Int, hint: String)
    /// A checkpoint cannot be used here (another architecture or vocabulary, a bad tensor).
    case incompatibleCheckpoint(reason: String)
    /// A checkpoint could not be written.
    case checkpoint(reason: String)

    /// One line saying what is wrong, where, and what was allowed.
    public var description: String {
        switch self {
        case let .invalidConfiguration(name, value, allowed):
            return "\(name) \(value): allowed \(allowed)"
        case let .shapeMismatch(name, count, expected):
            return "\(name) has \(count) elements: expected \(expected)"
        case let .invalidSequence(index, reason):
            return "training sequence \(index): \(reason)"
        case let .nonFiniteLoss(step, value):
            return "the loss or gradient norm became \(value) at step \(step): training stopped, no update applied (files written before this step are kept)"
        case let .unreadableCorpus(path, reason):
            return "cannot read corpus \(path): \(reason)"
        case let .invalidCorpus(reason):
            return "corpus: \(reason)"
        case let .memoryLimit(estimate, limit, hint):
            return "training would need about \(estimate >> 20) MiB of activations and state: allowed \(limit >> 20) MiB (\(hint))"
        case let .incompatibleCheckpoint(reason):
            return "checkpoint: \(reason)"
        case let .checkpoint(reason):
            return "checkpoint: \(reason)"
        }
    }
}
