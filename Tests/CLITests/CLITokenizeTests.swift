import Foundation
import XCTest

/// `tokenize`: ids equal llama.cpp's on the default model; input errors and their exit codes.
final class CLITokenizeTests: XCTestCase {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var modelPath: String {
        ProcessInfo.processInfo.environment["ROPESCOPE_MODEL"]
            ?? repositoryRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }

    func testMatchesLlamaCppOnTheDefaultModel() throws {
        guard FileManager.default.fileExists(atPath: Self.modelPath) else {
            throw XCTSkip("\(Self.modelPath) is absent: run scripts/fetch-model.sh")
        }
        let fixtureURL = Self.repositoryRoot.appendingPathComponent("Tests/Fixtures/llamacpp/tokenizer.json")
        let fixture = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL)) as? [String: Any])
        let cases = try XCTUnwrap(fixture["cases"] as? [[String: Any]])
        for testCase in cases.prefix(8) {
            let text = try XCTUnwrap(testCase["text"] as? String)
            let directory = try CLI.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("input.txt")
            try Data(text.utf8).write(to: file)
            let result = try CLI.run(["tokenize", Self.modelPath, "--text-file", file.path, "--json"])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(try result.json()["ids"] as? [Int], testCase["ids"] as? [Int], testCase["name"] as? String ?? "")
        }
    }

    func testInputErrors() throws {
        let both = try CLI.run(["tokenize", "model.gguf", "--text", "a", "--text-file", "b"])
        XCTAssertEqual(both.status, 64)
        XCTAssert(both.stderr.contains("exactly one of --text"), both.stderr)
        let missingModel = try CLI.run(["tokenize", "/nonexistent/model.gguf", "--text", "a"])
        XCTAssertEqual(missingModel.status, 66)
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missingText = try CLI.run(["tokenize", Self.modelPath, "--text-file", directory.appendingPathComponent("none.txt").path])
        XCTAssertEqual(missingText.status, 66)
        XCTAssert(missingText.stderr.contains("none.txt"), missingText.stderr)
        let bad = directory.appendingPathComponent("latin1.txt")
        try Data([0x63, 0x61, 0x66, 0xE9]).write(to: bad)
        let notUTF8 = try CLI.run(["tokenize", Self.modelPath, "--text-file", bad.path])
        XCTAssertEqual(notUTF8.status, 65)
        XCTAssert(notUTF8.stderr.contains("not valid UTF-8"), notUTF8.stderr)
    }
}
