import CFFTW3
import Synchronization

/// How hard FFTW searches for a fast plan. `.estimate` (default) plans in microseconds from a
/// cost model; `.measure` times candidate algorithms once per size (about a second at 2^16, more
/// at 2^20) and is then faster to execute. Either way each plan is made once per cache.
public enum FFTPlanRigor: String, CaseIterable, Sendable, Codable {
    case estimate
    case measure

    var flags: UInt32 { self == .estimate ? UInt32(FFTW_ESTIMATE) : UInt32(FFTW_MEASURE) }
}

/// The transform a cached plan performs (double precision, 1-D, out of place, unnormalised).
enum FFTKind: String, Sendable {
    /// Real → half-complex: X_k = Σ_n x_n e^(−2πi kn/N), k = 0 … N/2 (N/2+1 outputs).
    case realToComplex = "real-to-complex"
    /// As `realToComplex`, in place: N reals in, N/2+1 complex out over the same array of
    /// 2·(N/2+1) doubles. FFTW_ESTIMATE picks faster algorithms for it at large N (~1.5× at 2^18).
    case realToComplexInPlace = "in-place real-to-complex"
    /// Complex backward: y_n = Σ_k Z_k e^(+2πi kn/N) (no 1/N factor).
    case complexBackward = "complex backward"
}

/// One FFTW plan. Executed only through FFTW's new-array functions, which are thread-safe, on
/// arrays from `fftw_malloc` (same alignment as the arrays the plan was made with).
final class FFTPlan: @unchecked Sendable {
    let handle: OpaquePointer
    let kind: FFTKind
    let size: Int

    init(handle: OpaquePointer, kind: FFTKind, size: Int) {
        self.handle = handle
        self.kind = kind
        self.size = size
    }

    deinit {
        let handle = self.handle
        FFTPlanCache.plannerLock.withLock { _ in fftw_destroy_plan(handle) }
    }

    /// r2c: `input` holds `size` reals, `output` receives `size/2 + 1` complex values. For an
    /// in-place plan both point at the same array of 2·(size/2 + 1) doubles.
    func execute(realInput input: UnsafeMutablePointer<Double>, output: UnsafeMutablePointer<fftw_complex>) {
        fftw_execute_dft_r2c(handle, input, output)
    }

    /// c2c: `input` and `output` hold `size` complex values each (distinct arrays).
    func execute(complexInput input: UnsafeMutablePointer<fftw_complex>, output: UnsafeMutablePointer<fftw_complex>) {
        fftw_execute_dft(handle, input, output)
    }
}

/// A thread-safe cache of FFTW plans keyed by (kind, size). Plans are created once under a
/// process-wide planner lock (the FFTW planner is not thread-safe) and then reused from any
/// thread with `fftw_execute_dft*` on fresh arrays. Plans live until `removeAll()` drops them
/// and their last user finishes.
///
/// Transforms of at least `threadingThreshold` points use `threadCount` FFTW threads (below that
/// size threads cost more than they save); smaller ones run on the calling thread.
public final class FFTPlanCache: Sendable {
    struct Key: Hashable {
        let kind: FFTKind
        let size: Int
    }

    /// The cache used by default throughout `Spectra`: rigor `.estimate`, one thread. On a
    /// shared 2-core machine a second FFTW thread was measured slower under load, and `.measure`
    /// picked worse plans than `.estimate` when other processes disturbed its timings; make a
    /// dedicated cache to opt into either.
    public static let shared = FFTPlanCache(rigor: .estimate, threadCount: 1)
    /// Largest transform size accepted: 2^30 samples.
    public static let maximumSize = 1 << 30
    /// Serialises every FFTW planner call in the process (plan, destroy, wisdom, thread set-up);
    /// holds whether `fftw_init_threads` has run.
    static let plannerLock = Mutex<Bool>(false)

    /// The planning rigor of every plan in this cache.
    public let rigor: FFTPlanRigor
    /// FFTW threads used for transforms of at least `threadingThreshold` points (1 … 64).
    public let threadCount: Int
    /// Smallest transform size, in points, that uses `threadCount` threads.
    public let threadingThreshold: Int
    private let plans = Mutex<[Key: FFTPlan]>([:])

    /// A new, empty cache. `threadCount` is clamped to 1 … 64; `threadingThreshold` (points)
    /// defaults to 2^17, where two threads first beat one on a 2-core machine.
    public init(rigor: FFTPlanRigor = .estimate, threadCount: Int = 1, threadingThreshold: Int = 1 << 17) {
        self.rigor = rigor
        self.threadCount = min(max(threadCount, 1), 64)
        self.threadingThreshold = max(threadingThreshold, 1)
    }

    /// Number of plans currently held.
    public var planCount: Int { plans.withLock { $0.count } }

    /// Drops every cached plan (each is destroyed once no computation is using it).
    public func removeAll() {
        let dropped = plans.withLock { plans in
            let old = plans
            plans = [:]
            return old
        }
        _ = dropped.count  // released here, outside both locks
    }

    /// The plan for (kind, size), made on first use. Throws `fftPlanFailed` for sizes outside
    /// 1…`maximumSize` or when FFTW returns no plan.
    func plan(_ kind: FFTKind, size: Int) throws -> FFTPlan {
        let key = Key(kind: kind, size: size)
        if let cached = plans.withLock({ $0[key] }) { return cached }
        guard size >= 1, size <= Self.maximumSize else {
            throw SpectraError.fftPlanFailed(kind: kind.rawValue, size: size)
        }
        let flags = rigor.flags
        let threads = size >= threadingThreshold ? threadCount : 1
        let made: FFTPlan? = Self.plannerLock.withLock { threadsReady in
            if let cached = plans.withLock({ $0[key] }) { return cached }
            if threads > 1, !threadsReady { threadsReady = fftw_init_threads() != 0 }
            fftw_plan_with_nthreads(threadsReady ? Int32(threads) : 1)
            guard let handle = Self.makePlan(kind, size: size, flags: flags) else { return nil }
            let plan = FFTPlan(handle: handle, kind: kind, size: size)
            plans.withLock { $0[key] = plan }
            return plan
        }
        guard let made else { throw SpectraError.fftPlanFailed(kind: kind.rawValue, size: size) }
        return made
    }

    /// Calls the FFTW planner on temporary `fftw_malloc` arrays. Caller holds `plannerLock`.
    private static func makePlan(_ kind: FFTKind, size: Int, flags: UInt32) -> OpaquePointer? {
        let n = Int32(size)
        switch kind {
        case .realToComplex:
            guard let input = fftw_alloc_real(size), let output = fftw_alloc_complex(size / 2 + 1) else { return nil }
            defer { fftw_free(input); fftw_free(output) }
            return fftw_plan_dft_r2c_1d(n, input, output, flags)
        case .realToComplexInPlace:
            guard let buffer = fftw_alloc_complex(size / 2 + 1) else { return nil }
            defer { fftw_free(buffer) }
            let real = UnsafeMutableRawPointer(buffer).assumingMemoryBound(to: Double.self)
            return fftw_plan_dft_r2c_1d(n, real, buffer, flags)
        case .complexBackward:
            guard let input = fftw_alloc_complex(size), let output = fftw_alloc_complex(size) else { return nil }
            defer { fftw_free(input); fftw_free(output) }
            return fftw_plan_dft_1d(n, input, output, FFTW_BACKWARD, flags)
        }
    }
}
