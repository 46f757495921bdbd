import BLASRuntime
import Dispatch
import Foundation
import Inference
import Synchronization
import XCTest

/// `LlamaModel` claims `Sendable`: forward passes may run concurrently. The only process-wide
/// state they touch is OpenBLAS's thread count (one thread inside tiled attention), which
/// `BLASThreading` owns; before it, overlapping passes could leave the process on one thread.
final class ConcurrentForwardTests: XCTestCase {
    func testConcurrentForwardPassesMatchSerialOnesAndRestoreTheThreadCount() throws {
        let model = try RandomModel.model(tiling: AttentionTiling(queryBlock: 4, keyBlock: 4))
        let frequencies = try model.frequencies(.none)
        let windows = (0..<6).map { RandomModel.tokens(24, seed: UInt64(100 + $0)) }
        let serial = try windows.map { try model.forward(tokens: $0, frequencies: frequencies).logits }
        BLASThreading.setThreadCount(2)
        defer { BLASThreading.setThreadCount(ProcessInfo.processInfo.activeProcessorCount) }
        let before = BLASThreading.threadCount
        let results = Mutex<[Int: Result<[Float], any Error>]>([:])
        for _ in 0..<20 {
            DispatchQueue.concurrentPerform(iterations: windows.count) { index in
                let outcome = Result { try model.forward(tokens: windows[index], frequencies: frequencies).logits }
                results.withLock { $0[index] = outcome }
            }
            XCTAssertEqual(BLASThreading.threadCount, before, "OpenBLAS thread count after concurrent forward passes")
        }
        // Same computation; only OpenBLAS's thread split may differ, which for sgemm partitions
        // rows/columns and never the K sum, so the logits agree to float rounding of the
        // elementwise kernels: 1e-5 on logits of magnitude ≲ 10 (≈ 16 ulp).
        for (index, expected) in serial.enumerated() {
            let logits = try XCTUnwrap(results.withLock { $0[index] }).get()
            XCTAssertEqual(logits.count, expected.count)
            let worst = zip(logits, expected).map { abs($0 - $1) }.max() ?? .nan
            XCTAssert(worst <= 1e-5, "window \(index): max |Δlogit| \(worst)")
        }
    }
}
