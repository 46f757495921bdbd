@testable import BLASRuntime
import Dispatch
import Foundation
import XCTest

/// The self-check, CPU detection and the thread-count owner on the machine running the tests.
final class BLASRuntimeTests: XCTestCase {
    func testSelfCheckPassesOnTheRunningKernel() {
        let result = BLASSelfCheck.run()
        XCTAssert(result.passed, "kernel \(BLASLibrary.corename): \(result.summary)")
        XCTAssert(result.worstRatio.isFinite && result.worstRatio >= 0, result.summary)
    }

    func testSelfCheckComparisonCatchesAWrongProduct() {
        // 2×2×3 product of exact small floats; the Double reference is exact.
        let a: [Float] = [1, 2, 3, 4, 5, 6], b: [Float] = [7, 8, 9, 10, 11, 12]   // A [2,3], B [3,2]
        let exact: [Float] = [58, 64, 139, 154]
        let factors = { (i: Int, j: Int, l: Int) in (a[i * 3 + l], b[l * 2 + j]) }
        XCTAssertEqual(BLASSelfCheck.compare(exact, m: 2, n: 2, k: 3, initial: nil, factors: factors).ratio, 0)
        var wrong = exact
        wrong[3] += 0.01  // far above 2·γ·Σ|ab| ≈ 4e-5 for this element
        XCTAssertGreaterThan(BLASSelfCheck.compare(wrong, m: 2, n: 2, k: 3, initial: nil, factors: factors).ratio, 1)
        wrong[3] = .nan
        XCTAssertEqual(BLASSelfCheck.compare(wrong, m: 2, n: 2, k: 3, initial: nil, factors: factors).ratio, .infinity)
    }

    func testCPUFeaturesAgreeWithProcCPUInfo() throws {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else {
            throw XCTSkip("no /proc/cpuinfo flags on this system")
        }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        let features = CPUFeatures.detect()
        // The kernel lists a flag only when the OS supports its state, as CPUFeatures does.
        for (name, detected) in [("avx", features.avx), ("avx2", features.avx2), ("fma", features.fma),
                                 ("sse4_2", features.sse42), ("avx512f", features.avx512f), ("avx512bw", features.avx512bw),
                                 ("avx512_vnni", features.avx512vnni), ("avx512_bf16", features.avx512bf16)] {
            XCTAssertEqual(detected, flags.contains(name), "\(name): CPUID says \(detected), /proc/cpuinfo says \(flags.contains(name))")
        }
        let vendor = text.split(separator: "\n").first { $0.hasPrefix("vendor_id") }.map { $0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(features.vendor, vendor)
    }

    func testOverlappingSingleThreadedRegionsRestoreTheCount() {
        BLASThreading.setThreadCount(2)
        defer { BLASThreading.setThreadCount(ProcessInfo.processInfo.activeProcessorCount) }
        guard BLASThreading.threadCount == 2 else {
            // OpenBLAS caps the count at its MAX_THREADS or the cores it was allowed.
            return XCTAssertEqual(BLASThreading.threadCount, 1)
        }
        // The interleaving that lost the restore before: A enters, B enters, A leaves, B leaves.
        let (aEntered, bEntered, aLeft) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        let group = DispatchGroup()
        nonisolated(unsafe) var insideB: [Int] = []
        DispatchQueue.global().async(group: group) {
            BLASThreading.singleThreaded {
                aEntered.signal()
                bEntered.wait()
            }
            aLeft.signal()
        }
        DispatchQueue.global().async(group: group) {
            aEntered.wait()
            BLASThreading.singleThreaded {
                bEntered.signal()
                aLeft.wait()
                insideB.append(BLASThreading.threadCount)   // still one thread after A left
                BLASThreading.setThreadCount(2)             // deferred to the last close
                insideB.append(BLASThreading.threadCount)
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(insideB, [1, 1])
        XCTAssertEqual(BLASThreading.threadCount, 2, "the count must be restored after overlapping regions")
        XCTAssertEqual(BLASThreading.configuredThreadCount, 2)
        BLASThreading.singleThreaded { BLASThreading.singleThreaded { XCTAssertEqual(BLASThreading.threadCount, 1) } }
        XCTAssertEqual(BLASThreading.threadCount, 2)
    }

    func testLibraryFacts() {
        XCTAssertFalse(BLASLibrary.corename.isEmpty)
        XCTAssert(BLASLibrary.configuration.hasPrefix("OpenBLAS"), BLASLibrary.configuration)
        XCTAssertNotNil(BLASLibrary.version)
        let path = BLASLibrary.path ?? ""
        XCTAssert(path.contains("openblas"), "library path \(path)")
    }
}
