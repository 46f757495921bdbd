import Foundation
import Tokenizers
import RoPEScopeTestSupport
import XCTest

/// Tier 2/3: BPETokenizer on the real SmolLM2 vocabulary against ids llama.cpp produced
/// (llama_tokenize add_special=false, parse_special=false). Needs the default model
/// (scripts/fetch-model.sh); skipped with a message when it is absent.
final class LlamaCppFixtureTests: XCTestCase {
    private struct TokenizerFixture: Decodable {
        struct Metadata: Decodable {
            let model: String
            let pre: String
            let n_vocab: Int
            let bos_token_id: Int32
            let eos_token_id: Int32
            let add_bos_effective: Bool
        }
        struct Case: Decodable {
            let name: String
            let text: String
            let ids: [Int32]
            let pieces: [String]
            let detokenized: String
            let roundtrip: Bool
        }
        let model_sha256: String
        let tokenizer: Metadata
        let cases: [Case]
    }

    private struct FuzzFixture: Decodable {
        struct Text: Decodable {
            let name: String
            let text: String
        }
        struct Result: Decodable {
            let name: String
            let ids: [Int32]
            let detokenized_hex: String?
        }
        let model_sha256: String
        let texts: [Text]
        let results: [String: [Result]]
    }

    private func export() throws -> ExportedVocabulary {
        try FixtureLoader.smolLM2Vocabulary()
    }

    func testHandPickedCasesMatchLlamaCpp() throws {
        let export = try export()
        let fixture = try FixtureLoader.decode(TokenizerFixture.self, from: FixturePaths.llamaCppTokenizer)
        let tokenizer = try BPETokenizer(vocabulary: export.vocabulary())
        XCTAssertEqual(tokenizer.preTokenizer?.ggufName, fixture.tokenizer.pre)
        XCTAssertEqual(tokenizer.vocabularySize, fixture.tokenizer.n_vocab)
        XCTAssertEqual(tokenizer.bosID, fixture.tokenizer.bos_token_id)
        XCTAssertEqual(tokenizer.eosID, fixture.tokenizer.eos_token_id)
        XCTAssertEqual(tokenizer.addsBOSByDefault, fixture.tokenizer.add_bos_effective)

        var passed = 0
        for testCase in fixture.cases {
            let ids = tokenizer.encode(testCase.text)
            assertTokens(ids, testCase.ids, "case \(testCase.name)", tokenizer: tokenizer)
            XCTAssertEqual(testCase.ids.map { tokenizer.tokenText($0) ?? "?" }, testCase.pieces, testCase.name)
            XCTAssertEqual(try tokenizer.decode(testCase.ids), testCase.detokenized, testCase.name)
            if testCase.roundtrip { XCTAssertEqual(try tokenizer.decode(ids), testCase.text, testCase.name) }
            if ids == testCase.ids { passed += 1 }
        }
        print("llama.cpp tokenizer.json: \(passed)/\(fixture.cases.count) cases identical")
    }

    func testSeededRandomStringsMatchLlamaCppForBothPreTokenizers() throws {
        let export = try export()
        let fixture = try FixtureLoader.decode(FuzzFixture.self, from: FixturePaths.llamaCppFuzz)
        XCTAssertEqual(Set(fixture.results.keys), ["smollm", "gpt-2"])
        for (pre, results) in fixture.results.sorted(by: { $0.key < $1.key }) {
            let tokenizer = try BPETokenizer(vocabulary: export.vocabulary(preTokenizer: pre))
            XCTAssertEqual(results.count, fixture.texts.count)
            var passed = 0
            for (text, expected) in zip(fixture.texts, results) {
                XCTAssertEqual(text.name, expected.name)
                let ids = tokenizer.encode(text.text)
                assertTokens(ids, expected.ids, "\(pre) \(text.name) \(text.text.debugDescription)", tokenizer: tokenizer)
                if ids == expected.ids { passed += 1 }
                if let hex = expected.detokenized_hex {
                    XCTAssertEqual(try tokenizer.decodeBytes(expected.ids), bytes(fromHex: hex), "\(pre) \(text.name)")
                }
            }
            print("llama.cpp fuzz \(pre): \(passed)/\(results.count) cases identical")
        }
    }

    func testRoundTripOnRealVocabularyDropsOnlyUnrepresentableBytes() throws {
        let tokenizer = try BPETokenizer(vocabulary: export().vocabulary())
        // SmolLM2 has no byte-level token for these 21 bytes (C0 controls and lead bytes that
        // valid UTF-8 never or rarely uses); llama.cpp drops them when encoding.
        XCTAssertEqual(tokenizer.unrepresentableBytes, [
            0x04, 0x06, 0x13, 0x14, 0x16, 0x1D, 0xC0, 0xC1, 0xF1, 0xF2,
            0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF,
        ])
        let text = "ok\u{04}\u{06} done \u{13}\u{14}\u{16}\u{1D}!"
        XCTAssertEqual(try tokenizer.decode(tokenizer.encode(text)), "ok done !")
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            let sample = RandomText.string(using: &generator, maxScalars: 40)
            let dropped = Set(tokenizer.unrepresentableBytes)
            let expected = sample.utf8.filter { !dropped.contains($0) }
            XCTAssertEqual(try tokenizer.decodeBytes(tokenizer.encode(sample)), expected, sample.debugDescription)
        }
    }
}
