import Foundation
import XCTest

/// `ROPESCOPE_QUANT_KERNEL` (integer dot kernels of quantized decode): `ropescope system --json`
/// reports the active variant, a forced one is used, an unknown value is a usage error (64)
/// naming the variable and the allowed values.
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
        let bad = try CLI.run(["system"], environment: environment("sse9"))
        XCTAssertEqual(bad.status, 64, bad.stderr)
        for fragment in ["ROPESCOPE_QUANT_KERNEL", "sse9", "portable"] {
            XCTAssert(bad.stderr.contains(fragment), "stderr lacks '\(fragment)': \(bad.stderr)")
        }
    }
}
