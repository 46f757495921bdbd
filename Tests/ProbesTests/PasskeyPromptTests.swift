import Foundation
import GGUF
import Probes
import RoPEScopeTestSupport
import XCTest

/// Passkey prompt construction on the tiny model, whose byte-level vocabulary has no merges: one
/// token per byte, so the expected prompt can be written down as a string independently of the
/// builder and compared byte for byte.
final class PasskeyPromptTests: XCTestCase {
    func context() throws -> ProbeContext {
        try ProbeContext(file: try GGUFFile(bytes: try TinyModel.gguf()), path: "tiny.gguf")
    }

    /// The expected text: task + filler stream [0, b) + needle + stream [b, H) + question, with the
    /// stream " The grass is green. The sky is blue. …" repeated; b the sentence end nearest
    /// depth·H (0 and H included, ties to the earlier).
    func expected(length: Int, depth: Double, key: String) -> (text: String, offset: Int) {
        let t = PasskeyTemplate.passkey
        let needle = t.needle.replacingOccurrences(of: "{key}", with: key)
        let sentences = ["The grass is green.", "The sky is blue.", "The sun is yellow.", "Here we go.", "There and back again."]
        var stream = ""
        var ends = [0]
        var index = 0
        let h = length - t.task.utf8.count - needle.utf8.count - t.question.utf8.count
        while stream.utf8.count < h {
            stream += " " + sentences[index % 5]
            index += 1
            if stream.utf8.count < h { ends.append(stream.utf8.count) }
        }
        ends.append(h)
        let hay = Array(stream.utf8.prefix(h))
        let target = depth * Double(h)
        let offset = ends.min { abs(Double($0) - target) < abs(Double($1) - target) || (abs(Double($0) - target) == abs(Double($1) - target) && $0 < $1) } ?? 0
        let bytes = Array(t.task.utf8) + hay[0..<offset] + Array(needle.utf8) + hay[offset...] + Array(t.question.utf8)
        return (String(decoding: bytes, as: UTF8.self), offset)
    }

    func testPromptHasExactLengthAndSnappedNeedle() throws {
        let context = try context()
        let haystack = try Haystack(text: Haystack.defaultFiller, label: "default", repeats: true, tokenize: context.tokens)
        for length in [320, 517, 1000] {
            for depth in [0, 0.1, 0.33, 0.5, 0.9, 1] {
                let prompt = try PasskeyPrompt.build(template: .passkey, key: "12345", contextLength: length, depth: depth,
                                                     haystack: haystack, bos: nil, tokenize: context.tokens)
                XCTAssertEqual(prompt.tokens.count, length, "L=\(length) depth \(depth)")
                let (text, offset) = expected(length: length, depth: depth, key: "12345")
                XCTAssertEqual(try context.tokenizer.decode(prompt.tokens), text, "L=\(length) depth \(depth)")
                XCTAssertEqual(prompt.needleOffset, offset)
                XCTAssertEqual(prompt.needlePosition, PasskeyTemplate.passkey.task.utf8.count + offset)
                XCTAssertEqual(prompt.answer, Array(" 12345".utf8).map(Int32.init))
                XCTAssertEqual(prompt.actualDepth, Double(offset) / Double(prompt.haystackTokens), accuracy: 0)
            }
        }
        // depth 0 and 1 are the haystack's ends.
        let first = try PasskeyPrompt.build(template: .passkey, key: "1", contextLength: 400, depth: 0, haystack: haystack,
                                            bos: 1, tokenize: context.tokens)
        XCTAssertEqual(first.tokens.first, 1)
        XCTAssertEqual(first.tokens.count, 400)
        XCTAssertEqual(first.needleOffset, 0)
        let last = try PasskeyPrompt.build(template: .passkey, key: "1", contextLength: 400, depth: 1, haystack: haystack,
                                           bos: nil, tokenize: context.tokens)
        XCTAssertEqual(last.needleOffset, last.haystackTokens)
    }

    func testTooShortHaystackAndTooLongNeedle() throws {
        let context = try context()
        let file = try Haystack(text: "One short sentence. And\n\n another  one!", label: "hay.txt", repeats: false,
                                tokenize: context.tokens)
        XCTAssertEqual(file.sentences.count, 2)
        XCTAssertEqual(try context.tokenizer.decode(file.sentences.flatMap { $0 }), " One short sentence. And another one!")
        XCTAssertThrowsError(try PasskeyPrompt.build(template: .passkey, key: "12345", contextLength: 400, depth: 0.5,
                                                     haystack: file, bos: nil, tokenize: context.tokens)) { error in
            guard case let ProbeError.haystackTooShort(path, tokens, sentences, needed, length) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual([path], ["hay.txt"])
            XCTAssertEqual([tokens, sentences, length], [37, 2, 400])
            XCTAssertEqual(needed, 400 - PasskeyTemplate.passkey.task.utf8.count - 59 - PasskeyTemplate.passkey.question.utf8.count)
            XCTAssert("\(error)".contains("has 37 tokens") && "\(error)".contains("needs \(needed)"), "\(error)")
        }
        let filler = try Haystack(text: Haystack.defaultFiller, label: "default", repeats: true, tokenize: context.tokens)
        XCTAssertThrowsError(try PasskeyPrompt.build(template: .passkey, key: "12345", contextLength: 250, depth: 0.5,
                                                     haystack: filler, bos: nil, tokenize: context.tokens)) { error in
            guard case let ProbeError.invalidParameter(name, _, allowed) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "--context-length")
            XCTAssert(allowed.contains("needle (59 tokens) is longer than the haystack"), allowed)
        }
        XCTAssertThrowsError(try Haystack(text: " \n ", label: "blank", repeats: false, tokenize: context.tokens))
    }

    func testKeysAreSeededFiveDigitAndDistinct() throws {
        let definition = PasskeyGridDefinition(specs: [nil], contextLengths: [100], depths: [0], trials: 3, seed: 7,
                                               distractors: 20, template: .passkey)
        let keys = try (0..<3).map { try definition.keys(trial: $0, answerTokens: { $0.count }) }
        XCTAssertEqual(keys.map(\.key), try (0..<3).map { try definition.keys(trial: $0, answerTokens: { $0.count }).key })
        for trial in keys {
            XCTAssertEqual(trial.distractors.count, 20)
            XCTAssertEqual(Set(trial.distractors + [trial.key]).count, 21)
            for key in trial.distractors + [trial.key] {
                XCTAssert(key.count == 5 && (10_000...99_999).contains(Int(key) ?? 0), key)
            }
        }
        XCTAssertEqual(Set(keys.map(\.key)).count, 3)
        var other = definition
        other.seed = 8
        XCTAssertNotEqual(try other.keys(trial: 0, answerTokens: { $0.count }).key, keys[0].key)
    }
}
