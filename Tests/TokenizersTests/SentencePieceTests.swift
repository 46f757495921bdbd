import Tokenizers
import XCTest

/// SentencePiece (`tokenizer.ggml.model = "llama"`) on a tiny vocabulary, with ids worked out by
/// hand from llama.cpp's `llm_tokenizer_spm_session` rules: space prefix and `▁`, highest score
/// first, leftmost on ties, byte fallback, user-defined tokens and Phi-3's right strip.
final class SentencePieceTests: XCTestCase {
    /// 0 `<unk>`, 1 `<s>`, 2 `</s>`, 3...258 `<0x00>`...`<0xFF>`, 259 `▁`, 260 `a`, 261 `b`,
    /// 262 `ab` (score -1), 263 `▁a` (-2), 264 `<|u|>` (user-defined), 265 `ba` (-1).
    private func vocabulary(addSpacePrefix: Bool? = nil, modelName: String? = nil) -> BPEVocabulary {
        let tokens = ["<unk>", "<s>", "</s>"] + (0..<256).map { String(format: "<0x%02X>", $0) }
            + ["\u{2581}", "a", "b", "ab", "\u{2581}a", "<|u|>", "ba"]
        let scores: [Float] = Array(repeating: 0, count: 259) + [-5, -5, -5, -1, -2, 0, -1]
        let types: [Int32] = [2, 3, 3] + Array(repeating: 6, count: 256) + [1, 1, 1, 1, 1, 4, 1]
        return BPEVocabulary(model: "llama", preTokenizer: "default", tokens: tokens, merges: [], scores: scores,
                             tokenTypes: types, bosID: 1, eosID: 2, unknownID: 0,
                             addSpacePrefix: addSpacePrefix, modelName: modelName)
    }

    func testMergesByScoreThenLeftmost() throws {
        let tokenizer = try BPETokenizer(vocabulary: vocabulary())
        XCTAssertEqual(tokenizer.model, .sentencePiece)
        XCTAssertNil(tokenizer.preTokenizer)
        XCTAssertTrue(tokenizer.addsBOSByDefault, "llama.cpp adds BOS for SentencePiece when the file does not say")
        XCTAssertEqual(tokenizer.encode("ab", addBOS: false), [259, 262])  // ab (-1) beats ▁a (-2)
        XCTAssertEqual(tokenizer.encode("aba", addBOS: false), [259, 262, 260])  // tie ab/ba: leftmost
        XCTAssertEqual(tokenizer.encode("a", addBOS: true), [1, 263])
        XCTAssertEqual(tokenizer.encode("", addBOS: false), [])
    }

    func testByteFallbackAndSpacePrefix() throws {
        let tokenizer = try BPETokenizer(vocabulary: vocabulary())
        XCTAssertEqual(tokenizer.encode("é", addBOS: false), [259, 3 + 0xC3, 3 + 0xA9])
        let noPrefix = try BPETokenizer(vocabulary: vocabulary(addSpacePrefix: false))
        XCTAssertEqual(noPrefix.encode("a b", addBOS: false), [260, 259, 261])
        XCTAssertEqual(try noPrefix.decode([260, 259, 261]), "a b")
    }

    func testUserDefinedTokensAndPhi3RightStrip() throws {
        let tokenizer = try BPETokenizer(vocabulary: vocabulary())
        // The text after a user-defined token gets its own space prefix.
        XCTAssertEqual(tokenizer.encode("a<|u|>a", addBOS: false), [263, 264, 263])
        XCTAssertEqual(tokenizer.encode("<|u|>  a", addBOS: false), [264, 259, 259, 263])
        let phi3 = try BPETokenizer(vocabulary: vocabulary(modelName: "Phi3"))
        XCTAssertEqual(phi3.encode("<|u|>  a", addBOS: false), [264, 263])
    }

    func testDecodeDropsTheLeadingSpaceOnce() throws {
        let tokenizer = try BPETokenizer(vocabulary: vocabulary())
        XCTAssertEqual(try tokenizer.decode([263, 264, 263]), "a<|u|> a")
        XCTAssertEqual(try tokenizer.decode([1, 263]), " a", "a BOS first keeps the space, as llama.cpp")
        XCTAssertEqual(try tokenizer.decode(tokenizer.encode("a  b é", addBOS: false)), "a  b é")
    }

    func testValidation() {
        var missingByte = vocabulary()
        missingByte.tokens[3 + 0x41] = "<0xZZ>"
        missingByte.tokenTypes?[3 + 0x41] = 1
        XCTAssertThrowsError(try BPETokenizer(vocabulary: missingByte)) { error in
            XCTAssertEqual(error as? TokenizerError, .missingByteFallbackToken(byte: 0x41))
        }
        var shortScores = vocabulary()
        shortScores.scores?.removeLast()
        XCTAssertThrowsError(try BPETokenizer(vocabulary: shortScores)) { error in
            XCTAssertEqual(error as? TokenizerError, .invalidScores(tokens: 266, scores: 265, firstNaN: nil))
        }
        var nan = vocabulary()
        nan.scores?[7] = .nan
        XCTAssertThrowsError(try BPETokenizer(vocabulary: nan)) { error in
            XCTAssertEqual(error as? TokenizerError, .invalidScores(tokens: 266, scores: 266, firstNaN: 7))
        }
    }
}
