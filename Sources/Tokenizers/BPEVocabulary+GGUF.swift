import GGUF

extension BPEVocabulary {
    /// Reads the tokenizer from GGUF metadata, as llama.cpp's `llama_vocab::load` does:
    /// `tokenizer.ggml.model` (must be present), `.pre` (default "default" → rejected later by
    /// `PreTokenizerProfile` for byte-level BPE), `.tokens`, `.merges` (required for `"gpt2"`),
    /// optional `.scores` (float32 or int32 array), `.token_type`, `.bos_token_id`,
    /// `.eos_token_id`, `.unknown_token_id`, `.padding_token_id`, `.mask_token_id` (LLaDA),
    /// `.add_bos_token`, `.add_space_prefix`, and `general.name` / `general.architecture`.
    /// Works on vocabulary-only files (no tensors), such as llama.cpp's `ggml-vocab-*.gguf`.
    /// Throws `TokenizerError.invalidMetadata` naming the key for a missing or mistyped entry.
    public init(gguf file: GGUFFile) throws {
        let metadata = file.metadata
        func read<T>(_ key: String, _ body: (String) throws -> T) throws -> T {
            do {
                return try body(key)
            } catch let error as GGUFError {
                throw TokenizerError.invalidMetadata(key: key, reason: "\(error)")
            }
        }
        func optional<T>(_ key: String, _ body: (String) throws -> T) throws -> T? {
            metadata[key] == nil ? nil : try read(key, body)
        }
        func optionalID(_ key: String) throws -> Int32? {
            guard let value = try optional(key, { try metadata.int(forKey: $0) }) else { return nil }
            guard let id = Int32(exactly: value) else {
                throw TokenizerError.invalidMetadata(key: key, reason: "value \(value) is not a token id (0...\(Int32.max))")
            }
            return id
        }
        let model = try read("tokenizer.ggml.model") { try metadata.string(forKey: $0) }
        let pre = try optional("tokenizer.ggml.pre") { try metadata.string(forKey: $0) } ?? "default"
        let tokens = try read("tokenizer.ggml.tokens") { try metadata.stringArray(forKey: $0) }
        let merges = model == TokenizerModel.byteLevelBPE.rawValue || metadata["tokenizer.ggml.merges"] != nil
            ? try read("tokenizer.ggml.merges") { try metadata.stringArray(forKey: $0) } : []
        var tokenTypes: [Int32]?
        if let values = try optional("tokenizer.ggml.token_type", { try metadata.intArray(forKey: $0) }) {
            tokenTypes = try values.enumerated().map { index, value in
                guard let type = Int32(exactly: value) else {
                    throw TokenizerError.invalidMetadata(key: "tokenizer.ggml.token_type", reason: "entry \(index) = \(value) out of range")
                }
                return type
            }
        }
        let scores = try optional("tokenizer.ggml.scores") { key in
            let value = try metadata.requiredValue(forKey: key)
            switch value.arrayElementType {
            case .float32?: return try metadata.doubleArray(forKey: key).map { Float($0) }
            case .int32?: return try metadata.intArray(forKey: key).map { Float($0) }
            default:
                throw TokenizerError.invalidMetadata(
                    key: key, reason: "has type \(value.typeDescription): expected array<float32> or array<int32>")
            }
        }
        self.init(
            model: model, preTokenizer: pre, tokens: tokens, merges: merges, scores: scores, tokenTypes: tokenTypes,
            bosID: try optionalID("tokenizer.ggml.bos_token_id"), eosID: try optionalID("tokenizer.ggml.eos_token_id"),
            unknownID: try optionalID("tokenizer.ggml.unknown_token_id"),
            paddingID: try optionalID("tokenizer.ggml.padding_token_id"),
            maskID: try optionalID("tokenizer.ggml.mask_token_id"),
            addBOS: try optional("tokenizer.ggml.add_bos_token") { try metadata.bool(forKey: $0) },
            addSpacePrefix: try optional("tokenizer.ggml.add_space_prefix") { try metadata.bool(forKey: $0) },
            modelName: try optional("general.name") { try metadata.string(forKey: $0) },
            architecture: try optional("general.architecture") { try metadata.string(forKey: $0) })
    }
}
