import Foundation
import GGUF
import Tokenizers
import XCTest

/// Locations of committed fixtures and of the git-ignored vocabulary cache.
enum FixturePaths {
    /// The repository root, found from this file's path (Tests/TokenizersTests/Support/).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let llamaCppTokenizer = repositoryRoot.appendingPathComponent("Tests/Fixtures/llamacpp/tokenizer.json")
    static let llamaCppFuzz = repositoryRoot.appendingPathComponent("Tests/Fixtures/tokenizer/llamacpp_fuzz.json")
    /// The default model (scripts/fetch-model.sh); absent on a fresh checkout.
    static let smolLM2Model = repositoryRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
}

/// The SmolLM2 vocabulary read from the GGUF model through the GGUF target.
struct ExportedVocabulary {
    let base: BPEVocabulary

    /// The tokenizer input, optionally with another pre-tokenizer name.
    func vocabulary(preTokenizer: String? = nil) -> BPEVocabulary {
        var copy = base
        if let preTokenizer { copy.preTokenizer = preTokenizer }
        return copy
    }
}

enum FixtureLoader {
    /// The default model's vocabulary, or an `XCTSkip` saying how to fetch the model
    /// (path models/SmolLM2-135M-Instruct.Q4_1.gguf, or $ROPESCOPE_MODEL).
    static func smolLM2Vocabulary() throws -> ExportedVocabulary {
        let path = ProcessInfo.processInfo.environment["ROPESCOPE_MODEL"] ?? FixturePaths.smolLM2Model.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) is absent: run scripts/fetch-model.sh to compare the tokenizer with llama.cpp")
        }
        return ExportedVocabulary(base: try BPEVocabulary(gguf: GGUFFile(path: path)))
    }

    static func decode<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: url))
    }
}

/// Compares token id sequences; on mismatch reports the label, the first differing positions
/// with the tokens' texts, and both lengths.
func assertTokens(
    _ actual: [Int32], _ expected: [Int32], _ label: String, tokenizer: BPETokenizer? = nil,
    file: StaticString = #filePath, line: UInt = #line
) {
    guard actual != expected else { return }
    func show(_ id: Int32?) -> String {
        guard let id else { return "—" }
        let text = tokenizer?.tokenText(id).map { " '\($0)'" } ?? ""
        return "\(id)\(text)"
    }
    var lines: [String] = []
    for position in 0..<max(actual.count, expected.count) where lines.count < 5 {
        let left = position < actual.count ? actual[position] : nil
        let right = position < expected.count ? expected[position] : nil
        if left != right { lines.append("  [\(position)] got \(show(left)), expected \(show(right))") }
    }
    XCTFail("""
        \(label): token ids differ (got \(actual.count), expected \(expected.count)); first mismatches:
        \(lines.joined(separator: "\n"))
        """, file: file, line: line)
}

/// Bytes from a lower-case hex string (fixture `*_hex` fields).
func bytes(fromHex hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count - 1, by: 2).compactMap { index in
        UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16)
    }
}
