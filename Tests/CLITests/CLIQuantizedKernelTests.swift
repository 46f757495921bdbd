import Foundation
import XCTest

/// `ROPESCOPE_QUANT_KERNEL` (integer dot kernels of quantized decode): `ropescope system --json`
/// reports the active variant and the K-quant prompt GEMM, a forced one is used, an unknown value
/// is a usage error (64) naming the variable and the allowed values.
final class CLIQuantizedKernelTests: XCTestCase {
    func environment(_ value: String?) -> [String: String] {
        var base = ProcessInfo.processInfo.environment
        base["ROPESCOPE_QUANT_KERNEL"] = value
        return base
    }

    func kernel(_ value: String?) throws -> [String: Any] {
        let result = try CLI.run(["system", "--json"], environment: environment(value))
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(try result.json()["quantized_kernel"] as? [String: Any])
    }

    func testSettingIsReportedForcedAndValidated() throws {
        let automatic = try kernel(nil)
        let available = try XCTUnwrap(automatic["available"] as? [String])
        XCTAssertTrue(available.contains("portable"))
        XCTAssertEqual(automatic["active"] as? String, available.last, "auto picks the fastest available")
        XCTAssertEqual(try kernel("portable")["active"] as? String, "portable")
        // The K-quant prompt GEMM: AVX-512 VNNI exactly where the CPU reports the features it needs
        // (the OS must also enable the zmm state, as CPUFeatures checks with XGETBV), else AVX2 where
        // the CPU has AVX2 + FMA; a forced variant brings its own; `portable` turns it off.
        let system = try CLI.run(["system", "--json"], environment: environment(nil)).json()
        let features = try XCTUnwrap((system["cpu"] as? [String: Any])?["features"] as? [String])
        let vnni = ["avx512f", "avx512bw", "avx512vl", "avx512_vnni"].allSatisfy(features.contains)
        let avx2 = ["avx2", "fma"].allSatisfy(features.contains)
        XCTAssertEqual(available.contains("avx512vnni"), vnni, "features \(features)")
        XCTAssertEqual(automatic["gemm"] as? String, vnni ? "avx512vnni" : avx2 ? "avx2" : nil, "features \(features)")
        if avx2 { XCTAssertEqual(try kernel("avx2")["gemm"] as? String, "avx2") }
        XCTAssertNil(try kernel("portable")["gemm"], "portable keeps many-row products on the panels")
        let bad = try CLI.run(["system"], environment: environment("sse9"))
        XCTAssertEqual(bad.status, 64, bad.stderr)
        for fragment in ["ROPESCOPE_QUANT_KERNEL", "sse9", "portable"] {
            XCTAssert(bad.stderr.contains(fragment), "stderr lacks '\(fragment)': \(bad.stderr)")
        }
    }
}
