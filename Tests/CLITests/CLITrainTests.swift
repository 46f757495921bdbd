import Foundation
import XCTest

/// `train`: a seconds-long run whose checkpoint `score` loads; bad input and its exit codes.
final class CLITrainTests: XCTestCase {
    private func corpus(in directory: URL, documents: Int = 12) throws -> URL {
        let data = directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for i in 0..<documents {
            try Data(String(repeating: "the cat sat on the mat \(i). ", count: 8).utf8).write(to: data.appendingPathComponent("d\(i).txt"))
        }
        return data
    }

    private func config(_ json: String, in directory: URL, name: String = "tiny.json") throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(json.utf8).write(to: url)
        return url.path
    }

    private let tiny = #"{"embedding_size": 32, "layer_count": 1, "head_count": 4, "key_value_head_count": 2, "feed_forward_size": 64, "batch_size": 2}"#

    func testTrainWritesACheckpointThatScoreLoads() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try corpus(in: directory), config = try config(tiny, in: directory)
        for objective in ["ar", "masked-diffusion"] {
            let output = directory.appendingPathComponent("\(objective).gguf").path
            let result = try CLI.run(["train", "--objective", objective, "--config", config, "--data", data.path,
                                      "--context-length", "32", "--steps", "3", "--output", output, "--json"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let json = try result.json()
            XCTAssertEqual(json["steps"] as? Int, 3)
            XCTAssertEqual(json["output"] as? String, output)
            XCTAssertNotNil(json["train_loss"] as? Double)
            XCTAssertNotNil(json["validation_loss"] as? Double)
            XCTAssertNotNil(json["tokens_per_second"] as? Double)
            XCTAssert(result.stderr.contains("step 3/3"), result.stderr)
        }
        let text = directory.appendingPathComponent("text.txt")
        try Data(String(repeating: "the cat sat on the mat. ", count: 10).utf8).write(to: text)
        let score = try CLI.run(["score", directory.appendingPathComponent("ar.gguf").path, "--text-file", text.path,
                                 "--context-length", "32", "--json"])
        XCTAssertEqual(score.status, 0, score.stderr)
        let nll = try XCTUnwrap(try score.json()["mean_nll"] as? Double)
        XCTAssert(nll.isFinite && nll > 0, "\(nll)")
    }

    func testBadInputExitCodes() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try corpus(in: directory), good = try config(tiny, in: directory)
        let empty = directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        func train(_ config: String, data: String, context: String = "32", objective: String = "ar", extra: [String] = []) throws -> CLIResult {
            try CLI.run(["train", "--objective", objective, "--config", config, "--data", data, "--context-length", context,
                         "--steps", "1", "--output", directory.appendingPathComponent("x.gguf").path] + extra)
        }
        let heads = try train(config(#"{"embedding_size": 30, "layer_count": 1, "head_count": 4, "feed_forward_size": 8}"#,
                                     in: directory, name: "heads.json"), data: data.path)
        XCTAssertEqual(heads.status, 65)
        XCTAssert(heads.stderr.contains("head_count 4: allowed a divisor of embedding_size 30"), heads.stderr)
        let unknown = try train(config(#"{"embedding_size": 32, "layer_count": 1, "head_count": 4, "feed_forward_size": 8, "lr": 1}"#,
                                       in: directory, name: "unknown.json"), data: data.path)
        XCTAssertEqual(unknown.status, 65)
        XCTAssert(unknown.stderr.contains("'lr'"), unknown.stderr)
        XCTAssertEqual(try train(good, data: empty.path).status, 65, "empty corpus")
        XCTAssertEqual(try train(good, data: directory.appendingPathComponent("absent").path).status, 66, "missing corpus")
        XCTAssertEqual(try train(directory.appendingPathComponent("absent.json").path, data: data.path).status, 66, "missing config")
        XCTAssertEqual(try train(good, data: data.path, objective: "gpt").status, 64, "unknown objective")
        let tooLong = try train(good, data: data.path, context: "100000")
        XCTAssertEqual(tooLong.status, 65, "corpus shorter than one window")
        XCTAssert(tooLong.stderr.contains("need at least one window"), tooLong.stderr)
        let memory = try train(good, data: data.path, context: "2048", extra: ["--max-memory", "1m"])
        XCTAssertEqual(memory.status, 64, memory.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("x.gguf").path), "nothing written on error")
    }

    /// Post-training from a checkpoint at a longer context with a RoPE spec and document masks;
    /// the other objective's architecture is refused (65), a missing checkpoint too (66).
    func testContinueFromCheckpoint() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try corpus(in: directory), config = try config(tiny, in: directory)
        let twin = directory.appendingPathComponent("twin.gguf").path
        let first = try CLI.run(["train", "--objective", "ar", "--config", config, "--data", data.path,
                                 "--context-length", "32", "--steps", "2", "--output", twin])
        XCTAssertEqual(first.status, 0, first.stderr)
        let extended = directory.appendingPathComponent("extended.gguf").path
        let post = try CLI.run(["train", "--objective", "ar", "--init", twin, "--data", data.path, "--context-length", "64",
                                "--rope", "critical-ntk", "--packing", "mask", "--positions", "restart", "--steps", "2",
                                "--output", extended, "--json"])
        XCTAssertEqual(post.status, 0, post.stderr)
        let inspect = try CLI.run(["inspect", extended, "--json"])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        let hyperparameters = try XCTUnwrap(try inspect.json()["hyperparameters"] as? [String: Any])
        XCTAssertEqual(hyperparameters["context_length"] as? Int, 64, "the new trained context is baked in")
        XCTAssertNotEqual(hyperparameters["rope.freq_base"] as? Double, 10000, "critical-ntk changes the base")
        let wrong = try CLI.run(["train", "--objective", "masked-diffusion", "--init", twin, "--data", data.path,
                                 "--context-length", "64", "--steps", "1", "--output", directory.appendingPathComponent("x.gguf").path])
        XCTAssertEqual(wrong.status, 65, wrong.stderr)
        XCTAssert(wrong.stderr.contains("architecture llama: allowed llada"), wrong.stderr)
        let missing = try CLI.run(["train", "--objective", "ar", "--init", directory.appendingPathComponent("none.gguf").path,
                                   "--data", data.path, "--context-length", "64", "--steps", "1",
                                   "--output", directory.appendingPathComponent("x.gguf").path])
        XCTAssertEqual(missing.status, 66, missing.stderr)
    }

    /// A loss that turns NaN (learning rate 1e30) stops with 65 naming the step; no output is written.
    func testNonFiniteLossStopsWithItsStep() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try corpus(in: directory)
        let config = try config(#"{"embedding_size": 32, "layer_count": 1, "head_count": 4, "feed_forward_size": 64, "batch_size": 2, "learning_rate": 1e30, "minimum_learning_rate": 1e30, "warmup_steps": 0, "max_gradient_norm": 1e30}"#, in: directory)
        let output = directory.appendingPathComponent("nan.gguf").path
        let result = try CLI.run(["train", "--objective", "ar", "--config", config, "--data", data.path, "--context-length", "32",
                                  "--steps", "10", "--output", output])
        XCTAssertEqual(result.status, 65, result.stderr)
        XCTAssertNotNil(result.stderr.range(of: #"became -?nan at step \d+"#, options: .regularExpression), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }
}
