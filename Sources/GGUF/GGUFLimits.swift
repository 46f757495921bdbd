/// The structural limits the reader enforces, with their origin in ggml.
public enum GGUFLimits {
    /// File versions read: 2 and 3 (identical on little-endian files). v1 (32-bit counts) is rejected.
    public static let supportedVersions: ClosedRange<UInt32> = 2...3
    /// Data-section alignment in bytes when `general.alignment` is absent (`GGUF_DEFAULT_ALIGNMENT`).
    public static let defaultAlignment = 32
    /// The metadata key that sets the alignment; must be a `uint32` non-zero power of two.
    public static let alignmentKey = "general.alignment"
    /// Most dimensions a tensor may have (`GGML_MAX_DIMS`).
    public static let maximumDimensions = 4
    /// Longest tensor name in UTF-8 bytes (`GGML_MAX_NAME` = 64 including the NUL terminator).
    public static let maximumTensorNameLength = 63
    /// Deepest array nesting accepted (an array of arrays is depth 2); bounds the parser's recursion.
    public static let maximumArrayNesting = 16
    /// Most array elements (all metadata arrays together, nested ones included) a file may
    /// declare: 2²⁴ ≈ 16.8 M. Each element becomes a `GGUFValue` (24 bytes), so this caps the
    /// memory a hostile file can make the parser allocate at about 400 MB; real vocabularies
    /// (tokens + scores + types + merges) stay around 10⁶.
    public static let maximumMetadataArrayElements = 1 << 24
    /// Fewest bytes one tensor info can take: name length (8) + n_dims (4) + type (4) + offset (8).
    static let minimumTensorInfoSize = 24
    /// Fewest bytes one key/value pair can take: key length (8) + value type (4) + a 1-byte value.
    static let minimumKeyValueSize = 13
}
