import Foundation
import GGUF
import Tokenizers
import XCTest

/// Tier 2: llama.cpp's own vocabulary tests (`models/ggml-vocab-*.gguf` with `.inp`/`.out`, as
/// run by llama.cpp `tests/test-tokenizer-0.cpp` with add_special = false, parse_special = false).
/// Every case of every vocabulary the tokenizer claims must give llama.cpp's ids exactly; every
/// other vocabulary must be refused with an error naming its model or pre-tokenizer.
///
/// The files come from scripts/fetch-vocab-tests.sh (llama-cpp-python 0.3.36 sdist) into the
/// git-ignored Tests/Fixtures/ggml-vocab/; the tests skip with a message when they are absent.
final class LlamaCppVocabularyTests: XCTestCase {
    /// The outcome llama.cpp's configuration predicts for each vocabulary file (read from its
    /// `tokenizer.ggml.model` / `.pre`, independently of this target's code).
    private enum Expected {
        case supported(model: TokenizerModel, pre: PreTokenizer?)
        case refusedModel(String)
        case refusedPreTokenizer(String)
    }

    private static let expectations: [String: Expected] = [
        "gpt-2": .supported(model: .byteLevelBPE, pre: .gpt2),
        "mpt": .supported(model: .byteLevelBPE, pre: .gpt2),
        "starcoder": .supported(model: .byteLevelBPE, pre: .smollm),
        "refact": .supported(model: .byteLevelBPE, pre: .smollm),
        "command-r": .supported(model: .byteLevelBPE, pre: .smollm),
        "llama-bpe": .supported(model: .byteLevelBPE, pre: .llama3),
        "qwen2": .supported(model: .byteLevelBPE, pre: .qwen2),
        "llama-spm": .supported(model: .sentencePiece, pre: nil),
        "phi-3": .supported(model: .sentencePiece, pre: nil),
        "baichuan": .supported(model: .sentencePiece, pre: nil),
        "aquila": .refusedPreTokenizer("default"),
        "gpt-neox": .refusedPreTokenizer("default"),
        "falcon": .refusedPreTokenizer("falcon"),
        "deepseek-coder": .refusedPreTokenizer("deepseek-coder"),
        "deepseek-llm": .refusedPreTokenizer("deepseek-llm"),
        "qwen35": .supported(model: .byteLevelBPE, pre: .qwen35),
        "bert-bge": .refusedModel("bert"),
        "nomic-bert-moe": .refusedModel("t5"),
        "gemma-4": .refusedModel("gemma4"),
    ]

    static let directory = FixturePaths.repositoryRoot.appendingPathComponent("Tests/Fixtures/ggml-vocab")

    /// The vocabulary names present (`ggml-vocab-NAME.gguf`), or an `XCTSkip`.
    private func vocabularyNames() throws -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Self.directory.path)) ?? []
        let names = files.filter { $0.hasPrefix("ggml-vocab-") && $0.hasSuffix(".gguf") }
            .map { String($0.dropFirst("ggml-vocab-".count).dropLast(".gguf".count)) }.sorted()
        guard !names.isEmpty else {
            throw XCTSkip("\(Self.directory.path) has no ggml-vocab-*.gguf: run scripts/fetch-vocab-tests.sh "
                + "to check the tokenizer against llama.cpp's vocabulary tests")
        }
        return names
    }

    private func url(_ name: String, _ suffix: String = "") -> URL {
        Self.directory.appendingPathComponent("ggml-vocab-\(name).gguf\(suffix)")
    }

    func testEveryCaseOfEverySupportedVocabularyMatchesLlamaCpp() throws {
        var supported: [String] = []
        var refused: [String] = []
        var caseCount = 0
        for name in try vocabularyNames() {
            guard let expected = Self.expectations[name] else {
                XCTFail("ggml-vocab-\(name).gguf is not classified: add it to LlamaCppVocabularyTests.expectations")
                continue
            }
            let vocabulary = try BPEVocabulary(gguf: GGUFFile(path: url(name).path))
            switch expected {
            case let .supported(model, pre):
                let tokenizer = try BPETokenizer(vocabulary: vocabulary)
                XCTAssertEqual(tokenizer.model, model, name)
                XCTAssertEqual(tokenizer.preTokenizer, pre, name)
                supported.append(name)
                guard FileManager.default.fileExists(atPath: url(name, ".inp").path) else { continue }
                let cases = try Self.cases(input: url(name, ".inp"), output: url(name, ".out"))
                XCTAssertFalse(cases.isEmpty, name)
                for (index, testCase) in cases.enumerated() {
                    assertTokens(tokenizer.encode(testCase.text, addBOS: false), testCase.ids,
                                 "\(name) case \(index) \(testCase.text.debugDescription)", tokenizer: tokenizer)
                }
                caseCount += cases.count
            case let .refusedModel(model):
                XCTAssertThrowsError(try BPETokenizer(vocabulary: vocabulary), name) { error in
                    XCTAssertEqual(error as? TokenizerError,
                                   .unsupportedTokenizerModel(name: model, supported: ["gpt2", "llama"]), name)
                    XCTAssertTrue("\(error)".contains("'\(model)'"), "\(error)")
                }
                refused.append("\(name) (model \(model))")
            case let .refusedPreTokenizer(pre):
                XCTAssertThrowsError(try BPETokenizer(vocabulary: vocabulary), name) { error in
                    XCTAssertEqual(error as? TokenizerError,
                                   .unsupportedPreTokenizer(name: pre, supported: PreTokenizer.allCases.map(\.ggufName)), name)
                    XCTAssertTrue("\(error)".contains("'\(pre)'"), "\(error)")
                }
                refused.append("\(name) (pre \(pre))")
            }
        }
        print("llama.cpp vocabulary tests: \(caseCount) cases over \(supported.count) supported vocabularies "
            + "(\(supported.joined(separator: ", "))); refused: \(refused.joined(separator: ", "))")
    }

    /// SentencePiece round trip: decoding the ids of each case gives its text back (the space
    /// prefix removed again), as llama.cpp's detokenizer does.
    func testSentencePieceCasesDecodeToTheirText() throws {
        let names = try vocabularyNames()
        for name in ["llama-spm", "phi-3"] where names.contains(name) {
            let tokenizer = try BPETokenizer(vocabulary: BPEVocabulary(gguf: GGUFFile(path: url(name).path)))
            for testCase in try Self.cases(input: url(name, ".inp"), output: url(name, ".out")) {
                XCTAssertEqual(try tokenizer.decode(testCase.ids), testCase.text, "\(name) \(testCase.text.debugDescription)")
            }
        }
    }

    /// The cases of a `.inp` / `.out` pair, parsed as llama.cpp `test-tokenizer-0.cpp` does:
    /// inputs separated by `"\n__ggml_vocab_test__\n"`, one output line of space-separated ids
    /// per input (surrounding whitespace stripped).
    static func cases(input: URL, output: URL) throws -> [(text: String, ids: [Int32])] {
        // Bytes, not `String`: a case ending in "\r" must not fuse with the separator's "\n".
        let raw = [UInt8](try Data(contentsOf: input))
        let separator = Array("\n__ggml_vocab_test__\n".utf8)
        var inputs: [String] = []
        var start = 0
        while start < raw.count {
            var match = start
            while match + separator.count <= raw.count && !raw[match..<match + separator.count].elementsEqual(separator) {
                match += 1
            }
            let end = match + separator.count <= raw.count ? match : raw.count
            guard let text = String(validating: raw[start..<end], as: UTF8.self) else {
                throw XCTSkip("\(input.lastPathComponent): case at byte \(start) is not UTF-8")
            }
            inputs.append(text)
            start = end + separator.count
        }
        var lines = [UInt8](try Data(contentsOf: output)).split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        XCTAssertEqual(inputs.count, lines.count, "\(input.lastPathComponent): input and output case counts differ")
        return zip(inputs, lines).map { text, line in
            let ids = line.split(separator: 0x20).compactMap { Int32(String(decoding: $0, as: UTF8.self)) }
            return (text, ids)
        }
    }
}
