import GGUF

extension BPEVocabulary {
    /// Reads the tokenizer from GGUF metadata, as llama.cpp's `llama_vocab::load` does:
    /// `tokenizer.ggml.model` (must be present), `.pre` (default "default" → rejected later by
    /// `PreTokenizer`), `.tokens`, `.merges`, optional `.token_type`, `.bos_token_id`,
    /// `.eos_token_id`, `.unknown_token_id`, `.padding_token_id`, `.mask_token_id` (LLaDA), `.add_bos_token` (default false).
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
        func optionalID(_ key: String) throws -> Int32? {
            guard metadata[key] != nil else { return nil }
            let value = try read(key) { try metadata.int(forKey: $0) }
            guard let id = Int32(exactly: value) else {
                throw TokenizerError.invalidMetadata(key: key, reason: "value \(value) is not a token id (0...\(Int32.max))")
            }
            return id
        }
        let model = try read("tokenizer.ggml.model") { try metadata.string(forKey: $0) }
        let pre = metadata["tokenizer.ggml.pre"] == nil ? "default" : try read("tokenizer.ggml.pre") { try metadata.string(forKey: $0) }
        let tokens = try read("tokenizer.ggml.tokens") { try metadata.stringArray(forKey: $0) }
        let merges = try read("tokenizer.ggml.merges") { try metadata.stringArray(forKey: $0) }
        var tokenTypes: [Int32]?
        if metadata["tokenizer.ggml.token_type"] != nil {
            let values = try read("tokenizer.ggml.token_type") { try metadata.intArray(forKey: $0) }
            tokenTypes = try values.enumerated().map { index, value in
                guard let type = Int32(exactly: value) else {
                    throw TokenizerError.invalidMetadata(key: "tokenizer.ggml.token_type", reason: "entry \(index) = \(value) out of range")
                }
                return type
            }
        }
        let addBOS = metadata["tokenizer.ggml.add_bos_token"] == nil
            ? false : try read("tokenizer.ggml.add_bos_token") { try metadata.bool(forKey: $0) }
        self.init(
            model: model, preTokenizer: pre, tokens: tokens, merges: merges, tokenTypes: tokenTypes,
            bosID: try optionalID("tokenizer.ggml.bos_token_id"), eosID: try optionalID("tokenizer.ggml.eos_token_id"),
            unknownID: try optionalID("tokenizer.ggml.unknown_token_id"),
            paddingID: try optionalID("tokenizer.ggml.padding_token_id"),
            maskID: try optionalID("tokenizer.ggml.mask_token_id"), addBOS: addBOS)
    }
}
