import ArgumentParser
import Foundation
import GGUF
import Tokenizers

/// `ropescope inspect MODEL.gguf`: architecture, hyperparameters, RoPE metadata, tokenizer facts,
/// what the inference core will do with the file (`InspectCore`) and the tensor table.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show a GGUF model's architecture, RoPE metadata, tokenizer and tensors.")

    @Argument(help: "GGUF model file.")
    var model: String

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: "Window length for the memory estimate (default: the model's trained context length).")
    var contextLength: Int?

    func validate() throws {
        if let contextLength, !(1...(1 << 30)).contains(contextLength) {
            throw ValidationError("invalid --context-length \(contextLength): allowed 1...\(1 << 30)")
        }
    }

    func run() throws {
        let file = try ModelFile.open(model)
        let report = InspectReport(file, contextLength: contextLength)
        if json {
            try Output.printJSON(report)
            return
        }
        let e = TerminalText.escaped
        let vocabularyOnly = report.tensorCount == 0 ? " (vocabulary only)" : ""
        print("\(e(model)): GGUF v\(report.version), \(report.tensorCount) tensors\(vocabularyOnly), alignment \(report.alignment)")
        print("architecture \(e(report.architecture ?? "?"))  name \(e(report.name ?? "?"))")
        var hyper = TextTable("key", "value")
        for (key, value) in report.hyperparameters.sorted(by: { $0.key < $1.key }) { hyper.add([e(key), e(value.text)]) }
        print(hyper.render())
        print("tokenizer: model \(e(report.tokenizer.model ?? "?")), pre \(e(report.tokenizer.pre ?? "?")), "
            + "\(report.tokenizer.vocabularySize) tokens, \(report.tokenizer.mergeCount) merges, "
            + "bos \(report.tokenizer.bosTokenID.map(String.init) ?? "-"), eos \(report.tokenizer.eosTokenID.map(String.init) ?? "-"), "
            + "add_bos \(report.tokenizer.addBOS.map { String($0) } ?? "-")")
        print("tokenizer support: \(e(report.tokenizer.support))")
        for line in report.core.lines { print(e(line)) }
        var tensors = TextTable("name", "type", "dims (ne0 first)", "bytes")
        for tensor in report.tensors {
            tensors.add([e(tensor.name), tensor.type, tensor.dimensions.map(String.init).joined(separator: "x"), String(tensor.bytes)])
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
        /// What `tokenize` and the probes do with this vocabulary: `supported: <kind>`,
        /// `refused: <reason>`, or `none` when the file has no `tokenizer.ggml.model`.
        var support: String
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
    /// `{arch}.*` keys with the architecture prefix removed, each with its GGUF type (`TypedValue`);
    /// arrays of more than `TypedValue.maximumArrayCount` elements are left out.
    var hyperparameters: [String: TypedValue]
    var tokenizer: Tokenizer
    /// What the inference core will do with the file (`InspectCore`).
    var core: InspectCore
    var tensors: [Tensor]

    init(_ file: GGUFFile, contextLength: Int? = nil) {
        let metadata = file.metadata
        version = Int(file.version)
        alignment = file.alignment
        tensorCount = file.tensors.count
        let architecture = metadata["general.architecture"]?.string
        self.architecture = architecture
        name = metadata["general.name"]?.string
        var hyper: [String: TypedValue] = [:]
        if let architecture {
            for entry in metadata.entries where entry.key.hasPrefix(architecture + ".") {
                let key = String(entry.key.dropFirst(architecture.count + 1))
                if let value = TypedValue(entry.value) { hyper[key] = value }
            }
        }
        hyperparameters = hyper
        tokenizer = Tokenizer(
            model: metadata["tokenizer.ggml.model"]?.string, pre: metadata["tokenizer.ggml.pre"]?.string,
            vocabularySize: metadata["tokenizer.ggml.tokens"]?.array?.count ?? 0,
            mergeCount: metadata["tokenizer.ggml.merges"]?.array?.count ?? 0,
            bosTokenID: metadata["tokenizer.ggml.bos_token_id"]?.int, eosTokenID: metadata["tokenizer.ggml.eos_token_id"]?.int,
            maskTokenID: metadata["tokenizer.ggml.mask_token_id"]?.int,
            addBOS: metadata["tokenizer.ggml.add_bos_token"]?.bool, support: Self.tokenizerSupport(file))
        core = InspectCore(file, contextLength: contextLength)
        tensors = file.tensors.map {
            Tensor(name: $0.name, type: $0.type.name, dimensions: $0.dimensions, bytes: $0.byteSize, offset: Int($0.offset))
        }
    }
}

extension InspectReport {
    /// `Tokenizer.support` for `file` (builds the tokenizer once: well under a second even for a
    /// 256k-token vocabulary).
    static func tokenizerSupport(_ file: GGUFFile) -> String {
        guard file.metadata["tokenizer.ggml.model"] != nil else { return "none" }
        do {
            let tokenizer = try BPETokenizer(vocabulary: BPEVocabulary(gguf: file))
            return "supported: " + tokenizer.model.kind + (tokenizer.preTokenizer.map { ", pre-tokenizer \($0.ggufName)" } ?? "")
        } catch {
            return "refused: \(error)"
        }
    }
}

/// A GGUF metadata value as JSON of its own type: integers and floats as JSON numbers, bools as
/// booleans, strings as strings, arrays as arrays. Non-finite floats follow `Output.printJSON`.
struct TypedValue: Encodable {
    /// Longest array kept (a per-layer list stays; a 50 000-entry vocabulary is summarised elsewhere).
    static let maximumArrayCount = 1024

    let value: GGUFValue

    /// nil for an array (at any depth) longer than `maximumArrayCount`.
    init?(_ value: GGUFValue) {
        if let elements = value.array {
            guard elements.count <= Self.maximumArrayCount, elements.allSatisfy({ TypedValue($0) != nil }) else { return nil }
        }
        self.value = value
    }

    func encode(to encoder: Encoder) throws {
        switch value {
        case .array(_, let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(TypedValue(unchecked: element)) }
        default:
            var container = encoder.singleValueContainer()
            switch value {
            case .uint8(let v): try container.encode(v)
            case .int8(let v): try container.encode(v)
            case .uint16(let v): try container.encode(v)
            case .int16(let v): try container.encode(v)
            case .uint32(let v): try container.encode(v)
            case .int32(let v): try container.encode(v)
            case .uint64(let v): try container.encode(v)
            case .int64(let v): try container.encode(v)
            case .float32(let v): try container.encode(v)
            case .float64(let v): try container.encode(v)
            case .bool(let v): try container.encode(v)
            case .string(let v): try container.encode(v)
            case .array: break
            }
        }
    }

    private init(unchecked value: GGUFValue) { self.value = value }

    /// Text for the human table: strings as they are, other values as `GGUFValue.description`.
    var text: String { value.string ?? value.description }
}
