import Tokenizers
import XCTest

/// One handcrafted defect per `TokenizerError` case, plus a success control, in the spirit of
/// llama.cpp's `tests/test-gguf.cpp` bad-file suite.
final class ValidationTests: XCTestCase {
    private let valid = TinyVocabulary.make(merges: ["Ġ t", "h e"], bosID: 1)

    private func assertRejects(
        _ vocabulary: BPEVocabulary, _ expected: TokenizerError, mentions fragment: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try BPETokenizer(vocabulary: vocabulary), file: file, line: line) { error in
            XCTAssertEqual(error as? TokenizerError, expected, file: file, line: line)
            XCTAssertTrue("\(error)".contains(fragment), "message '\(error)' lacks '\(fragment)'", file: file, line: line)
        }
    }

    func testValidVocabularyIsAccepted() throws {
        let tokenizer = try BPETokenizer(vocabulary: valid)
        XCTAssertEqual(tokenizer.vocabularySize, 258)
        XCTAssertEqual(tokenizer.preTokenizer, .gpt2)
        var untyped = valid
        untyped.tokenTypes = nil
        XCTAssertEqual(try BPETokenizer(vocabulary: untyped).tokenType(0), .normal)
    }

    func testModelAndPreTokenizerNames() {
        var vocabulary = valid
        vocabulary.model = "bert"
        assertRejects(vocabulary, .unsupportedTokenizerModel(name: "bert", supported: ["gpt2", "llama"]),
                      mentions: "'bert' (tokenizer.ggml.model, llama.cpp WordPiece (BERT)): supported gpt2, llama")
        vocabulary = valid
        vocabulary.preTokenizer = "falcon"
        assertRejects(vocabulary, .unsupportedPreTokenizer(name: "falcon", supported: ["gpt-2", "smollm", "llama-bpe", "qwen2", "qwen35"]),
                      mentions: "supported gpt-2, smollm, llama-bpe, qwen2, qwen35")
    }

    func testTokenListDefects() {
        var vocabulary = valid
        vocabulary.tokens = []
        vocabulary.tokenTypes = []
        assertRejects(vocabulary, .emptyVocabulary, mentions: "empty")

        vocabulary = valid
        vocabulary.tokenTypes?.removeLast()
        assertRejects(vocabulary, .tokenTypeCountMismatch(tokens: 258, tokenTypes: 257), mentions: "expected one per token (258)")

        vocabulary = valid
        vocabulary.tokenTypes?[7] = 9
        assertRejects(vocabulary, .invalidTokenType(index: 7, token: "ć", value: 9), mentions: "token 7 'ć' has token_type 9")

        vocabulary = valid
        vocabulary.tokens.append("x\n\u{1}")
        vocabulary.tokenTypes?.append(-1)
        assertRejects(vocabulary, .invalidTokenType(index: 258, token: "x\n\u{1}", value: -1),
                      mentions: "token 258 'x\\n\\u{1}' has token_type -1")

        vocabulary = valid
        vocabulary.tokens.append("he")
        vocabulary.tokenTypes?.append(1)
        assertRejects(vocabulary, .duplicateToken(text: "he", firstIndex: 257, duplicateIndex: 258),
                      mentions: "token 258 'he' duplicates token 257")

        vocabulary = valid
        vocabulary.tokens.append("<0xZZ>")
        vocabulary.tokenTypes?.append(TokenType.byte.rawValue)
        assertRejects(vocabulary, .malformedByteToken(index: 258, text: "<0xZZ>"), mentions: "expected text <0xHH>")
    }

    func testEmptyTokenTextIsRenamedLikeLlamaCpp() throws {
        var vocabulary = valid
        vocabulary.tokens.append("")
        vocabulary.tokenTypes?.append(TokenType.control.rawValue)
        let tokenizer = try BPETokenizer(vocabulary: vocabulary)
        XCTAssertEqual(tokenizer.tokenText(258), "[EMPTY_258]")
    }

    func testMergeDefects() {
        for line in ["Ġt", "Ġ ", " h", "", "abc"] {
            var vocabulary = valid
            vocabulary.merges.append(line)
            assertRejects(vocabulary, .malformedMerge(rank: 2, line: line), mentions: "merge 2")
        }
        var vocabulary = valid
        vocabulary.merges.append("x Ω")
        assertRejects(vocabulary, .mergeTokenNotInVocabulary(rank: 2, line: "x Ω", side: "right", token: "Ω"),
                      mentions: "right side 'Ω' is not a vocabulary token")
        vocabulary = valid
        vocabulary.merges.insert("q he", at: 0)
        assertRejects(vocabulary, .mergeResultNotInVocabulary(rank: 0, line: "q he", result: "qhe"),
                      mentions: "merged token 'qhe'")
        vocabulary = valid
        vocabulary.merges.append("Ġt h e")  // split at the first space: right side "h e"
        assertRejects(vocabulary, .mergeTokenNotInVocabulary(rank: 2, line: "Ġt h e", side: "right", token: "h e"),
                      mentions: "right side")
        vocabulary = valid
        vocabulary.merges.append("Ω x")
        assertRejects(vocabulary, .mergeTokenNotInVocabulary(rank: 2, line: "Ω x", side: "left", token: "Ω"),
                      mentions: "left side")
    }

    func testRequiredByteTokens() {
        let newline = TinyVocabulary.make(merges: [], omittingBytes: [0x0A])
        assertRejects(newline, .missingByteToken(byte: 0x0A, expectedText: "Ċ"), mentions: "byte 0x0A")
        let space = TinyVocabulary.make(merges: [], omittingBytes: [0x20])
        assertRejects(space, .missingByteToken(byte: 0x20, expectedText: "Ġ"), mentions: "'Ġ'")
    }

    func testSpecialTokenIDs() {
        var vocabulary = valid
        vocabulary.eosID = 258
        assertRejects(vocabulary, .specialTokenIDOutOfRange(role: "EOS", id: 258, vocabularySize: 258),
                      mentions: "EOS token id 258 is out of range: allowed 0..<258")
        vocabulary = valid
        vocabulary.paddingID = -1
        assertRejects(vocabulary, .specialTokenIDOutOfRange(role: "padding", id: -1, vocabularySize: 258), mentions: "padding")
        vocabulary = valid
        vocabulary.unknownID = 1000
        assertRejects(vocabulary, .specialTokenIDOutOfRange(role: "unknown", id: 1000, vocabularySize: 258), mentions: "unknown")
        vocabulary = valid
        vocabulary.bosID = nil
        vocabulary.addBOS = true
        assertRejects(vocabulary, .missingBOSToken, mentions: "add_bos_token")
    }

    func testVocabularyTooLargeMessage() {
        // Building a vocabulary of 2^31 tokens is not practical; check the message only.
        XCTAssertEqual("\(TokenizerError.vocabularyTooLarge(count: 1 << 31))",
                       "vocabulary has 2147483648 tokens: allowed at most 2147483647 (ids are Int32)")
    }
}
