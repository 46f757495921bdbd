/// The GGUF token type (`tokenizer.ggml.token_type`, llama.cpp `llama_token_type`), which decides
/// how a token is matched in input text and how it is rendered when decoding.
///
/// | value | case          | encoding (special = false)          | decoding (llama.cpp `token_to_piece`) |
/// |-------|---------------|-------------------------------------|---------------------------------------|
/// | 0     | `undefined`   | reachable by BPE merges only        | nothing                               |
/// | 1     | `normal`      | reachable by BPE merges             | inverse byte-level mapping            |
/// | 2     | `unknown`     | never matched in text               | its text only when rendering specials |
/// | 3     | `control`     | never matched in text               | its text only when rendering specials |
/// | 4     | `userDefined` | matched verbatim in text before BPE | its text                              |
/// | 5     | `unused`      | reachable by BPE merges only        | nothing                               |
/// | 6     | `byte`        | not produced                        | the byte `HH` of its text `<0xHH>`    |
public enum TokenType: Int32, Sendable, CaseIterable {
    /// 0: no type recorded.
    case undefined = 0
    /// 1: an ordinary BPE token.
    case normal = 1
    /// 2: the unknown token (`<unk>`).
    case unknown = 2
    /// 3: a control token such as `<|im_start|>`, BOS or EOS.
    case control = 3
    /// 4: an added token matched verbatim in input text.
    case userDefined = 4
    /// 5: a reserved, unused slot.
    case unused = 5
    /// 6: a byte token `<0xHH>` (SentencePiece-style byte fallback).
    case byte = 6
}
