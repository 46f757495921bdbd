import Foundation

/// The thread count of the BLAS that LAPACK runs on, when that BLAS is OpenBLAS.
///
/// Debian's `liblapack.so.3` calls into OpenBLAS, whose own thread pool defaults to one thread
/// per core. For the tall-skinny QR of `PositionFeatureConditioning` (n ≤ 2048 columns, blocks of
/// 2048 rows) that pool is slower than one thread: measured on 2 cores, a d = 128, L = 65536
/// conditioning run took 1.5 s with 2 threads and 1.0 s with 1, and callers that already run
/// analyses in parallel (`SweepAnalysis.run`) oversubscribe the cores, which made a sweep 4×
/// slower. The functions are looked up at run time (`dlsym`), so with any other BLAS they do
/// nothing and report `nil`/`false`.
public enum BLASThreading {
    private typealias SetThreads = @convention(c) (Int32) -> Void
    private typealias GetThreads = @convention(c) () -> Int32

    /// The process's global symbol scope, opened once (read-only after initialisation).
    nonisolated(unsafe) private static let process = dlopen(nil, RTLD_NOW)

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        guard let process else { return nil }
        return dlsym(process, name)
    }

    /// OpenBLAS's current thread count (`openblas_get_num_threads`), or nil when the process has
    /// no OpenBLAS.
    public static var threadCount: Int? {
        guard let pointer = symbol("openblas_get_num_threads") else { return nil }
        return Int(unsafeBitCast(pointer, to: GetThreads.self)())
    }

    /// Sets OpenBLAS's thread count (`openblas_set_num_threads`, clamped to 1 … 1024) for the whole
    /// process. Returns false, changing nothing, when the process has no OpenBLAS. Call it while
    /// no BLAS or LAPACK routine is running on another thread.
    @discardableResult
    public static func setThreadCount(_ count: Int) -> Bool {
        guard let pointer = symbol("openblas_set_num_threads") else { return false }
        unsafeBitCast(pointer, to: SetThreads.self)(Int32(min(max(count, 1), 1024)))
        return true
    }

    /// Runs `body` with OpenBLAS limited to one thread and restores the previous count after.
    /// For code that parallelises over its own work items; not re-entrant across threads.
    public static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        guard let previous = threadCount, previous != 1, setThreadCount(1) else { return try body() }
        defer { setThreadCount(previous) }
        return try body()
    }
}
