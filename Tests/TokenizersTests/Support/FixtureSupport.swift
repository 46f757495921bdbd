import Foundation
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
    /// Written by scripts/fixtures/export_vocab.py; absent on a fresh checkout.
    static let smolLM2Vocabulary = repositoryRoot.appendingPathComponent("models/smollm2-vocab.json")
}

/// The JSON written by scripts/fixtures/export_vocab.py.
struct ExportedVocabulary: Decodable {
    let source: String
    let source_sha256: String
    let model: String
    let pre: String
    let tokens: [String]
    let token_types: [Int32]?
    let merges: [String]
    let bos_token_id: Int32?
    let eos_token_id: Int32?
    let unknown_token_id: Int32?
    let padding_token_id: Int32?
    let add_bos_token: Bool

    /// The tokenizer input, optionally with another pre-tokenizer name.
    func vocabulary(preTokenizer: String? = nil) -> BPEVocabulary {
        BPEVocabulary(
            model: model, preTokenizer: preTokenizer ?? pre, tokens: tokens, merges: merges,
            tokenTypes: token_types, bosID: bos_token_id, eosID: eos_token_id,
            unknownID: unknown_token_id, paddingID: padding_token_id, addBOS: add_bos_token)
    }
}

enum FixtureLoader {
    /// The exported SmolLM2 vocabulary, or an `XCTSkip` saying how to create it.
    static func smolLM2Vocabulary() throws -> ExportedVocabulary {
        let url = FixturePaths.smolLM2Vocabulary
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("""
                \(url.path) is absent: run scripts/fetch-model.sh, then \
                python scripts/fixtures/export_vocab.py (gguf==0.19.0) to compare with llama.cpp
                """)
        }
        return try JSONDecoder().decode(ExportedVocabulary.self, from: Data(contentsOf: url))
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
