@testable import Inference
import Dispatch
import Foundation
import Synchronization
import XCTest

/// `SpinningWorkers`: every item runs exactly once per region, across many back-to-back regions
/// of every size (the race a stale helper could cause would run an item twice or return early),
/// with concurrent callers and nested regions falling back to `concurrentPerform`.
final class SpinningWorkersTests: XCTestCase {
    /// Counts per item; each region checks all are exactly 1 when `run` returns.
    final class Counters: @unchecked Sendable {
        let values: UnsafeMutablePointer<Int>
        init(_ count: Int) { values = .allocate(capacity: count); values.initialize(repeating: 0, count: count) }
        deinit { values.deallocate() }
    }

    /// One atomic counter per item, so that a duplicate run on two threads cannot hide as a lost update.
    final class AtomicCounters: @unchecked Sendable {
        let values: UnsafeMutablePointer<Atomic<Int>>
        let count: Int
        init(_ count: Int) {
            self.count = count
            values = .allocate(capacity: count)
            for i in 0..<count { (values + i).initialize(to: Atomic(0)) }
        }
        deinit { values.deinitialize(count: count); values.deallocate() }
    }

    func testEveryItemRunsExactlyOnceAcrossManyRegions() {
        let workers = SpinningWorkers(helpers: 3)
        let counters = AtomicCounters(257)
        for region in 0..<20_000 {
            let n = 2 + region % 255
            for i in 0..<n { counters.values[i].store(0, ordering: .relaxed) }
            workers.run(iterations: n) { i in counters.values[i].add(1, ordering: .relaxed) }
            for i in 0..<n where counters.values[i].load(ordering: .relaxed) != 1 {
                XCTFail("region \(region): item \(i) ran \(counters.values[i].load(ordering: .relaxed)) times")
                return
            }
        }
    }

    func testConcurrentAndNestedCallersFallBackCorrectly() {
        let workers = SpinningWorkers(helpers: 1)
        let totals = Counters(8)
        DispatchQueue.concurrentPerform(iterations: 8) { caller in
            for _ in 0..<200 {
                let sums = Counters(64)
                workers.run(iterations: 64) { i in
                    // A nested region from inside an item takes the fallback path.
                    let inner = Counters(4)
                    workers.run(iterations: 4) { j in inner.values[j] = j + 1 }
                    sums.values[i] = i + (0..<4).reduce(0) { $0 + inner.values[$1] }
                }
                totals.values[caller] += (0..<64).reduce(0) { $0 + sums.values[$1] }
            }
        }
        for caller in 0..<8 { XCTAssertEqual(totals.values[caller], 200 * (64 * 63 / 2 + 64 * 10), "caller \(caller)") }
    }
}

