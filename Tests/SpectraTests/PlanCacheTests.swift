import Dispatch
import Foundation
import Synchronization
import XCTest

@testable import Spectra

final class PlanCacheTests: XCTestCase {
    func testPlansAreMadeOncePerKindAndSize() throws {
        let cache = FFTPlanCache()
        let signal = (0..<100).map { Double($0 % 9) }
        let options = SpectrumOptions(window: .hann, paddingFactor: 2)  // N = 256
        let first = try PowerSpectrum(signal: signal, options: options, plans: cache)
        XCTAssertEqual(cache.planCount, 1)
        let second = try PowerSpectrum(signal: signal, options: options, plans: cache)
        XCTAssertEqual(cache.planCount, 1)
        XCTAssertEqual(first, second)
        _ = try AnalyticEnvelope.magnitude(of: signal, plans: cache)  // r2c(100) + c2c(100)
        XCTAssertEqual(cache.planCount, 3)
        cache.removeAll()
        XCTAssertEqual(cache.planCount, 0)
        XCTAssertEqual(try PowerSpectrum(signal: signal, options: options, plans: cache), first)
    }

    func testConcurrentUseGivesSerialResults() throws {
        // Many threads plan (serialised) and execute (new-array execute) at once, across sizes
        // on both sides of the threading threshold of this cache.
        let cache = FFTPlanCache(rigor: .estimate, threadCount: 2, threadingThreshold: 1 << 10)
        let lengths = [37, 64, 100, 1000, 1024, 3000, 4096, 777]
        let signals = lengths.map { n in (0..<n).map { sin(0.01 * Double($0 * $0 % 1013)) } }
        let serial = try signals.map { try PowerSpectrum(signal: $0, options: SpectrumOptions(window: .blackman), plans: .shared).power }
        let results = Mutex<[Int: [Double]]>([:])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 64) { iteration in
            let index = iteration % lengths.count
            do {
                let spectrum = try PowerSpectrum(
                    signal: signals[index], options: SpectrumOptions(window: .blackman), plans: cache)
                results.withLock { $0[iteration] = spectrum.power }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, [])
        for iteration in 0..<64 {
            let index = iteration % lengths.count
            let power = try XCTUnwrap(results.withLock { $0[iteration] })
            // Threaded and single-threaded FFTW plans may use different algorithms: same
            // tolerance as against numpy.
            let floor = 1e-13 * (serial[index].max() ?? 0)
            assertClose(power, serial[index], relative: 1e-9, absolute: floor, "concurrent N=\(lengths[index])")
        }
    }

    func testWisdomRoundTrip() {
        let cache = FFTPlanCache(rigor: .measure)
        XCTAssertNoThrow(try PowerSpectrum(signal: [1, 2, 3, 4, 5, 6, 7, 8], plans: cache))
        let wisdom = FFTWisdom.exportedText()
        XCTAssertTrue(wisdom.contains("fftw"), wisdom)
        XCTAssertTrue(FFTWisdom.importText(wisdom))
        XCTAssertFalse(FFTWisdom.importText("not wisdom"))
    }
}
