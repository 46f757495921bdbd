import Tokenizers
import RoPEScopeTestSupport
import XCTest

/// Round trips, BOS handling, special and user-defined tokens, and decoding rules, on handmade
/// vocabularies (offline).
final class EncodeDecodeTests: XCTestCase {
    private static let merges = ["Ġ t", "h e", "Ġt he", "i n", "Ġ Ġ", "Ċ Ċ", "' s"]

    func testRoundTripsSeededRandomUnicode() throws {
        for pre in PreTokenizer.allCases {
            let tokenizer = try BPETokenizer(vocabulary: TinyVocabulary.make(merges: Self.merges, preTokenizer: pre.ggufName))
            XCTAssertEqual(tokenizer.unrepresentableBytes, [])
            var generator = SeededGenerator(seed: 2024)
            for _ in 0..<400 {
                let text = RandomText.string(using: &generator, maxScalars: 60)
                let ids = tokenizer.encode(text)
                XCTAssertEqual(try tokenizer.decode(ids), text, "\(pre.ggufName) \(text.debugDescription)")
                XCTAssertEqual(try tokenizer.decodeBytes(ids), Array(text.utf8))
            }
        }
    }

    func testRoundTripsTrickyWhitespaceAndScripts() throws {
        let tokenizer = try BPETokenizer(vocabulary: TinyVocabulary.make(merges: Self.merges, preTokenizer: "smollm"))
        let texts = ["", " ", "   lead", "trail   ", "a  b   c", "\r\n\r\n", "\t\tx\t", "line\n\nnext\n",
                     "e\u{301}\u{302}", "👨‍👩‍👧 🇫🇷", "日本語", "\u{0}\u{1}\u{7F}", "\u{10FFFD}", "it's IT'S 12"]
        for text in texts {
            XCTAssertEqual(try tokenizer.decode(tokenizer.encode(text)), text, text.debugDescription)
        }
    }

    func testBOSFollowsTheVocabularyUnlessOverridden() throws {
        let special = [(text: "<s>", type: TokenType.control)]
        let withBOS = try BPETokenizer(vocabulary: TinyVocabulary.make(merges: [], extraTokens: special, bosID: 256, addBOS: true))
        XCTAssertEqual(withBOS.encode("a"), [256, 0x61])
        XCTAssertEqual(withBOS.encode("a", addBOS: false), [0x61])
        XCTAssertEqual(withBOS.encode(""), [256])
        let withoutBOS = try BPETokenizer(vocabulary: TinyVocabulary.make(merges: [], extraTokens: special, bosID: 256))
        XCTAssertEqual(withoutBOS.encode("a"), [0x61])
        XCTAssertEqual(withoutBOS.encode("a", addBOS: true), [256, 0x61])
        XCTAssertEqual(withoutBOS.bosID, 256)
        XCTAssertNil(withoutBOS.eosID)
    }

    func testControlTokensInTextAreNotParsedButUserDefinedOnesAre() throws {
        let extra = [(text: "<|im_start|>", type: TokenType.control), (text: "<tool>", type: TokenType.userDefined),
                     (text: "<tool>x", type: TokenType.userDefined)]
        let tokenizer = try BPETokenizer(vocabulary: TinyVocabulary.make(merges: [], extraTokens: extra))
        let control = tokenizer.encode("<|im_start|>")
        XCTAssertEqual(control.count, 12, "control token text must be tokenized as plain bytes")
        XCTAssertFalse(control.contains(256))
        // User-defined tokens are cut out first, longest first; text around them is encoded alone.
        XCTAssertEqual(tokenizer.encode("a<tool>b"), [0x61, 257, 0x62])
        XCTAssertEqual(tokenizer.encode("<tool>x<tool><tool>"), [258, 257, 257])
        XCTAssertEqual(try tokenizer.decode(tokenizer.encode(" <tool> ")), " <tool> ")
    }

    func testTextAroundUserDefinedTokensIsPreTokenizedAlone() throws {
        let extra = [(text: "<tool>", type: TokenType.userDefined)]
        let tokenizer = try BPETokenizer(vocabulary: TinyVocabulary.make(merges: ["Ġ Ġ"], extraTokens: extra))
        // "a  " ends at the token, so its two spaces are one word (257 = "ĠĠ"); in running text
        // \s+(?!\S) would leave the last space to the next word.
        XCTAssertEqual(tokenizer.encode("a  <tool>"), [0x61, 257, 256])
        XCTAssertEqual(tokenizer.encode("a  b"), [0x61, 0x20, 0x20, 0x62])
    }

    func testDecodeRendersTokenTypesLikeLlamaCpp() throws {
        let extra = [(text: "<|im_start|>", type: TokenType.control), (text: "<unk>", type: TokenType.unknown),
                     (text: "<tool>", type: TokenType.userDefined), (text: "<0x41>", type: TokenType.byte),
                     (text: "<pad>", type: TokenType.unused), (text: "<undef>", type: TokenType.undefined),
                     (text: "aΩ", type: TokenType.normal)]
        let tokenizer = try BPETokenizer(vocabulary: TinyVocabulary.make(merges: [], extraTokens: extra))
        let ids: [Int32] = [256, 0x68, 257, 258, 259, 260, 261]
        XCTAssertEqual(try tokenizer.decode(ids), "h<tool>A")
        XCTAssertEqual(try tokenizer.decode(ids, renderSpecialTokens: true), "<|im_start|>h<unk><tool>A")
        // A normal token with a character outside the byte-level alphabet: llama.cpp's marker.
        XCTAssertEqual(try tokenizer.decode([262]), "a[UNK_BYTE_0xcea9aΩ]")
        XCTAssertEqual(tokenizer.tokenType(256), .control)
        XCTAssertEqual(tokenizer.tokenID(forText: "<tool>"), 258)
        XCTAssertNil(tokenizer.tokenText(-1))
    }

    func testDecodeOfAPartialCharacter() throws {
        let tokenizer = try BPETokenizer(vocabulary: TinyVocabulary.make(merges: []))
        let ids = tokenizer.encode("é")
        XCTAssertEqual(try tokenizer.decodeBytes([ids[0]]), [0xC3])
        XCTAssertEqual(try tokenizer.decode([ids[0]]), "\u{FFFD}")
    }

    func testDecodeRejectsOutOfRangeIDs() throws {
        let tokenizer = try BPETokenizer(vocabulary: TinyVocabulary.make(merges: []))
        XCTAssertEqual(tokenizer.vocabularySize, 256)
        for bad: Int32 in [256, -1, .max] {
            XCTAssertThrowsError(try tokenizer.decode([0x61, bad])) { error in
                XCTAssertEqual(error as? TokenizerError, .tokenIDOutOfRange(id: bad, position: 1, vocabularySize: 256))
            }
        }
        XCTAssertEqual("\(TokenizerError.tokenIDOutOfRange(id: 300, position: 4, vocabularySize: 256))",
                       "token id 300 at position 4 is out of range: allowed 0..<256")
    }

    func testMissingByteTokensAreDroppedLikeLlamaCpp() throws {
        let tokenizer = try BPETokenizer(vocabulary: TinyVocabulary.make(merges: ["a b"], omittingBytes: [0x04, 0xF1]))
        XCTAssertEqual(tokenizer.unrepresentableBytes, [0x04, 0xF1])
        XCTAssertEqual(try tokenizer.decode(tokenizer.encode("a\u{4}b")), "ab")
        // ab merges only inside one word: the dropped byte still separates "a" from "b".
        XCTAssertEqual(tokenizer.encode("a\u{4}b"), [0x61, 0x62])
        // U+40000 is F1 80 80 80: the lead byte has no token, the continuation bytes remain.
        XCTAssertEqual(try tokenizer.decodeBytes(tokenizer.encode("\u{40000}")), [0x80, 0x80, 0x80])
    }
}
