import Foundation
import XCTest
@testable import Analyzers
import RoPE
import Spectra

/// Issue 7: memory and work are estimated from sizes before anything is allocated.
final class ResourceEstimateTests: XCTestCase {
    func testIssueSpectrumIsRefusedAndSmallOneAccepted() throws {
        let limits = ResourceLimits()
        let options = SpectrumOptions(window: .hann, paddingFactor: 64)
        let huge = try ResourceEstimate.spectrum(pairCount: 32, length: 1 << 22, options: options, regimes: [.causal, .bidirectional])
        // N_fft = 2^29 for the bidirectional window alone: the r2c scratch is 8·N bytes = 4 GiB by itself.
        XCTAssertGreaterThan(huge.bytes, 4 * 1_073_741_824)
        XCTAssertThrowsError(try limits.check(huge, what: "spectrum")) { error in
            guard case let .limitExceeded(_, estimate, limit, flag) = error as? AnalyzerError else { return XCTFail("\(error)") }
            XCTAssert(estimate.contains("GiB") && limit == "4 GiB" && flag.contains("--max-memory"), "\(error)")
        }
        let small = try ResourceEstimate.spectrum(
            pairCount: 32, length: 8192, options: SpectrumOptions(window: .hann, paddingFactor: 2), regimes: [.causal, .bidirectional])
        XCTAssertNoThrow(try limits.check(small, what: "spectrum"))
    }

    func testLongConditioningIsRefusedByWork() {
        let estimate = ResourceEstimate.conditioning(pairCount: 1024, length: 1 << 20, regimes: [.causal, .bidirectional])
        XCTAssertThrowsError(try ResourceLimits().check(estimate, what: "conditioning")) { error in
            XCTAssert("\(error)".contains("--max-work"), "\(error)")
        }
        XCTAssertNoThrow(try ResourceLimits(bytes: 1e15, operations: 1e15).check(estimate, what: "conditioning"), "override")
    }

    func testSweepRowCountMatchesTheGridAndHugeGridsAreRefusedBeforeExpansion() throws {
        let configuration = try DefaultSweep.configuration()
        let (rows, estimate) = try ResourceEstimate.sweep(configuration, path: "default")
        XCTAssertEqual(Int(rows), try SweepGrid(configuration, path: "default").rows.count)
        XCTAssertNoThrow(try ResourceLimits().check(estimate, what: "default sweep"))

        var huge = SweepConfiguration(name: "huge", targetLengths: Array(1000..<2000), methods: [SweepMethod(spec: "none")])
        huge.rotaryDimensions = Array(stride(from: 2, through: 2000, by: 2))
        huge.bases = (0..<1000).map { 10000 + Double($0) }
        huge.trainLength = 4096
        let big = try ResourceEstimate.sweep(huge, path: "huge")
        XCTAssertEqual(big.rows, 1e9)
        XCTAssertThrowsError(try ResourceLimits().check(big.estimate, what: "sweep"))
    }

    func testByteFormatting() {
        XCTAssertEqual(ResourceLimits.formatBytes(512), "512 B")
        XCTAssertEqual(ResourceLimits.formatBytes(1536), "1.5 KiB")
        XCTAssertEqual(ResourceLimits.formatBytes(4 * 1_073_741_824), "4 GiB")
    }
}
