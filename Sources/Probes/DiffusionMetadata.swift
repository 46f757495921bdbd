import GGUF

/// The masked-diffusion conventions a GGUF declares: its mask token and whether its logits are
/// shifted.
///
/// Keys (llama.cpp `convert_hf_to_gguf.py` and `llama-diffusion-cli`, as summarised in
/// /work/shared/notes/probes.md):
/// - `tokenizer.ggml.mask_token_id`: the id that replaces a masked token (LLaDA-8B: 126336). Not
///   every converter version writes it, so callers offer an explicit override.
/// - `diffusion.shift_logits` (no architecture prefix): `false` means logits row j predicts token
///   j (LLaDA); `true` means row j−1 predicts token j (Dream, trained from an AR checkpoint). When
///   the key is absent, llama.cpp treats `dream` as shifted and every other architecture as not.
public struct DiffusionMetadata: Equatable, Sendable {
    /// GGUF key of the mask token id.
    public static let maskTokenKey = "tokenizer.ggml.mask_token_id"
    /// GGUF key of the logits shift flag.
    public static let shiftLogitsKey = "diffusion.shift_logits"

    /// `general.architecture` (empty when absent).
    public let architecture: String
    /// The mask token id, nil when the GGUF does not declare one.
    public let maskTokenID: Int32?
    /// True when logits row j−1 predicts token j (read from `diffusion.shift_logits`, else true
    /// only for architecture `dream`).
    public let shiftLogits: Bool

    /// Explicit values (tests, or a caller that knows better than the file).
    public init(architecture: String, maskTokenID: Int32?, shiftLogits: Bool) {
        self.architecture = architecture
        self.maskTokenID = maskTokenID
        self.shiftLogits = shiftLogits
    }

    /// Reads the keys from a GGUF's metadata; throws `ProbeError.invalidParameter` naming the key
    /// when a present key has the wrong type or an id outside 0…Int32.max.
    public init(metadata: GGUFMetadata) throws {
        let architecture = metadata["general.architecture"]?.string ?? ""
        var maskTokenID: Int32?
        if let value = metadata[Self.maskTokenKey] {
            guard let id = value.int, let narrow = Int32(exactly: id), narrow >= 0 else {
                throw ProbeError.invalidParameter(
                    name: "GGUF metadata \(Self.maskTokenKey)", value: "\(value) (\(value.typeDescription))",
                    allowed: "an unsigned integer token id in 0...\(Int32.max)")
            }
            maskTokenID = narrow
        }
        var shift = architecture == "dream"
        if let value = metadata[Self.shiftLogitsKey] {
            guard let flag = value.bool else {
                throw ProbeError.invalidParameter(
                    name: "GGUF metadata \(Self.shiftLogitsKey)", value: "\(value) (\(value.typeDescription))",
                    allowed: "a bool")
            }
            shift = flag
        }
        self.init(architecture: architecture, maskTokenID: maskTokenID, shiftLogits: shift)
    }

    /// Reads the keys from a parsed GGUF file.
    public init(file: GGUFFile) throws {
        try self.init(metadata: file.metadata)
    }

    /// The mask token to use: `override` if given, else the declared one; throws
    /// `ProbeError.missingMaskToken(key: "tokenizer.ggml.mask_token_id")` when neither exists.
    public func maskToken(override: Int32? = nil) throws -> Int32 {
        if let override { return override }
        guard let maskTokenID else { throw ProbeError.missingMaskToken(key: Self.maskTokenKey) }
        return maskTokenID
    }
}
