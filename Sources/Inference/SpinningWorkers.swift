import Dispatch
import Foundation
import CVectorKernels
import Synchronization

/// A parallel loop for the many short regions of a decode step (~150 per token): the helper
/// threads spin on an epoch counter between regions instead of sleeping, so a region starts
/// without a futex wake-up and context switch per core (what `DispatchQueue.concurrentPerform`
/// pays when its idle workers have parked). A helper that sees no region for ~50 µs parks on a
/// semaphore, so an idle process does not burn a core.
///
/// ```
/// run(n, body):  publish (body, n), epoch += 1;  every thread (caller included) loops
///                i = claimed++ ; if i ≥ n stop ; body(i) ; completed++
///                the caller returns once completed = n
/// ```
/// One region at a time: a second caller (another thread's forward pass, or a region started
/// from inside `body`) falls back to `concurrentPerform`. Items run on any thread in any order;
/// `body` is escaping because a helper may still hold it for a moment after the last item.
final class SpinningWorkers: @unchecked Sendable {
    /// One helper per core beyond the caller's.
    static let shared = SpinningWorkers(helpers: Cores.available - 1)

    private let helpers: Int
    private let owner = Atomic<Bool>(false)
    /// The current region's number; helpers spin until it changes.
    private let epoch = Atomic<Int>(0)
    /// epoch << 32 | next unclaimed item, and epoch << 32 | item count: a claim is valid only when
    /// its epoch equals the count's and its item is below the count, so a helper still leaving an
    /// earlier region can never run (or count) an item of the next one.
    private let ticket = Atomic<Int>(0)
    private let limit = Atomic<Int>(0)
    private let completed = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let wake = DispatchSemaphore(value: 0)
    /// The owner's region counter (read and written only by the owner, under `owner`).
    private nonisolated(unsafe) var current = 0
    /// The current region's body; written by the owner before the region is published (release),
    /// read by a thread only after it holds a valid claim (acquire).
    private nonisolated(unsafe) var body: (@Sendable (Int) -> Void)?

    /// Spin iterations (with a pause each, ~50 µs in all) before a helper parks.
    private static let spinLimit = 20_000

    init(helpers: Int) {
        self.helpers = max(0, helpers)
        for _ in 0..<self.helpers {
            let thread = Thread { [unowned self] in self.helperLoop() }
            thread.name = "ropescope-decode-worker"
            thread.start()
        }
    }

    /// Runs `body(i)` for i in 0..<iterations across the caller and the helpers; returns when all are done.
    func run(iterations: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard iterations > 1, iterations < 1 << 31, helpers > 0,
              owner.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
            return
        }
        defer { owner.store(false, ordering: .releasing) }
        current = (current + 1) & 0x7FFF_FFFF
        self.body = body
        completed.store(0, ordering: .relaxed)
        limit.store(current << 32 | iterations, ordering: .releasing)
        ticket.store(current << 32, ordering: .releasing)
        epoch.store(current, ordering: .releasing)
        let parked = sleepers.exchange(0, ordering: .acquiringAndReleasing)
        for _ in 0..<parked { wake.signal() }
        work()
        while completed.load(ordering: .acquiring) < iterations { spinPause() }
        self.body = nil
    }

    /// Claims and runs items of the current region until none is left.
    private func work() {
        while true {
            let claim = ticket.add(1, ordering: .acquiringAndReleasing).oldValue
            let bound = limit.load(ordering: .acquiring)
            guard claim >> 32 == bound >> 32, claim & 0xFFFF_FFFF < bound & 0xFFFF_FFFF, let body else { return }
            body(claim & 0xFFFF_FFFF)
            completed.add(1, ordering: .releasing)
        }
    }

    private func helperLoop() {
        var seen = epoch.load(ordering: .acquiring)
        while true {
            var spins = 0
            while epoch.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < Self.spinLimit {
                    spinPause()
                } else {
                    sleepers.add(1, ordering: .acquiringAndReleasing)
                    if epoch.load(ordering: .acquiring) == seen { wake.wait() }
                    spins = 0
                }
            }
            seen = epoch.load(ordering: .acquiring)
            work()
        }
    }
}

/// A CPU hint that this thread is spinning (x86 `pause`), else nothing.
@inline(__always)
private func spinPause() {
    ropescope_spin_pause()
}
