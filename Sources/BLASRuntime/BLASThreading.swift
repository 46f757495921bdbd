import CBLAS
import Synchronization

/// The one owner of OpenBLAS's process-wide thread count.
///
/// OpenBLAS has a single thread count for the whole process (`openblas_set_num_threads`). Two
/// kinds of callers change it: the CLI (`--threads`), and regions that parallelise over their own
/// work items and want OpenBLAS on one thread inside (tiled attention over heads, the sweep over
/// rows — Debian's `liblapack.so.3` calls into the same OpenBLAS, so LAPACK is covered too).
/// Measured on 2 cores: a d = 128, L = 65536 conditioning run took 1.5 s with 2 threads and 1.0 s
/// with 1; a sweep with nested threads ran 4× slower.
///
/// Before this type, `Inference.withSingleThreadedBLAS` saved and restored the count around each
/// region on its own. Two regions overlapping on different threads then lost the restore: A saves
/// 2 and sets 1, B saves 1, A restores 2 while B still runs, B restores 1, and the process stays
/// on one thread for good. Here regions are counted under a lock: the first one in saves the count
/// and sets 1, the last one out restores it, and a `setThreadCount` arriving while a region is open
/// is applied when the last region closes. Regions may overlap and nest freely.
///
/// `Sendable` audit (issue 8): `LlamaModel` and `PerplexityProbe` are `Sendable` value types whose
/// only process-wide mutable state was this count, so their claim holds now (tested with concurrent
/// forward passes in `ConcurrentForwardTests`). The `@unchecked Sendable` helpers of Inference
/// (`SharedPointer`, `OutputBuffers`, `SharedOutputState`) are safe by construction: every worker
/// writes a disjoint range. Spectra's caches (`FFTPlanCache`, `FFTScratchPool`, `WindowCache`) are
/// `Mutex`-guarded; FFTW plans are created and destroyed under the planner lock and executed through
/// the thread-safe new-array API; `AlignedBuffer`s are handed out exclusively. No claim was removed.
public enum BLASThreading {
    private struct State {
        var openRegions = 0
        var savedCount: Int32 = 1
        var pendingCount: Int32?
    }

    private static let state = Mutex(State())

    /// OpenBLAS's current thread count (`openblas_get_num_threads`); 1 while a single-threaded
    /// region is open.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// The thread count outside single-threaded regions: the current count, or the one that will
    /// be restored when the open regions close.
    public static var configuredThreadCount: Int {
        state.withLock { state in
            state.openRegions > 0 ? Int(state.pendingCount ?? state.savedCount) : Int(openblas_get_num_threads())
        }
    }

    /// Sets OpenBLAS's thread count for the whole process, clamped to 1…1024 (OpenBLAS itself
    /// caps it at its `MAX_THREADS`). Inside an open single-threaded region the new count takes
    /// effect when the last region closes. Returns true (kept for callers written against the
    /// former `Spectra.BLASThreading`, which returned false without OpenBLAS).
    @discardableResult
    public static func setThreadCount(_ count: Int) -> Bool {
        let clamped = Int32(min(max(count, 1), 1024))
        state.withLock { state in
            if state.openRegions > 0 { state.pendingCount = clamped } else { openblas_set_num_threads(clamped) }
        }
        return true
    }

    /// Runs `body` with OpenBLAS on one thread, for code that parallelises over its own work items.
    /// Re-entrant and safe to overlap from several threads (see the type's comment).
    public static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        state.withLock { state in
            if state.openRegions == 0 {
                state.savedCount = openblas_get_num_threads()
                if state.savedCount != 1 { openblas_set_num_threads(1) }
            }
            state.openRegions += 1
        }
        defer {
            state.withLock { state in
                state.openRegions -= 1
                if state.openRegions == 0 {
                    let restored = state.pendingCount ?? state.savedCount
                    state.pendingCount = nil
                    if restored != 1 { openblas_set_num_threads(restored) }
                }
            }
        }
        return try body()
    }
}
