import Foundation

/// The cores the parallel loops of the inference core spread over.
enum Cores {
    /// `activeProcessorCount`, read once: Foundation re-reads the cgroup files on Linux at every
    /// call, which a decode step (hundreds of parallel regions) would otherwise pay each time.
    static let available = max(1, ProcessInfo.processInfo.activeProcessorCount)
}
