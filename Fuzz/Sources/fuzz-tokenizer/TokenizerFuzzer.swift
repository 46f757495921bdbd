import Foundation
import FuzzSupport
import GGUF
import Tokenizers

/// libFuzzer target for the tokenizers on arbitrary bytes (read as UTF-8 with invalid sequences
/// replaced, as a `String` is). For each tokenizer: every id is in range; every pre-tokenizer's
/// words concatenate to the text; decoding the ids gives the text back wherever the vocabulary
/// can represent every byte (complete byte-level alphabet, or SentencePiece byte fallback without
/// user-defined tokens; there, U+2581 comes back as a space).
///
/// Tokenizers: small built-in vocabularies for every `PreTokenizer` (with and without llama.cpp's
/// ignore-merges rule) and for SentencePiece, plus llama.cpp's real vocabularies when
/// `ROPESCOPE_FUZZ_VOCAB_DIR` (default `Tests/Fixtures/ggml-vocab`, from
/// scripts/fetch-vocab-tests.sh) holds them.
@main
enum TokenizerFuzzer {
    struct Subject {
        let name: String
        let tokenizer: BPETokenizer
        let roundTrips: Bool
        var isBuiltIn: Bool { name.hasPrefix("tiny ") }
    }

    nonisolated(unsafe) static var subjects: [Subject] = []

    static func main() {
        subjects = makeSubjects()
        runFuzzer(seeds: seeds) { bytes in exercise(bytes) }
    }

    static func exercise(_ bytes: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        for pre in PreTokenizer.allCases {
            invariant(pre.words(in: text).joined() == text, "\(pre.ggufName): words do not concatenate to the text")
        }
        // Every built-in vocabulary, and one of llama.cpp's (chosen by the input's length) so an
        // execution stays cheap enough for millions of runs.
        let builtIn = subjects.filter(\.isBuiltIn)
        let real = subjects.filter { !$0.isBuiltIn }
        let chosen = builtIn + (real.isEmpty ? [] : [real[bytes.count % real.count]])
        for subject in chosen {
            let ids = subject.tokenizer.encode(text, addBOS: false)
            invariant(ids.allSatisfy { $0 >= 0 && Int($0) < subject.tokenizer.vocabularySize }, "\(subject.name): id out of range")
            let decoded: [UInt8]
            do {
                decoded = try subject.tokenizer.decodeBytes(ids)
            } catch {
                fatalError("\(subject.name): decode of encoded ids failed: \(error)")
            }
            if subject.roundTrips {
                // SentencePiece writes spaces as U+2581 and cannot tell the two apart on the way back.
                let expected = subject.tokenizer.model == .sentencePiece ? text.replacingOccurrences(of: "\u{2581}", with: " ") : text
                invariant(decoded.elementsEqual(expected.utf8), "\(subject.name): decode(encode(text)) != text")
            }
        }
    }

    static func makeSubjects() -> [Subject] {
        var subjects: [Subject] = []
        let byteTokens = ByteLevelAlphabet.scalarForByte.map { String(Character($0)) }
        let merges = ["Ġ t", "h e", "Ġt he", "1 2", "12 3", "' s", "a b"]
        let tokens = byteTokens + ["Ġt", "he", "Ġthe", "12", "123", "'s", "ab", "<|user|>", "<|ctl|>"]
        let types = Array(repeating: Int32(1), count: tokens.count - 2) + [4, 3]
        for pre in ["gpt-2", "smollm", "llama-bpe", "qwen2", "dbrx"] {
            let vocabulary = BPEVocabulary(model: "gpt2", preTokenizer: pre, tokens: tokens, merges: merges,
                                           tokenTypes: types, bosID: 0, addBOS: false)
            if let tokenizer = try? BPETokenizer(vocabulary: vocabulary) {
                subjects.append(Subject(name: "tiny \(pre)", tokenizer: tokenizer, roundTrips: true))
            } else {
                fatalError("tiny \(pre) vocabulary rejected")
            }
        }
        let spmTokens = ["<unk>", "<s>", "</s>"] + (0..<256).map { String(format: "<0x%02X>", $0) }
            + ["\u{2581}", "a", "b", "ab", "\u{2581}a", "\u{2581}\u{2581}", "é"]
        let spm = BPEVocabulary(model: "llama", preTokenizer: "default", tokens: spmTokens, merges: [],
                                scores: spmTokens.indices.map { -Float($0 % 7) },
                                tokenTypes: spmTokens.indices.map { $0 < 3 ? 3 : $0 < 259 ? 6 : 1 }, bosID: 1)
        if let tokenizer = try? BPETokenizer(vocabulary: spm) {
            subjects.append(Subject(name: "tiny spm", tokenizer: tokenizer, roundTrips: true))
        } else {
            fatalError("tiny SentencePiece vocabulary rejected")
        }
        let directory = ProcessInfo.processInfo.environment["ROPESCOPE_FUZZ_VOCAB_DIR"] ?? "Tests/Fixtures/ggml-vocab"
        for name in ["gpt-2", "starcoder", "llama-bpe", "qwen2", "llama-spm", "phi-3"] {
            let path = "\(directory)/ggml-vocab-\(name).gguf"
            guard FileManager.default.fileExists(atPath: path),
                  let file = try? GGUFFile(path: path),
                  let tokenizer = try? BPETokenizer(vocabulary: BPEVocabulary(gguf: file)) else { continue }
            // Round trip: byte-level vocabularies that cover all 256 bytes; SentencePiece without
            // user-defined tokens (text after one gets its own space prefix).
            let hasUserDefined = (0..<tokenizer.vocabularySize).contains { tokenizer.tokenType(Int32($0)) == .userDefined }
            let roundTrips = tokenizer.model == .byteLevelBPE ? tokenizer.unrepresentableBytes.isEmpty : !hasUserDefined
            subjects.append(Subject(name: name, tokenizer: tokenizer, roundTrips: roundTrips))
        }
        FileHandle.standardError.write(Data("fuzz-tokenizer: \(subjects.map(\.name).joined(separator: ", "))\n".utf8))
        return subjects
    }

    /// Text in several scripts, whitespace runs, digits, contractions and special-token look-alikes.
    static func seeds() throws -> [[UInt8]] {
        [
            "Hello world, it's 2024!", "  leading and trailing  ", "line\r\nbreaks\n\n\ttabs",
            "I'LL say 'S and 're", "1234567 89 0.5e-3", "<|user|>hi<|ctl|> <s>x</s>",
            "Grüße, ¿qué tal? Ελληνικά русский", "漢字かなカナ 한국어 ไทย", "emoji 🙂👍🏽 and ZWJ 👨‍👩‍👧",
            "combining e\u{301} a\u{308}", "\u{FEFF}\u{200B}nbsp\u{00A0}x", "ab ab aba",
        ].map { Array($0.utf8) } + [[0xFF, 0xFE, 0x80, 0xC3], [0xE2, 0x96, 0x81, 0x20, 0x61]]
    }
}
