import Foundation
import TensorArchive
import XCTest

/// The BLAS kernel check at start-up (issue 13) through the real binary: what `system --json`
/// reports, the user's OPENBLAS_CORETYPE kept, settings errors, the bounded re-exec, and results
/// that do not change beyond float rounding when the kernel changes.
final class CLIBLASKernelTests: XCTestCase {
    /// Runs ropescope with the BLAS variables of the test process removed and `environment` added.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIResult {
        var base = ProcessInfo.processInfo.environment
        for key in ["OPENBLAS_CORETYPE", "ROPESCOPE_BLAS_CORE", "ROPESCOPE_BLAS_REEXEC", "ROPESCOPE_VERBOSE"] { base[key] = nil }
        return try CLI.run(arguments, environment: base.merging(environment) { $1 })
    }

    /// `system --json` under `environment`: the "blas" and "cpu" objects.
    private func system(_ environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws
        -> (blas: [String: Any], cpu: [String: Any], stderr: String) {
        let result = try Self.run(["system", "--json"], environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        let json = try result.json(file: file, line: line)
        return (try XCTUnwrap(json["blas"] as? [String: Any], file: file, line: line),
                try XCTUnwrap(json["cpu"] as? [String: Any], file: file, line: line), result.stderr)
    }

    func testKernelInUseIsNotAGenericFallbackOnAnAVX2FMACPU() throws {
        let (blas, cpu, _) = try system()
        let kernel = try XCTUnwrap(blas["kernel"] as? String)
        let features = try XCTUnwrap(cpu["features"] as? [String])
        guard features.contains("avx2"), features.contains("fma") else {
            throw XCTSkip("this CPU (\(cpu["model"] ?? "?")) has no AVX2+FMA: \(features)")
        }
        let generic = ["Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom", "Core2", "Penryn", "Dunnington",
                       "Nehalem", "Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Nano", "Bobcat", "Sandybridge"]
        XCTAssertFalse(generic.contains(kernel),
                       "BLAS kernel \(kernel) is a generic fallback on a CPU with AVX2+FMA (\(cpu["model"] ?? "?"): \(features.joined(separator: " ")))")
        XCTAssertEqual(blas["kernel_is_generic_fallback"] as? Bool, false)
        XCTAssertEqual((blas["self_check"] as? [String: Any])?["passed"] as? Bool, true)
        XCTAssertNotNil(blas["library"] as? String)
        XCTAssertEqual(blas["version"] as? String, (blas["configuration"] as? String)?.split(separator: " ").dropFirst().first.map(String.init))
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(blas["threads"] as? Int), 1)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(cpu["logical_cores"] as? Int), 1)
    }

    func testForcedKernelRunsAndIsReported() throws {
        let (blas, _, _) = try system(["ROPESCOPE_BLAS_CORE": "Prescott"])
        XCTAssertEqual(blas["kernel"] as? String, "Prescott")
        XCTAssertEqual(blas["action"] as? String, "forced")
        XCTAssertEqual((blas["self_check"] as? [String: Any])?["passed"] as? Bool, true)
        let own = try system()
        XCTAssertEqual(blas["openblas_choice"] as? String, own.blas["kernel"] as? String)
    }

    func testUserCoreTypeIsKept() throws {
        let (blas, _, stderr) = try system(["OPENBLAS_CORETYPE": "Prescott", "ROPESCOPE_BLAS_CORE": "auto"])
        XCTAssertEqual(blas["kernel"] as? String, "Prescott", "the user's OPENBLAS_CORETYPE must never be overridden")
        XCTAssertEqual(blas["action"] as? String, "user-set")
        XCTAssertEqual(blas["openblas_coretype"] as? String, "Prescott")
        XCTAssertFalse(stderr.contains("warning"), stderr)
        // Even over an explicit ropescope setting, with a warning saying so.
        let forced = try system(["OPENBLAS_CORETYPE": "Prescott", "ROPESCOPE_BLAS_CORE": "Haswell"])
        XCTAssertEqual(forced.blas["kernel"] as? String, "Prescott")
        XCTAssert(forced.stderr.contains("warning: ROPESCOPE_BLAS_CORE=Haswell ignored"), forced.stderr)
    }

    func testUnknownUserCoreTypeIsAWarning() throws {
        let (blas, _, stderr) = try system(["OPENBLAS_CORETYPE": "NoSuchCore"])
        XCTAssert(stderr.hasPrefix("warning: OPENBLAS_CORETYPE=NoSuchCore is not a kernel this OpenBLAS knows"), stderr)
        XCTAssert(stderr.contains("runs \(blas["kernel"] as? String ?? "?") instead"), stderr)
        XCTAssertFalse(stderr.contains("Error:"), stderr)
    }

    func testBadSettingsAreUsageErrors() throws {
        let unknown = try Self.run(["system"], environment: ["ROPESCOPE_BLAS_CORE": "fastest"])
        XCTAssertEqual(unknown.status, 64, unknown.stderr)
        XCTAssert(unknown.stderr.hasPrefix("Error: ROPESCOPE_BLAS_CORE='fastest' is not a valid setting; allowed: auto, keep,"), unknown.stderr)
        XCTAssertEqual(unknown.stdout, "")
        let (_, cpu, _) = try system()
        if (cpu["has_avx512"] as? Bool) == false {
            let unsupported = try Self.run(["system"], environment: ["ROPESCOPE_BLAS_CORE": "SkylakeX"])
            XCTAssertEqual(unsupported.status, 64, unsupported.stderr)
            XCTAssert(unsupported.stderr.contains("needs avx512f/bw/vl/dq"), unsupported.stderr)
        }
    }

    func testAKernelOpenBLASDoesNotHonourFallsBackWithoutLooping() throws {
        // 0.3.21 replaces the 32-bit Katmai by Prescott on 64-bit builds: the verification after the
        // first re-exec fails, the second re-exec drops the variable, and the guard stops there.
        let (blas, _, stderr) = try system(["ROPESCOPE_BLAS_CORE": "Katmai"])
        let own = try system()
        XCTAssertEqual(blas["kernel"] as? String, own.blas["kernel"] as? String)
        XCTAssertEqual(blas["action"] as? String, "fell-back")
        XCTAssert(stderr.contains("warning: BLAS kernel not switched: OpenBLAS ran Prescott instead of the requested Katmai"), stderr)
        XCTAssertNil(blas["openblas_coretype"] as? String, "the fallback must run without OPENBLAS_CORETYPE")
    }

    func testGuardStopsAnyFurtherReexec() throws {
        // Without the guard the setting re-executes into Prescott; with it set, nothing is re-executed.
        let forced = try system(["ROPESCOPE_BLAS_CORE": "Prescott"])
        XCTAssertEqual(forced.blas["kernel"] as? String, "Prescott")
        let guarded = try system(["ROPESCOPE_BLAS_CORE": "Prescott", "ROPESCOPE_BLAS_REEXEC": "fallback,test"])
        XCTAssertNotEqual(guarded.blas["kernel"] as? String, "Prescott")
        XCTAssertEqual(guarded.blas["action"] as? String, "fell-back")
    }

    func testVerboseSaysWhatWasDone() throws {
        let flag = try Self.run(["--verbose", "system"], environment: ["ROPESCOPE_BLAS_CORE": "Prescott"])
        XCTAssertEqual(flag.status, 0, flag.stderr)
        let lines = flag.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, flag.stderr)
        XCTAssert(flag.stderr.hasPrefix("ropescope: BLAS kernel Prescott (forced: ROPESCOPE_BLAS_CORE=Prescott"), flag.stderr)
        let variable = try Self.run(["system"], environment: ["ROPESCOPE_VERBOSE": "1"])
        XCTAssert(variable.stderr.hasPrefix("ropescope: BLAS kernel "), variable.stderr)
        let quiet = try Self.run(["system"])
        XCTAssertEqual(quiet.stderr, "")
    }

    /// score --json on the real model with OpenBLAS's generic Prescott kernel and with the kernel
    /// the check picks. Tolerance: the kernels differ only in summation order; float32 rounding
    /// (u = 2⁻²⁴ ≈ 6e-8) in dot products of length ≤ 1536 accumulates like √K·u ≈ 2.3e-6 relative
    /// per layer, about 7e-5 over 30 layers, so |Δ mean NLL| ≤ 1e-4 nats (measured: 3e-7). A wrong
    /// product moves it by orders of magnitude more.
    func testScoreIsTheSameOnTheGenericAndTheDefaultKernel() throws {
        let path = CLITokenizeTests.modelPath
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) is absent: run scripts/fetch-model.sh") }
        let sample = CLITokenizeTests.repositoryRoot.appendingPathComponent("Tests/Fixtures/text/sample.txt").path
        let arguments = ["score", path, "--text-file", sample, "--context-length", "128", "--windows", "2", "--json"]
        let generic = try Self.run(arguments, environment: ["ROPESCOPE_BLAS_CORE": "Prescott"])
        let corrected = try Self.run(arguments)
        XCTAssertEqual(generic.status, 0, generic.stderr)
        XCTAssertEqual(corrected.status, 0, corrected.stderr)
        let (a, b) = (try generic.json(), try corrected.json())
        XCTAssertEqual(a["tokens_scored"] as? Int, 254)
        XCTAssertEqual(a["tokens_scored"] as? Int, b["tokens_scored"] as? Int)
        let (nllA, nllB) = (try XCTUnwrap(a["mean_nll"] as? Double), try XCTUnwrap(b["mean_nll"] as? Double))
        XCTAssert(nllA.isFinite && nllB.isFinite, "\(nllA) \(nllB)")
        XCTAssertEqual(nllA, nllB, accuracy: 1e-4, "mean NLL Prescott \(nllA) vs default kernel \(nllB)")
    }

    /// A sweep with spectra and conditioning (LAPACK SVD on OpenBLAS) under Prescott and the
    /// default kernel. Singular values of a backward-stable SVD agree to |Δσ_j| ≤ c·ε·σ_1 (same bound
    /// as ParitySplitTests, c = 64; measured 2.3), so 1/κ = σ_min/σ_max agrees to 64ε absolute;
    /// every other variable does not touch BLAS and must agree to 1e-12 relative.
    func testSweepIsTheSameOnTheGenericAndTheDefaultKernel() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("small.json")
        try Data("""
            {"name": "small", "rotary_dimensions": [16, 32], "bases": [10000.0], "train_length": 512,
             "target_lengths": [1024, 4096], "methods": [{"spec": "none"}, {"spec": "linear", "factor_from_length": true},
             {"spec": "yarn", "factors": [2, 8]}], "spectrum": {"length": 1024}, "conditioning": {"length": 1024}}
            """.utf8).write(to: config)
        var readers: [ArchiveReader] = []
        for (name, core) in [("generic", "Prescott"), ("default", "auto")] {
            let output = directory.appendingPathComponent("\(name).h5").path
            let result = try Self.run(["sweep", "--config", config.path, "--output", output], environment: ["ROPESCOPE_BLAS_CORE": core])
            XCTAssertEqual(result.status, 0, result.stderr)
            readers.append(try ArchiveReader(path: output))
        }
        let variables = try readers[0].variables().filter { $0.dataType == .float64 }
        XCTAssert(variables.contains { $0.name == "singular_values" }, "\(variables.map(\.name))")
        for variable in variables {
            let (x, y) = (try readers[0].readDoubles(variable.path), try readers[1].readDoubles(variable.path))
            XCTAssertEqual(x.count, y.count, variable.name)
            /// NaN marks padding (rows of a smaller d): it must be NaN in both files, never pass a comparison.
            func same(_ a: Double, _ b: Double, within tolerance: Double, _ label: String) {
                if a.isNaN || b.isNaN { return XCTAssert(a.isNaN && b.isNaN, "\(label): \(a) vs \(b)") }
                XCTAssertEqual(a, b, accuracy: tolerance, label)
            }
            if variable.name.hasPrefix("singular_values") {
                let columns = variable.shape.last ?? 1
                for row in stride(from: 0, to: x.count, by: columns) {
                    let largest = x[row..<(row + columns)].filter(\.isFinite).map(abs).max() ?? 0
                    for j in row..<(row + columns) { same(x[j], y[j], within: 64 * .ulpOfOne * largest, "\(variable.name)[\(j)]") }
                }
            } else if variable.name.hasPrefix("condition_number") {
                for (index, (a, b)) in zip(x, y).enumerated() { same(1 / a, 1 / b, within: 64 * .ulpOfOne, "1/\(variable.name)[\(index)]") }
            } else {
                for (index, (a, b)) in zip(x, y).enumerated() {
                    same(a, b, within: a == b ? 0 : 1e-12 * max(abs(a), abs(b)), "\(variable.name)[\(index)]")
                }
            }
        }
    }
}
