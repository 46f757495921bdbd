/// The bytes each token decodes to, as llama.cpp `token_to_piece` (`src/llama-vocab.cpp`), stored
/// flat: token `i` is `bytes[offsets[i]..<offsets[i + 1]]`.
///
/// - normal: byte-level BPE maps each scalar of the text through the inverse byte-level mapping
///   (a scalar outside the alphabet becomes `[UNK_BYTE_0x<utf8 hex><token text>]`, llama.cpp's
///   marker); SentencePiece writes the text with each `▁` replaced by a space;
/// - user-defined: the text itself;
/// - control, unknown: the text itself, emitted only when special tokens are rendered;
/// - byte (`<0xHH>`): the byte HH;
/// - undefined, unused: nothing.
struct DecodeTable: Sendable {
    let bytes: [UInt8]
    let offsets: [Int]
    /// Control and unknown tokens: skipped unless special tokens are rendered.
    let isSpecial: [Bool]

    init(tokens: [String], types: [TokenType], model: TokenizerModel) {
        var bytes: [UInt8] = []
        var offsets: [Int] = [0]
        bytes.reserveCapacity(tokens.count * 6)
        offsets.reserveCapacity(tokens.count + 1)
        for (text, type) in zip(tokens, types) {
            switch type {
            case .normal where model == .sentencePiece:
                for scalar in text.unicodeScalars {
                    if scalar == "\u{2581}" { bytes.append(0x20) } else { bytes.append(contentsOf: String(scalar).utf8) }
                }
            case .normal:
                Self.appendByteLevelDecoding(of: text, to: &bytes)
            case .userDefined, .control, .unknown:
                bytes.append(contentsOf: text.utf8)
            case .byte:
                if let byte = ByteTokenText.byte(of: text) { bytes.append(byte) }
            case .undefined, .unused:
                break
            }
            offsets.append(bytes.count)
        }
        self.bytes = bytes
        self.offsets = offsets
        isSpecial = types.map { $0 == .control || $0 == .unknown }
    }

    /// llama.cpp `llama_decode_text`.
    private static func appendByteLevelDecoding(of text: String, to bytes: inout [UInt8]) {
        for scalar in text.unicodeScalars {
            if let byte = ByteLevelAlphabet.byte(for: scalar) {
                bytes.append(byte)
            } else {
                bytes.append(contentsOf: "[UNK_BYTE_0x".utf8)
                for unit in String(scalar).utf8 {
                    bytes.append(contentsOf: TokenizerError.hex(unit).lowercased().utf8)
                }
                bytes.append(contentsOf: text.utf8)
                bytes.append(contentsOf: "]".utf8)
            }
        }
    }
}

extension BPETokenizer {
    /// llama.cpp `llama_detokenize`'s `remove_space`: SentencePiece with a space prefix.
    var removesLeadingSpace: Bool {
        if case let .sentencePiece(model) = tables.encoding { return model.addSpacePrefix }
        return false
    }

    /// The bytes of `ids` concatenated (llama.cpp `llama_detokenize` with `remove_special = false`
    /// and `unparse_special = renderSpecialTokens`, without space clean-up). For a SentencePiece
    /// vocabulary that adds a space prefix, one leading space of the first token's piece is
    /// dropped, so `decode(encode(s)) == s`.
    /// - Parameters:
    ///   - ids: token ids, each in `0..<vocabularySize`.
    ///   - renderSpecialTokens: emit the text of control and unknown tokens (e.g. `<|im_start|>`);
    ///     when `false` they produce no bytes.
    /// - Returns: raw bytes; may end inside a multi-byte UTF-8 sequence when `ids` is a prefix.
    /// - Throws: `TokenizerError.tokenIDOutOfRange` naming the first bad id and its position.
    public func decodeBytes(_ ids: [Int32], renderSpecialTokens: Bool = false) throws -> [UInt8] {
        let table = decodeTable
        let size = table.isSpecial.count
        var output: [UInt8] = []
        output.reserveCapacity(ids.count * 4)
        for (position, id) in ids.enumerated() {
            guard id >= 0, Int(id) < size else {
                throw TokenizerError.tokenIDOutOfRange(id: id, position: position, vocabularySize: size)
            }
            let index = Int(id)
            if table.isSpecial[index] && !renderSpecialTokens { continue }
            var start = table.offsets[index]
            let end = table.offsets[index + 1]
            if position == 0 && removesLeadingSpace && start < end && table.bytes[start] == 0x20 { start += 1 }
            output.append(contentsOf: table.bytes[start..<end])
        }
        return output
    }

    /// The text of `ids`: `decodeBytes` read as UTF-8, with each invalid sequence (e.g. a
    /// character cut between two generated tokens) replaced by U+FFFD.
    /// - Throws: `TokenizerError.tokenIDOutOfRange` naming the first bad id and its position.
    public func decode(_ ids: [Int32], renderSpecialTokens: Bool = false) throws -> String {
        String(decoding: try decodeBytes(ids, renderSpecialTokens: renderSpecialTokens), as: UTF8.self)
    }
}
