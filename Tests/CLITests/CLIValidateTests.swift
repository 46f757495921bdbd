import Foundation
import RoPEScopeTestSupport
import Validation
import XCTest
@testable import ropescope

/// `ropescope validate`: exit codes (0 pass, 1 none passes, README codes for bad input), the JSON
/// of issue §1, plans, thresholds, the report file and the empirical checks on a tiny model.
final class CLIValidateTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory() }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    private let llama2 = ["validate", "--dim", "128", "--base", "10000", "--train-length", "4k", "--target-length", "16k"]

    /// The JSON of issue §1, and the LLaMA-2 verdict: NTK ×4 fails at ≈ 12.97K (closed form), critical-ntk passes.
    func testJSONVerdictLlama2() throws {
        let result = try CLI.run(llama2 + ["--rope", "ntk:factor=4", "--rope", "critical-ntk", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try result.json()
        XCTAssertEqual(json["recommended"] as? String, "critical-ntk")
        let candidates = try XCTUnwrap(json["candidates"] as? [[String: Any]])
        XCTAssertEqual(candidates.map { $0["spec"] as? String }, ["critical-ntk", "ntk:factor=4"])
        XCTAssertEqual(candidates.map { $0["rank"] as? Int }, [1, 2])
        XCTAssertEqual(candidates.map { $0["passed"] as? Bool }, [true, false])
        for candidate in candidates {
            for key in ["spec", "rank", "passed", "checks"] { XCTAssertNotNil(candidate[key], key) }
            let checks = try XCTUnwrap(candidate["checks"] as? [[String: Any]])
            XCTAssertEqual(checks.count, 9)
            for check in checks {
                for key in ["name", "kind", "passed", "value", "threshold", "reason"] {
                    XCTAssert(check.keys.contains(key), "check lacks \(key): \(check)")
                }
                XCTAssert(["analytic", "empirical"].contains(check["kind"] as? String ?? ""))
            }
            XCTAssertEqual(checks.filter { $0["kind"] as? String == "empirical" }.count, 4)
        }
        let ntkChecks = try XCTUnwrap(candidates[1]["checks"] as? [[String: Any]])
        let bound = try XCTUnwrap(ntkChecks.first { $0["name"] as? String == "critical-pair-bound" })
        let expected = 2 * Double.pi * pow(1e4 * pow(4, 128.0 / 126), 92.0 / 128)
        XCTAssertEqual(try XCTUnwrap(bound["value"] as? Double) / expected, 1, accuracy: 1e-9)
        XCTAssertEqual(bound["passed"] as? Bool, false)
        let passkey = try XCTUnwrap(ntkChecks.first { $0["name"] as? String == "passkey" })
        XCTAssert(passkey["passed"] is NSNull)
        XCTAssertEqual(passkey["reason"] as? String, "skipped: no --model and --text-file given")
    }

    func testExitOneWhenNoCandidatePasses() throws {
        let result = try CLI.run(llama2 + ["--rope", "ntk:factor=4"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssert(result.stdout.contains("recommended: none"), result.stdout)
        XCTAssert(result.stdout.contains("critical-pair-bound"), result.stdout)
        let json = try CLI.run(llama2 + ["--rope", "ntk:factor=4", "--json"])
        XCTAssertEqual(json.status, 1)
        XCTAssert(try json.json()["recommended"] is NSNull)
    }

    func testPresetLLaDABidirectionalRecommendsDiffusionNTK() throws {
        let result = try CLI.run(["validate", "--preset", "llada-8b", "--target-length", "128k", "--rope", "ntk:factor=32",
                                  "--rope", "critical-ntk", "--rope", "diffusion-ntk", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try result.json()
        XCTAssertEqual(json["recommended"] as? String, "diffusion-ntk")
        XCTAssertEqual((json["problem"] as? [String: Any])?["attention"] as? String, "bidirectional")
    }

    func testUsageErrors() throws {
        let cases: [([String], String)] = [
            (["validate", "--preset", "llama2-7b", "--target-length", "4k"], "not longer than the training length"),
            (["validate", "--preset", "llama2-7b", "--target-length", "2k"], "not longer than the training length"),
            (["validate", "--preset", "llama2-7b", "--model", "m.gguf", "--target-length", "16k"], "give one"),
            (["validate", "--dim", "128", "--train-length", "4k", "--target-length", "16k"], "missing --base"),
            (["validate", "--preset", "llama2-7b", "--target-length", "16k", "--text-file", "a.txt"], "needs --model"),
            (["validate", "--preset", "llama2-7b", "--target-length", "16k", "--threshold", "nope=1"], "unknown threshold"),
            (["validate", "--preset", "llama2-7b", "--target-length", "16k", "--threshold", "high-frequency-retained=3"], "allowed 0.0...1.0"),
            (["validate", "--preset", "llama2-7b", "--target-length", "16k", "--rope", "ntk:factor=4", "--rope", "ntk:factor=4.0"], "same scaling"),
            (["validate", "--preset", "llama2-7b", "--target-length", "16k", "--rope", "ntk"], "factor"),
            (["validate", "--preset", "llama2-7b", "--target-length", "16k", "--budget", "5m"], "--budget"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(arguments)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssert(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    /// A plan reproduces the flags; unknown keys and wrong types exit 65 naming the key and line;
    /// a setting in both places is 64; a missing plan 66.
    func testPlanFile() throws {
        let plan = try write("plan.json", """
            {
              "description": "LLaMA-2 to 16K",
              "dim": 128, "base": 10000,
              "train_length": "4k",
              "target_length": 16384,
              "rope": ["ntk:factor=4", "critical-ntk"],
              "thresholds": {"critical-bound-margin": 1}
            }
            """)
        let good = try CLI.run(["validate", "--plan", plan, "--json"])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertEqual(try good.json()["recommended"] as? String, "critical-ntk")

        let unknown = try write("unknown.json", "{\n  \"dim\": 128,\n  \"bases\": [10000]\n}\n")
        let a = try CLI.run(["validate", "--plan", unknown, "--target-length", "16k"])
        XCTAssertEqual(a.status, 65, a.stderr)
        XCTAssert(a.stderr.contains("unknown.json:3:3") && a.stderr.contains("'bases'"), a.stderr)

        let wrongType = try write("type.json", "{\"dim\": 128, \"base\": 10000,\n \"train_length\": 4096,\n \"rope\": \"ntk\"}")
        let b = try CLI.run(["validate", "--plan", wrongType, "--target-length", "16k"])
        XCTAssertEqual(b.status, 65, b.stderr)
        XCTAssert(b.stderr.contains("type.json:3:2") && b.stderr.contains("'rope'") && b.stderr.contains("list of strings"), b.stderr)

        let badThreshold = try write("threshold.json", "{\"thresholds\": {\n \"margin\": 1}}")
        let c = try CLI.run(["validate", "--plan", badThreshold, "--preset", "llama2-7b", "--target-length", "16k"])
        XCTAssertEqual(c.status, 65, c.stderr)
        XCTAssert(c.stderr.contains("threshold.json:2:2") && c.stderr.contains("thresholds.margin"), c.stderr)

        let twice = try CLI.run(["validate", "--plan", plan, "--dim", "128"])
        XCTAssertEqual(twice.status, 64, twice.stderr)
        XCTAssert(twice.stderr.contains("--dim") && twice.stderr.contains("'dim'"), twice.stderr)

        let missing = try CLI.run(["validate", "--plan", path("absent.json")])
        XCTAssertEqual(missing.status, 66, missing.stderr)
    }

    /// The report is written whole (no temporary left); an unwritable path leaves nothing behind.
    func testReportFile() throws {
        let report = path("report.html")
        let result = try CLI.run(llama2 + ["--rope", "ntk:factor=4", "--rope", "critical-ntk", "--report", report])
        XCTAssertEqual(result.status, 0, result.stderr)
        let html = try String(contentsOfFile: report, encoding: .utf8)
        XCTAssert(html.hasPrefix("<!DOCTYPE html>"))
        for id in ["fig-wavelength", "fig-coverage-causal", "fig-coverage-bidirectional", "fig-envelope"] {
            XCTAssert(html.contains("id=\"\(id)\""), id)
        }
        XCTAssertFalse(html.contains("<script"), "no scripts")
        XCTAssertFalse(html.contains("http://") && !html.contains("http://www.w3.org/2000/svg"), "no network references")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["report.html"])

        let missingDirectory = try CLI.run(llama2 + ["--report", path("no/such/dir/report.html")])
        XCTAssertEqual(missingDirectory.status, 64, missingDirectory.stderr)
        XCTAssert(missingDirectory.stderr.contains("--report"), missingDirectory.stderr)

        let readOnly = try write("readonly.html", "keep")
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: readOnly)
        let refused = try CLI.run(llama2 + ["--report", readOnly])
        XCTAssertEqual(refused.status, 74, refused.stderr)
        XCTAssertEqual(try String(contentsOfFile: readOnly, encoding: .utf8), "keep")

        let plan = try write("plan.json", "{}")
        let input = try CLI.run(llama2 + ["--plan", plan, "--report", plan])
        XCTAssertEqual(input.status, 64, input.stderr)
        XCTAssertEqual(try String(contentsOfFile: plan, encoding: .utf8), "{}")
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)),
                       ["report.html", "readonly.html", "plan.json"], "no temporary files left")
    }

    /// With --model and --text-file the empirical checks run on the probe engine (tiny model:
    /// T_train = 64, target 128); a budget below the minimum is refused, stating the minimum.
    func testEmpiricalChecksOnTinyModel() throws {
        let model = path("tiny.gguf")
        try Data(TinyModel.gguf()).write(to: URL(fileURLWithPath: model))
        let text = try write("text.txt", String(repeating: "hello validate, the quick brown fox. ", count: 12))
        let result = try CLI.run(["validate", "--model", model, "--target-length", "128", "--text-file", text,
                                  "--rope", "yarn:factor=2", "--rope", "linear:factor=2", "--budget", "5m", "--json",
                                  "--report", path("r.html")])
        XCTAssert([0, 1].contains(result.status), result.stderr)
        let json = try result.json()
        let candidates = try XCTUnwrap(json["candidates"] as? [[String: Any]])
        for candidate in candidates {
            let checks = try XCTUnwrap(candidate["checks"] as? [[String: Any]])
            for name in ["perplexity-at-target", "late-window-nll"] {
                let check = try XCTUnwrap(checks.first { $0["name"] as? String == name })
                XCTAssertEqual(check["status"] as? String == "skipped", false, "\(name) ran: \(check)")
                XCTAssert(check["value"] is Double, "\(check)")
            }
            // The probe checks ran (budget 5m is ample for a tiny model): value, threshold, graded rule.
            let local = try XCTUnwrap(checks.first { $0["name"] as? String == "attention-local-mass" })
            let shift = try XCTUnwrap(local["value"] as? Double, "\(local)")
            XCTAssert((-1...1).contains(shift), "\(local)")
            XCTAssertEqual(local["threshold"] as? Double, 0.1)
            XCTAssertEqual(local["passed"] as? Bool, shift <= 0.1)
            // A 64-token prompt cannot hold the passkey template: skipped, saying what it needs.
            let passkey = try XCTUnwrap(checks.first { $0["name"] as? String == "passkey" })
            XCTAssert(passkey["passed"] is NSNull, "\(passkey)")
            XCTAssert((passkey["reason"] as? String ?? "").contains("prompt cannot be built"), "\(passkey)")
        }
        let notes = try XCTUnwrap(json["notes"] as? [String])
        let html = try String(contentsOfFile: path("r.html"), encoding: .utf8)
        XCTAssert(html.contains("id=\"fig-local-mass\""), "local-mass figure drawn")

        // An override is used by the rule: a local-mass shift of at most −1 cannot hold.
        let strict = try CLI.run(["validate", "--model", model, "--target-length", "128", "--text-file", text,
                                  "--rope", "yarn:factor=2", "--budget", "5m", "--json", "--threshold", "local-mass-increase=-1"])
        XCTAssertEqual(strict.status, 1, strict.stderr)
        let strictChecks = try XCTUnwrap((try strict.json()["candidates"] as? [[String: Any]])?.first?["checks"] as? [[String: Any]])
        XCTAssertEqual(strictChecks.first { $0["name"] as? String == "attention-local-mass" }?["passed"] as? Bool, false)
        XCTAssert(notes.contains { $0.contains("T_train = 64") }, "\(notes)")
        XCTAssert(notes.contains { $0.hasPrefix("empirical:") }, "\(notes)")
        XCTAssert(try String(contentsOfFile: path("r.html"), encoding: .utf8).contains("id=\"fig-nll-position\""))

        let small = try CLI.run(["validate", "--model", model, "--target-length", "128", "--text-file", text, "--budget", "0.000001s"])
        XCTAssertEqual(small.status, 64, small.stderr)
        XCTAssert(small.stderr.contains("below the minimum") && small.stderr.contains("--budget"), small.stderr)

        let short = try write("short.txt", "too short")
        let tooShort = try CLI.run(["validate", "--model", model, "--target-length", "128", "--text-file", short])
        XCTAssertEqual(tooShort.status, 65, tooShort.stderr)
    }

    /// The passkey check on the tiny model at lengths that hold the template (T = 320, T' = 640):
    /// value = mean log p(key) at T' − at T with the threshold −1 nat, the grid in the notes, the
    /// heatmap in the report; a strict override fails it unless the key got more probable.
    func testPasskeyCheckOnTinyModel() throws {
        let model = path("tiny.gguf")
        try Data(TinyModel.gguf()).write(to: URL(fileURLWithPath: model))
        let text = try write("text.txt", String(repeating: "hello validate, the quick brown fox. ", count: 24))
        let arguments = ["validate", "--model", model, "--train-length", "320", "--target-length", "640", "--text-file", text,
                         "--rope", "yarn:factor=2", "--budget", "5m", "--json"]
        let result = try CLI.run(arguments + ["--report", path("r.html")])
        XCTAssert([0, 1].contains(result.status), result.stderr)
        let json = try result.json()
        let checks = try XCTUnwrap((json["candidates"] as? [[String: Any]])?.first?["checks"] as? [[String: Any]])
        let passkey = try XCTUnwrap(checks.first { $0["name"] as? String == "passkey" })
        let change = try XCTUnwrap(passkey["value"] as? Double, "\(passkey)")
        XCTAssert(change.isFinite)
        XCTAssertEqual(passkey["threshold"] as? Double, -1)
        XCTAssertEqual(passkey["passed"] as? Bool, change >= -1)
        XCTAssert((passkey["reason"] as? String ?? "").contains("exact match"), "\(passkey)")
        let notes = try XCTUnwrap(json["notes"] as? [String])
        XCTAssert(notes.contains { $0.hasPrefix("passkey:") && $0.contains("depth") }, "\(notes)")
        XCTAssert(try String(contentsOfFile: path("r.html"), encoding: .utf8).contains("id=\"fig-passkey\""))

        let strict = try CLI.run(arguments + ["--threshold", "passkey-logprob-drop=0"])
        let strictChecks = try XCTUnwrap((try strict.json()["candidates"] as? [[String: Any]])?.first?["checks"] as? [[String: Any]])
        let strictPasskey = try XCTUnwrap(strictChecks.first { $0["name"] as? String == "passkey" })
        XCTAssertEqual(strictPasskey["threshold"] as? Double, 0)
        XCTAssertEqual(strictPasskey["passed"] as? Bool, try XCTUnwrap(strictPasskey["value"] as? Double) >= 0)
    }

    /// Real model (skipped when absent): SmolLM2-135M was trained at 8K, so on windows of 256
    /// against 128 plain RoPE must not get worse (more context: lower NLL), while linear ×2
    /// squeezes positions the model never saw squeezed and must cost clearly more.
    func testEmpiricalChecksOnTheRealModel() throws {
        let model = CLITokenizeTests.modelPath
        guard FileManager.default.fileExists(atPath: model) else { throw XCTSkip("\(model) is absent: run scripts/fetch-model.sh") }
        let sample = try String(contentsOfFile: CLITokenizeTests.repositoryRoot
            .appendingPathComponent("Tests/Fixtures/text/sample.txt").path, encoding: .utf8)
        let text = try write("sample.txt", String(sample.prefix(3000)))  // two 256-token windows
        let result = try CLI.run(["validate", "--model", model, "--train-length", "128", "--target-length", "256",
                                  "--text-file", text, "--rope", "none", "--rope", "linear:factor=2", "--budget", "1m", "--json"])
        XCTAssert([0, 1].contains(result.status), result.stderr)
        let candidates = try XCTUnwrap(try result.json()["candidates"] as? [[String: Any]])
        func value(_ spec: String, _ name: String) throws -> Double {
            let candidate = try XCTUnwrap(candidates.first { $0["spec"] as? String == spec })
            let check = try XCTUnwrap((candidate["checks"] as? [[String: Any]])?.first { $0["name"] as? String == name })
            return try XCTUnwrap(check["value"] as? Double, "\(spec) \(name): \(check)")
        }
        let plain = try value("none", "perplexity-at-target"), linear = try value("linear:factor=2", "perplexity-at-target")
        XCTAssertLessThan(plain, 0.05, "plain RoPE at 256 on an 8K model")
        XCTAssertGreaterThan(linear - plain, 0.1, "linear ×2 costs more than plain RoPE: \(linear) vs \(plain)")
        XCTAssertLessThan(try value("none", "late-window-nll"), 0.1)
    }

    /// Bidirectional attention uses the masked-diffusion bound (mask token from the GGUF); without a
    /// mask token the empirical checks are skipped with the reason, the analytic verdict still given.
    func testBidirectionalEmpiricalChecks() throws {
        let text = try write("text.txt", String(repeating: "hello validate, the quick brown fox. ", count: 12))
        let masked = path("masked.gguf")
        try Data(TinyModel.variant(metadata: ["tokenizer.ggml.mask_token_id": .uint32(0)])).write(to: URL(fileURLWithPath: masked))
        let result = try CLI.run(["validate", "--model", masked, "--attention", "bidirectional", "--target-length", "128",
                                  "--text-file", text, "--rope", "diffusion-ntk", "--json"])
        XCTAssert([0, 1].contains(result.status), result.stderr)
        let json = try result.json()
        XCTAssert((json["notes"] as? [String] ?? []).contains { $0.contains("masked-diffusion") }, "\(json["notes"] ?? "")")
        let checks = try XCTUnwrap((json["candidates"] as? [[String: Any]])?.first?["checks"] as? [[String: Any]])
        let perplexity = try XCTUnwrap(checks.first { $0["name"] as? String == "perplexity-at-target" })
        XCTAssert(perplexity["value"] is Double, "\(perplexity)")
        XCTAssert((perplexity["reason"] as? String ?? "").contains("masked-diffusion bound"), "\(perplexity)")
        let passkey = try XCTUnwrap(checks.first { $0["name"] as? String == "passkey" })
        XCTAssert((passkey["reason"] as? String ?? "").contains("causal models only"), "\(passkey)")
        XCTAssert(checks.first { $0["name"] as? String == "attention-local-mass" }?["value"] is Double, "bidirectional profile ran")

        let plain = path("plain.gguf")
        try Data(TinyModel.gguf()).write(to: URL(fileURLWithPath: plain))
        let skipped = try CLI.run(["validate", "--model", plain, "--attention", "bidirectional", "--target-length", "128",
                                   "--text-file", text, "--rope", "diffusion-ntk", "--json"])
        XCTAssert([0, 1].contains(skipped.status), skipped.stderr)
        let skippedChecks = try XCTUnwrap((try skipped.json()["candidates"] as? [[String: Any]])?.first?["checks"] as? [[String: Any]])
        let reason = try XCTUnwrap(skippedChecks.first { $0["name"] as? String == "perplexity-at-target" }?["reason"] as? String)
        XCTAssert(reason.contains("mask token"), reason)
    }

    /// Every `VerdictError` maps to a README code in the one fallback table.
    func testVerdictErrorsMapToREADMECodes() {
        let cases: [(VerdictError, Int32)] = [
            (.targetNotLonger(trainLength: 4, targetLength: 4), 64), (.targetTooLong(targetLength: 1, maximum: 0), 64),
            (.unknownThreshold(name: "x", allowed: []), 64), (.invalidThreshold(name: "x", value: "1", allowed: "0...1"), 64),
            (.invalidCandidate(spec: "x", message: "m"), 64), (.duplicateCandidate(spec: "a", canonical: "b"), 64),
            (.noCandidates, 64), (.planUnreadable(path: "p", reason: "r"), 66),
            (.planMalformed(location: "p:1:1", key: "k", reason: "r"), 65), (.invalidBudget(text: "x"), 64),
            (.budgetTooSmall(budgetSeconds: 1, minimumSeconds: 2, what: "w"), 64), (.textTooShort(tokens: 1, needed: 2), 65),
        ]
        for (error, code) in cases { XCTAssertEqual(ExitMapping.code(for: error), code, "\(error)") }
    }
}
