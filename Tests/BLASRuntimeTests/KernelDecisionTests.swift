@testable import BLASRuntime
import XCTest

/// The kernel-correction policy as a pure function of (corename, CPU features, environment).
final class KernelDecisionTests: XCTestCase {
    static let sse = CPUFeatures(sse: true, sse3: true, ssse3: true, sse41: true, sse42: true)
    static func avx2(_ vendor: String) -> CPUFeatures {
        var features = sse
        (features.vendor, features.avx, features.avx2, features.fma) = (vendor, true, true, true)
        return features
    }
    static func avx512(bf16: Bool) -> CPUFeatures {
        var features = avx2("GenuineIntel")
        (features.avx512f, features.avx512bw, features.avx512vl, features.avx512dq) = (true, true, true, true)
        (features.avx512vnni, features.avx512bf16) = (true, bf16)
        return features
    }

    private func decide(_ corename: String, _ features: CPUFeatures, _ environment: [String: String] = [:],
                        dynamicArch: Bool = true) throws -> BLASKernelDecision {
        try BLASKernelPolicy.decide(corename: corename, dynamicArch: dynamicArch, features: features, environment: environment)
    }

    func testGenericFallbackOnAVX512IsCorrectedToTheBestKernel() throws {
        // Issue 13's machine: Sapphire Rapids class (AVX-512 + BF16) running Prescott.
        XCTAssertEqual(try decide("Prescott", Self.avx512(bf16: true)),
                       .reexec(kernel: "Cooperlake", original: "Prescott", forced: false))
        XCTAssertEqual(try decide("Prescott", Self.avx512(bf16: false)),
                       .reexec(kernel: "SkylakeX", original: "Prescott", forced: false))
        XCTAssertEqual(try decide("nehalem", Self.avx512(bf16: false)),
                       .reexec(kernel: "SkylakeX", original: "Nehalem", forced: false))
    }

    func testGenericFallbackOnAVX2IsCorrectedPerVendor() throws {
        XCTAssertEqual(try decide("Prescott", Self.avx2("GenuineIntel")),
                       .reexec(kernel: "Haswell", original: "Prescott", forced: false))
        XCTAssertEqual(try decide("Prescott", Self.avx2("AuthenticAMD")),
                       .reexec(kernel: "Zen", original: "Prescott", forced: false))
        XCTAssertEqual(try decide("Sandybridge", Self.avx2("GenuineIntel")),
                       .reexec(kernel: "Haswell", original: "Sandybridge", forced: false))
        XCTAssertEqual(try decide("Core2", Self.avx2("HygonGenuine")),
                       .reexec(kernel: "Zen", original: "Core2", forced: false))
    }

    func testGoodKernelsAreKept() throws {
        XCTAssertEqual(try decide("Zen", Self.avx2("AuthenticAMD")), .keep(.goodKernel))
        XCTAssertEqual(try decide("Haswell", Self.avx2("GenuineIntel")), .keep(.goodKernel))
        // Deliberate OpenBLAS choices are never "corrected", even where a wider kernel exists.
        XCTAssertEqual(try decide("Haswell", Self.avx512(bf16: true)), .keep(.goodKernel))
        XCTAssertEqual(try decide("SkylakeX", Self.avx512(bf16: true)), .keep(.goodKernel))
        XCTAssertEqual(try decide("Excavator", Self.avx2("AuthenticAMD")), .keep(.goodKernel))
        // No AVX2+FMA: nothing better than OpenBLAS's generic choice.
        XCTAssertEqual(try decide("Prescott", Self.sse), .keep(.noBetterKernel))
        XCTAssertEqual(try decide("Prescott", CPUFeatures()), .keep(.noBetterKernel))
        // A single-kernel OpenBLAS ignores OPENBLAS_CORETYPE.
        XCTAssertEqual(try decide("Prescott", Self.avx2("GenuineIntel"), dynamicArch: false), .keep(.notDynamicArch))
    }

    func testUserCoreTypeIsAlwaysKept() throws {
        let user = ["OPENBLAS_CORETYPE": "Prescott"]
        XCTAssertEqual(try decide("Prescott", Self.avx512(bf16: true), user), .keep(.userCoreType("Prescott")))
        // Even over an explicit ROPESCOPE_BLAS_CORE kernel.
        XCTAssertEqual(try decide("Prescott", Self.avx2("GenuineIntel"), user.merging(["ROPESCOPE_BLAS_CORE": "Haswell"]) { $1 }),
                       .keep(.userCoreType("Prescott")))
    }

    func testKeepTurnsTheCorrectionOff() throws {
        XCTAssertEqual(try decide("Prescott", Self.avx512(bf16: true), ["ROPESCOPE_BLAS_CORE": "keep"]), .keep(.disabled))
        XCTAssertEqual(try decide("Prescott", Self.avx512(bf16: true), ["ROPESCOPE_BLAS_CORE": "KEEP"]), .keep(.disabled))
        XCTAssertEqual(try decide("Prescott", Self.avx2("GenuineIntel"), ["ROPESCOPE_BLAS_CORE": "auto"]),
                       .reexec(kernel: "Haswell", original: "Prescott", forced: false))
    }

    func testUnknownSettingIsAnErrorListingTheAllowedValues() {
        XCTAssertThrowsError(try decide("Zen", Self.avx2("AuthenticAMD"), ["ROPESCOPE_BLAS_CORE": "fastest"])) { error in
            guard case let .unknownCoreSetting(value, allowed)? = error as? BLASRuntimeError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(value, "fastest")
            XCTAssertEqual(Array(allowed.prefix(2)), ["auto", "keep"])
            XCTAssert(allowed.contains("Haswell") && allowed.contains("Prescott") && allowed.contains("Cooperlake"), "\(allowed)")
            XCTAssert("\(error)".contains("ROPESCOPE_BLAS_CORE='fastest'"), "\(error)")
        }
        // Known to OpenBLAS but not selectable (FMA4/XOP cores cannot be checked here).
        XCTAssertThrowsError(try decide("Zen", Self.avx2("AuthenticAMD"), ["ROPESCOPE_BLAS_CORE": "Bulldozer"]))
    }

    func testForcedKernelNeedsTheCPU() throws {
        XCTAssertEqual(try decide("Zen", Self.avx2("AuthenticAMD"), ["ROPESCOPE_BLAS_CORE": "prescott"]),
                       .reexec(kernel: "Prescott", original: "Zen", forced: true))
        XCTAssertEqual(try decide("Zen", Self.avx2("AuthenticAMD"), ["ROPESCOPE_BLAS_CORE": "Zen"]), .keep(.alreadyRunning))
        XCTAssertThrowsError(try decide("Zen", Self.avx2("AuthenticAMD"), ["ROPESCOPE_BLAS_CORE": "SkylakeX"])) { error in
            guard case .unsupportedKernel(name: "SkylakeX", needs: _, available: _)? = error as? BLASRuntimeError else {
                return XCTFail("unexpected error \(error)")
            }
        }
        XCTAssertThrowsError(try decide("SkylakeX", Self.avx512(bf16: false), ["ROPESCOPE_BLAS_CORE": "Cooperlake"]))
    }

    func testAReexecutedProcessNeverReexecutesAgain() throws {
        for guardValue in ["requested,Haswell,Prescott,auto", "fallback,Katmai failed", "garbage"] {
            let environment = ["ROPESCOPE_BLAS_REEXEC": guardValue, "ROPESCOPE_BLAS_CORE": "Prescott"]
            XCTAssertEqual(try decide("Zen", Self.avx2("AuthenticAMD"), environment), .keep(.alreadyReexecuted), guardValue)
            XCTAssertEqual(try decide("Prescott", Self.avx512(bf16: true), ["ROPESCOPE_BLAS_REEXEC": guardValue]),
                           .keep(.alreadyReexecuted), guardValue)
        }
    }

    func testGuardRoundTrip() {
        let stages: [BLASReexecStage] = [.requested(kernel: "Haswell", original: "Prescott", forced: false),
                                         .requested(kernel: "Katmai", original: "Zen", forced: true),
                                         .fellBack(reason: "OpenBLAS ran Prescott instead of the requested Katmai, really")]
        for stage in stages { XCTAssertEqual(BLASReexecStage.parse(stage.encoded), stage) }
        XCTAssertEqual(BLASReexecStage.parse(nil), BLASReexecStage.none)
        XCTAssertEqual(BLASReexecStage.parse(""), BLASReexecStage.none)
        guard case .fellBack = BLASReexecStage.parse("1") else { return XCTFail("a stray guard value must stop re-execs") }
    }

    func testVerification() {
        let good = BLASSelfCheck.Result(passed: true, worstRatio: 0.01, maximumError: 1e-7)
        let bad = BLASSelfCheck.Result(passed: false, worstRatio: 1e6, maximumError: 3)
        XCTAssertNil(BLASKernelPolicy.verify(requested: "Haswell", corename: "haswell", selfCheck: good))
        let mismatch = BLASKernelPolicy.verify(requested: "Katmai", corename: "Prescott", selfCheck: good)
        XCTAssert(mismatch?.contains("Katmai") == true && mismatch?.contains("Prescott") == true, mismatch ?? "nil")
        let failed = BLASKernelPolicy.verify(requested: "Haswell", corename: "Haswell", selfCheck: bad)
        XCTAssert(failed?.contains("self-check") == true, failed ?? "nil")
    }

    func testUserCoreTypeWarning() throws {
        XCTAssertNil(BLASKernelPolicy.userCoreTypeWarning(userValue: "haswell", corename: "Haswell"))
        let unknown = try XCTUnwrap(BLASKernelPolicy.userCoreTypeWarning(userValue: "Bogus", corename: "Haswell"))
        XCTAssert(unknown.hasPrefix("warning: OPENBLAS_CORETYPE=Bogus is not a kernel this OpenBLAS knows"), unknown)
        XCTAssert(unknown.contains("runs Haswell"), unknown)
        let replaced = try XCTUnwrap(BLASKernelPolicy.userCoreTypeWarning(userValue: "Katmai", corename: "Prescott"))
        XCTAssert(replaced.contains("not honoured"), replaced)
    }
}
