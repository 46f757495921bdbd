import ArgumentParser
import Foundation
import Tokenizers

/// `ropescope tokenize MODEL.gguf --text STRING|--text-file FILE`: the model's tokenisation
/// (byte-level BPE or SentencePiece), as llama.cpp's with special tokens not parsed. The file may
/// be vocabulary-only (no tensors), like llama.cpp's `ggml-vocab-*.gguf`; an unsupported
/// tokenizer model or pre-tokenizer exits 65 naming it.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenise text with the GGUF file's vocabulary (byte-level BPE or SentencePiece, llama.cpp-compatible).")

    @Argument(help: "GGUF model or vocabulary-only file.")
    var model: String

    @OptionGroup var input: TextInputOptions

    @Flag(help: "Print JSON (key `ids`).")
    var json = false

    mutating func validate() throws {
        try input.validate()
    }

    func run() throws {
        let text = try input.read()
        let file = try ModelFile.open(model)
        let tokenizer: BPETokenizer
        do {
            tokenizer = try BPETokenizer(vocabulary: BPEVocabulary(gguf: file))
        } catch let error as TokenizerError {
            throw Failure.malformedInput("'\(model)': \(error)")
        }
        let ids = tokenizer.encode(text)
        if json {
            try Output.printJSON(TokenizeReport(ids: ids.map(Int.init), tokenCount: ids.count,
                                                pieces: ids.map { tokenizer.tokenText($0) ?? "" }, addBOS: tokenizer.addsBOSByDefault,
                                                model: tokenizer.model.rawValue, preTokenizer: tokenizer.preTokenizer?.ggufName))
            return
        }
        let split = tokenizer.preTokenizer.map { ", pre-tokenizer \($0.ggufName)" } ?? ""
        print("\(ids.count) tokens (BOS \(tokenizer.addsBOSByDefault ? "added" : "not added"); \(tokenizer.model.kind)\(split))")
        var table = TextTable("index", "id", "piece")
        for (index, id) in ids.enumerated() {
            let piece = TerminalText.escaped(tokenizer.tokenText(id) ?? "").replacingOccurrences(of: "\"", with: "\\\"")
            table.add([String(index), String(id), "\"" + piece + "\""])
        }
        print(table.render())
    }
}

struct TokenizeReport: Encodable {
    var ids: [Int]
    var tokenCount: Int
    var pieces: [String]
    var addBOS: Bool
    /// `tokenizer.ggml.model` (`gpt2` or `llama`).
    var model: String
    /// The canonical pre-tokenizer name; null for SentencePiece.
    @EncodeNull var preTokenizer: String?
}

/// --text / --text-file: exactly one; files (or streams, `-` for stdin: `TextSource`) must be
/// readable (exit 66) UTF-8 of at most 256 MiB (exit 65).
struct TextInputOptions: ParsableArguments {
    @Option(help: "Text to process.")
    var text: String?

    @Option(help: ArgumentHelp("UTF-8 text file to process: a file, a pipe or FIFO (e.g. <(zcat t.gz)), or '-' for standard input; "
                               + "read to the end, at most 256 MiB.", valueName: "file"))
    var textFile: String?

    func validate() throws {
        guard (text == nil) != (textFile == nil) else {
            throw ValidationError("give exactly one of --text STRING or --text-file FILE")
        }
    }

    func read() throws -> String {
        if let text { return text }
        guard let path = textFile else { throw ValidationError("give exactly one of --text STRING or --text-file FILE") }
        return try TextSource.read(path)
    }
}
