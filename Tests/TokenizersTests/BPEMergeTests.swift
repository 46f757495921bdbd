import Tokenizers
import RoPEScopeTestSupport
import XCTest

/// BPE merge order on handmade vocabularies, and the heap-based merger against a direct
/// transcription of the rule (repeatedly merge the lowest-rank adjacent pair, leftmost on ties).
final class BPEMergeTests: XCTestCase {
    private func tokenizer(_ merges: [String], pre: String = "gpt-2") throws -> BPETokenizer {
        try BPETokenizer(vocabulary: TinyVocabulary.make(merges: merges, preTokenizer: pre))
    }

    private func texts(_ tokenizer: BPETokenizer, _ text: String) -> [String] {
        tokenizer.encode(text).map { tokenizer.tokenText($0) ?? "?" }
    }

    func testLowerRankMergesFirst() throws {
        XCTAssertEqual(texts(try tokenizer(["a b", "b c"]), "abc"), ["ab", "c"])
        XCTAssertEqual(texts(try tokenizer(["b c", "a b"]), "abc"), ["a", "bc"])
    }

    func testTiesGoToTheLeftmostPair() throws {
        let tokenizer = try tokenizer(["a a"])
        XCTAssertEqual(texts(tokenizer, "aaa"), ["aa", "a"])
        XCTAssertEqual(texts(tokenizer, "aaaaa"), ["aa", "aa", "a"])
    }

    func testMergesChainThroughResults() throws {
        let tokenizer = try tokenizer(["Ġ t", "h e", "Ġt he", "a a", "aa aa"])
        XCTAssertEqual(texts(tokenizer, " the"), ["Ġthe"])
        XCTAssertEqual(texts(tokenizer, "aaaa"), ["aaaa"])
        XCTAssertEqual(texts(tokenizer, "aaaaaaa"), ["aaaa", "aa", "a"])
    }

    func testDuplicateMergeLinesKeepTheFirstRank() throws {
        // "b c" appears at rank 0 and again at rank 2; llama.cpp keeps rank 0 (emplace).
        XCTAssertEqual(texts(try tokenizer(["b c", "a b", "b c"]), "abc"), ["a", "bc"])
    }

    func testCharactersWithoutMergesFallBackToByteTokens() throws {
        let tokenizer = try tokenizer(["a b"])
        // é is C3 A9: two byte-level tokens "Ã" (U+00C3) and "©" (U+00A9).
        XCTAssertEqual(texts(tokenizer, "é"), ["Ã", "©"])
        XCTAssertEqual(tokenizer.encode("é"), [0xC3, 0xA9])
        XCTAssertEqual(texts(tokenizer, "😀"), ["ð", "Ł", "ĺ", "Ģ"])  // F0 9F 98 80
        XCTAssertEqual(texts(tokenizer, "ab\u{0}"), ["ab", "Ā"])
    }

    func testMergesNeverCrossWords() throws {
        let tokenizer = try tokenizer(["b Ġ", "a b"])
        // Words are "ab", " ", " b": "b" and a following space never share a word.
        XCTAssertEqual(texts(tokenizer, "ab  b"), ["ab", "Ġ", "Ġ", "b"])
    }

    func testHeapMergerMatchesDirectRuleOnRandomWords() throws {
        var generator = SeededGenerator(seed: 3)
        for trial in 0..<40 {
            let merges = randomMerges(using: &generator)
            let tokenizer = try tokenizer(merges)
            let ranks = Dictionary(merges.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            for _ in 0..<25 {
                let length = Int.random(in: 1...300, using: &generator)
                let word = String((0..<length).map { _ in "abc".randomElement(using: &generator) ?? "a" })
                XCTAssertEqual(texts(tokenizer, word), directBPE(word, ranks: ranks), "trial \(trial) \(word)")
            }
        }
    }

    /// Up to 30 merges over {a, b, c}, each joining two already-existing symbols.
    private func randomMerges(using generator: inout SeededGenerator) -> [String] {
        var symbols = ["a", "b", "c"]
        var merges: [String] = []
        for _ in 0..<30 {
            let left = symbols.randomElement(using: &generator) ?? "a"
            let right = symbols.randomElement(using: &generator) ?? "a"
            guard (left + right).count <= 8 else { continue }
            merges.append("\(left) \(right)")
            if !symbols.contains(left + right) { symbols.append(left + right) }
        }
        return merges
    }

    /// The BPE rule written out directly: O(n²) but obviously correct.
    private func directBPE(_ word: String, ranks: [String: Int]) -> [String] {
        var symbols = word.map(String.init)
        while true {
            var best: (rank: Int, index: Int)?
            for index in 0..<max(symbols.count - 1, 0) {
                if let rank = ranks["\(symbols[index]) \(symbols[index + 1])"], rank < best?.rank ?? .max {
                    best = (rank, index)
                }
            }
            guard let best else { return symbols }
            symbols[best.index] += symbols[best.index + 1]
            symbols.remove(at: best.index + 1)
        }
    }
}
