import Spectra

/// Times `PowerSpectrum` (rectangular window, no padding: P_k = |rfft(x)|², N = size) on one
/// thread, after one warm-up call that makes the plan: with `FFTPlanCache.shared` (FFTW_ESTIMATE,
/// what ropescope uses) or, for `rigor` .measure, a private cache of FFTW_MEASURE plans.
enum FFTBench {
    /// Calls per timed sample, so that small sizes are not dominated by clock resolution; the
    /// Python side uses the same rule. Reported time is per call.
    static func loops(size: Int) -> Int { max(1, (1 << 20) / size) }

    static func run(sizes: [Int], repeats: Int, rigor: FFTPlanRigor, threads: Int? = nil, threshold: Int = 1 << 15) throws -> [String: Any] {
        let plans = threads.map { FFTPlanCache(rigor: rigor, threadCount: $0, threadingThreshold: threshold) }
            ?? (rigor == .estimate ? FFTPlanCache.shared : FFTPlanCache(rigor: rigor))
        var results: [[String: Any]] = []
        var sink = 0.0
        for size in sizes {
            var generator = SystemRandomNumberGenerator()
            let signal = (0..<size).map { _ in Double.random(in: -1...1, using: &generator) }
            sink += try PowerSpectrum(signal: signal, plans: plans).power[0]
            let loops = loops(size: size)
            var best = Double.infinity
            for _ in 0..<max(repeats, 1) {
                let elapsed = try seconds {
                    for _ in 0..<loops { sink += try PowerSpectrum(signal: signal, plans: plans).power[1] }
                }
                best = min(best, elapsed / Double(loops))
            }
            results.append(["size": size, "seconds": best, "loops": loops])
        }
        return ["tool": "Spectra.PowerSpectrum", "rigor": rigor.rawValue, "threads": threads ?? plans.threadCount, "repeats": repeats, "results": results, "sink": sink.isFinite ? 0 : 1]
    }
}
