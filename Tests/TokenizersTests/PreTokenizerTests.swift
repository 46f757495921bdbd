import Tokenizers
import RoPEScopeTestSupport
import XCTest

/// Word splits of the two pre-tokenizers, derived by hand from llama.cpp's matcher
/// (`unicode_regex_split_custom_gpt2`) and, for the smollm digit rule, its `\p{N}` pre-split.
final class PreTokenizerTests: XCTestCase {
    private func check(_ pre: PreTokenizer, _ text: String, _ expected: [String],
                       file: StaticString = #filePath, line: UInt = #line) {
        let words = pre.words(in: text)
        XCTAssertEqual(words, expected, "\(pre.ggufName) \(text.debugDescription)", file: file, line: line)
        XCTAssertEqual(words.joined(), text, "words must concatenate to the input", file: file, line: line)
    }

    func testWordsTakeTheirLeadingSpace() {
        check(.gpt2, "", [])
        check(.gpt2, "Hello world", ["Hello", " world"])
        check(.gpt2, "Hello, world!!", ["Hello", ",", " world", "!!"])
        check(.gpt2, "a ...b", ["a", " ...", "b"])
        check(.gpt2, " x", [" x"])
    }

    func testWhitespaceRunsLeaveTheLastSpaceToTheNextWord() {
        // \s+(?!\S): a run of n >= 2 before a non-space keeps n-1 and the last joins the word.
        check(.gpt2, "a  b", ["a", " ", " b"])
        check(.gpt2, "a   b", ["a", "  ", " b"])
        check(.gpt2, "  leading", [" ", " leading"])
        check(.gpt2, "   three", ["  ", " three"])
    }

    func testWhitespaceAtTheEndIsTakenWhole() {
        check(.gpt2, "trailing  ", ["trailing", "  "])
        check(.gpt2, "x ", ["x", " "])
        check(.gpt2, " ", [" "])
        check(.gpt2, " \n\t ", [" \n\t "])
    }

    func testLineBreaksAndTabsStandAloneBeforeAWord() {
        // Only a space (U+0020) prefixes a word; a lone \n or \t before a word is the \s+ fallback.
        check(.gpt2, "x\n\ny", ["x", "\n", "\n", "y"])
        check(.gpt2, "a \nb", ["a", " ", "\n", "b"])
        check(.gpt2, "a\n b", ["a", "\n", " b"])
        check(.gpt2, "\t\tx", ["\t", "\t", "x"])
        check(.gpt2, "end\r\n", ["end", "\r\n"])
        check(.gpt2, "a\r\nb", ["a", "\r", "\n", "b"])
        check(.gpt2, "a\u{00A0}b", ["a", "\u{00A0}", "b"])
        check(.gpt2, "a\u{3000}\u{3000}b", ["a", "\u{3000}", "\u{3000}", "b"])
    }

    func testContractionsAreLowerCaseOnly() {
        check(.gpt2, "it's", ["it", "'s"])
        check(.gpt2, "we'd've", ["we", "'d", "'ve"])
        check(.gpt2, "you'll they're I'm", ["you", "'ll", " they", "'re", " I", "'m"])
        check(.gpt2, "IT'S", ["IT", "'", "S"])
        check(.gpt2, "x'y", ["x", "'", "y"])
        check(.gpt2, "'", ["'"])
        check(.gpt2, "''s", ["''", "s"])
        check(.gpt2, " 's", [" '", "s"])
    }

    func testGPT2KeepsDigitRunsAndSmolLMSplitsEveryDigit() {
        check(.gpt2, "abc123def", ["abc", "123", "def"])
        check(.smollm, "abc123def", ["abc", "1", "2", "3", "def"])
        check(.gpt2, "x 2024", ["x", " 2024"])
        check(.smollm, "x 2024", ["x", " ", "2", "0", "2", "4"])
        check(.smollm, "1.5", ["1", ".", "5"])
        // Non-ASCII numbers are \p{N} too: Arabic-Indic (Nd), superscript (No), Roman (Nl).
        check(.smollm, "\u{663}\u{B2}\u{216B}", ["\u{663}", "\u{B2}", "\u{216B}"])
        check(.gpt2, "\u{663}\u{B2}\u{216B}", ["\u{663}\u{B2}\u{216B}"])
    }

    func testSmolLMPiecesBoundLookahead() {
        // The digit ends the piece "a  ", so the space run is taken whole instead of n-1.
        check(.smollm, "a  1", ["a", "  ", "1"])
        check(.gpt2, "a  1", ["a", " ", " 1"])
        // A contraction cannot reach across a digit piece either.
        check(.smollm, "'1s", ["'", "1", "s"])
    }

    func testUnicodeClasses() {
        check(.gpt2, "naïve café", ["naïve", " café"])
        // Combining marks are not letters (\p{M}): they form a run of their own.
        check(.gpt2, "e\u{301}t", ["e", "\u{301}", "t"])
        check(.gpt2, " \u{301}", [" \u{301}"])
        check(.gpt2, "日本語。한국어", ["日本語", "。", "한국어"])
        check(.gpt2, "hi 😀👍", ["hi", " 😀👍"])
        check(.gpt2, "a\u{200B}b", ["a", "\u{200B}", "b"])
        check(.gpt2, "a\u{0}\u{4}b", ["a", "\u{0}\u{4}", "b"])
        // U+1C89 was assigned (as a letter) after Unicode 15.1: llama.cpp sees it as unassigned.
        check(.gpt2, "a\u{1C89}b", ["a", "\u{1C89}", "b"])
        // U+2EBF0 (CJK extension I) is a Unicode 15.1 letter.
        check(.gpt2, "a\u{2EBF0}b", ["a\u{2EBF0}b"])
    }

    func testRandomStringsConcatenateBack() {
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<500 {
            let text = RandomText.string(using: &generator, maxScalars: 30)
            for pre in PreTokenizer.allCases {
                let words = pre.words(in: text)
                XCTAssertEqual(words.joined(), text, "\(pre.ggufName) \(text.debugDescription)")
                XCTAssertFalse(words.contains(""), "empty word for \(text.debugDescription)")
            }
        }
    }

    func testGGUFNames() throws {
        XCTAssertEqual(try PreTokenizer(ggufName: "smollm"), .smollm)
        XCTAssertEqual(try PreTokenizer(ggufName: "gpt-2"), .gpt2)
        XCTAssertEqual(try PreTokenizer(ggufName: "llama-bpe"), .llama3)
        XCTAssertEqual(try PreTokenizer(ggufName: "qwen2"), .qwen2)
        // Aliases llama.cpp maps to the same split.
        XCTAssertEqual(try PreTokenizer(ggufName: "starcoder"), .smollm)
        XCTAssertEqual(try PreTokenizer(ggufName: "mpt"), .gpt2)
        XCTAssertEqual(try PreTokenizer(ggufName: "deepseek-r1-qwen"), .qwen2)
        XCTAssertEqual(try PreTokenizerProfile(ggufName: "llama3"), try PreTokenizerProfile(ggufName: "llama-bpe"))
        XCTAssertTrue(try PreTokenizerProfile(ggufName: "llama-bpe").ignoresMerges)
        XCTAssertFalse(try PreTokenizerProfile(ggufName: "dbrx").ignoresMerges)
        XCTAssertEqual(try PreTokenizer(ggufName: "dbrx"), .llama3)
        XCTAssertEqual(PreTokenizer.smollm.llamaCppPatterns.first, #"\p{N}"#)
        for name in ["gpt2", "default", "falcon", "deepseek-llm", "gpt-4o", "jina-v1-en"] {
            XCTAssertThrowsError(try PreTokenizer(ggufName: name)) { error in
                XCTAssertEqual(error as? TokenizerError,
                               .unsupportedPreTokenizer(name: name, supported: ["gpt-2", "smollm", "llama-bpe", "qwen2", "qwen35"]))
                XCTAssertTrue("\(error)".hasPrefix(
                    "unsupported pre-tokenizer '\(name)' (tokenizer.ggml.pre): supported gpt-2, smollm, llama-bpe, qwen2, qwen35"), "\(error)")
            }
        }
    }

    /// The LLaMA-3 and Qwen2 splits on hand-worked cases of their regexes.
    func testLlama3AndQwen2Splits() {
        check(.llama3, "Hello world", ["Hello", " world"])
        check(.llama3, "12345 678", ["123", "45", " ", "678"])
        check(.qwen2, "12345", ["1", "2", "3", "4", "5"])
        check(.llama3, "I'M here'LL", ["I", "'M", " here", "'LL"])
        check(.gpt2, "I'M", ["I", "'", "M"])
        check(.llama3, "a  \n  b", ["a", "  \n", " ", " b"])
        check(.llama3, "!!!\n\nx", ["!!!\n\n", "x"])
        check(.llama3, "\tword ", ["\tword", " "])
        check(.llama3, "¿Qué?", ["¿Qué", "?"])
        check(.qwen2, "x 1", ["x", " ", "1"])
        // Marks: "other" for Qwen2 (a prefix of the next letter run), letters for Qwen3.5.
        check(.qwen2, "a\u{301}b", ["a", "\u{301}b"])
        check(.qwen35, "a\u{301}b", ["a\u{301}b"])
        check(.qwen35, " \u{301}x!", [" \u{301}x", "!"])
    }
}
