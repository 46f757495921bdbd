import ArgumentParser
import Foundation
import GGUF

/// `ropescope inspect MODEL.gguf`: architecture, hyperparameters, RoPE metadata, tokenizer facts
/// and the tensor table.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show a GGUF model's architecture, RoPE metadata, tokenizer and tensors.")

    @Argument(help: "GGUF model file.")
    var model: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let file = try ModelFile.open(model)
        let report = InspectReport(file)
        if json {
            try Output.printJSON(report)
            return
        }
        print("\(model): GGUF v\(report.version), \(report.tensorCount) tensors, alignment \(report.alignment)")
        print("architecture \(report.architecture ?? "?")  name \(report.name ?? "?")")
        var hyper = TextTable("key", "value")
        for (key, value) in report.hyperparameters.sorted(by: { $0.key < $1.key }) { hyper.add([key, value]) }
        print(hyper.render())
        print("tokenizer: model \(report.tokenizer.model ?? "?"), pre \(report.tokenizer.pre ?? "?"), "
            + "\(report.tokenizer.vocabularySize) tokens, \(report.tokenizer.mergeCount) merges, "
            + "bos \(report.tokenizer.bosTokenID.map(String.init) ?? "-"), eos \(report.tokenizer.eosTokenID.map(String.init) ?? "-"), "
            + "add_bos \(report.tokenizer.addBOS.map { String($0) } ?? "-")")
        var tensors = TextTable("name", "type", "dims (ne0 first)", "bytes")
        for tensor in report.tensors {
            tensors.add([tensor.name, tensor.type, tensor.dimensions.map(String.init).joined(separator: "x"), String(tensor.bytes)])
        }
        print(tensors.render())
    }
}

/// JSON of `inspect`.
struct InspectReport: Encodable {
    struct Tokenizer: Encodable {
        @EncodeNull var model: String?
        @EncodeNull var pre: String?
        var vocabularySize: Int
        var mergeCount: Int
        @EncodeNull var bosTokenID: Int?
        @EncodeNull var eosTokenID: Int?
        @EncodeNull var maskTokenID: Int?
        @EncodeNull var addBOS: Bool?
    }

    struct Tensor: Encodable {
        var name: String
        var type: String
        var dimensions: [Int]
        var bytes: Int
        var offset: Int
    }

    var version: Int
    var alignment: Int
    var tensorCount: Int
    @EncodeNull var architecture: String?
    @EncodeNull var name: String?
    /// `{arch}.*` scalar keys with the architecture prefix removed, as text.
    var hyperparameters: [String: String]
    var tokenizer: Tokenizer
    var tensors: [Tensor]

    init(_ file: GGUFFile) {
        let metadata = file.metadata
        version = Int(file.version)
        alignment = file.alignment
        tensorCount = file.tensors.count
        let architecture = metadata["general.architecture"]?.string
        self.architecture = architecture
        name = metadata["general.name"]?.string
        var hyper: [String: String] = [:]
        if let architecture {
            for entry in metadata.entries where entry.key.hasPrefix(architecture + ".") {
                let key = String(entry.key.dropFirst(architecture.count + 1))
                if let text = Self.scalarText(entry.value) { hyper[key] = text }
            }
        }
        hyperparameters = hyper
        tokenizer = Tokenizer(
            model: metadata["tokenizer.ggml.model"]?.string, pre: metadata["tokenizer.ggml.pre"]?.string,
            vocabularySize: metadata["tokenizer.ggml.tokens"]?.array?.count ?? 0,
            mergeCount: metadata["tokenizer.ggml.merges"]?.array?.count ?? 0,
            bosTokenID: metadata["tokenizer.ggml.bos_token_id"]?.int, eosTokenID: metadata["tokenizer.ggml.eos_token_id"]?.int,
            maskTokenID: metadata["tokenizer.ggml.mask_token_id"]?.int,
            addBOS: metadata["tokenizer.ggml.add_bos_token"]?.bool)
        tensors = file.tensors.map {
            Tensor(name: $0.name, type: $0.type.name, dimensions: $0.dimensions, bytes: $0.byteSize, offset: Int($0.offset))
        }
    }

    private static func scalarText(_ value: GGUFValue) -> String? {
        if let string = value.string { return string }
        if let bool = value.bool { return String(bool) }
        if let int = value.int { return String(int) }
        if let double = value.double { return String(double) }
        return nil
    }
}
