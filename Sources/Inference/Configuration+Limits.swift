/// The ranges every `LlamaConfiguration` field must lie in, and the checked products of fields.
///
/// The bounds are far above any published llama-family model (LLaMA 3 405B: d_model 16384,
/// 126 layers, 128 heads × 128, d_mlp 53248, V 128256) and low enough that every product the
/// forward pass forms from two fields (widths, weight element counts) fits in `Int` with room to
/// spare; the products are still computed with `multipliedReportingOverflow`, so a bound changed
/// later cannot reintroduce a trap.
extension LlamaConfiguration {
    /// Most weights (elements, all tensors together) a configuration may describe: 2^48.
    public static let maximumParameterCount = 1 << 48

    /// One validated quantity: a field, or a product of fields. `label` is the name used in
    /// `InferenceError.invalidConfiguration`; `ggufKeySuffixes` are the `{arch}.` keys it comes from.
    public enum Field: String, CaseIterable, Sendable {
        case vocabularySize = "vocabulary size"
        case embeddingSize = "embedding size"
        case layerCount = "layer count"
        case headCount = "head count"
        case keyValueHeadCount = "key/value head count"
        case headDimension = "head dimension"
        case feedForwardSize = "feed-forward size"
        case rotaryDimension = "rotary dimension"
        case trainedContextLength = "trained context length"
        case rmsNormEpsilon = "RMSNorm epsilon"
        case ropeBase = "rope base"
        /// `headCount · headDimension`.
        case queryWidth = "query width (head count × head dimension)"
        /// Every weight of the model together (elements).
        case parameterCount = "parameter count"

        /// The name in error messages.
        public var label: String { rawValue }

        /// The GGUF metadata keys (without the `{arch}.` prefix) the quantity is read from.
        public var ggufKeySuffixes: [String] {
            switch self {
            case .vocabularySize: return ["vocab_size"]
            case .embeddingSize: return ["embedding_length"]
            case .layerCount: return ["block_count"]
            case .headCount: return ["attention.head_count"]
            case .keyValueHeadCount: return ["attention.head_count_kv"]
            case .headDimension: return ["attention.key_length"]
            case .feedForwardSize: return ["feed_forward_length"]
            case .rotaryDimension: return ["rope.dimension_count"]
            case .trainedContextLength: return ["context_length"]
            case .rmsNormEpsilon: return ["attention.layer_norm_rms_epsilon"]
            case .ropeBase: return ["rope.freq_base"]
            case .queryWidth: return ["attention.head_count", "attention.key_length"]
            case .parameterCount: return ["embedding_length", "block_count", "feed_forward_length", "vocab_size"]
            }
        }

        /// The allowed integer range of a size field; nil for the floating-point fields and for
        /// `rotaryDimension`/`keyValueHeadCount`, whose ranges depend on other fields.
        public var range: ClosedRange<Int>? {
            switch self {
            case .vocabularySize: return 1...(1 << 24)
            case .embeddingSize: return 1...(1 << 20)
            case .layerCount: return 1...(1 << 16)
            case .headCount: return 1...(1 << 16)
            case .headDimension: return 2...(1 << 16)
            case .feedForwardSize: return 1...(1 << 22)
            case .trainedContextLength: return 1...(1 << 30)
            case .queryWidth: return 1...(1 << 20)
            case .parameterCount: return 1...LlamaConfiguration.maximumParameterCount
            case .keyValueHeadCount, .rotaryDimension, .rmsNormEpsilon, .ropeBase: return nil
            }
        }
    }

    /// Throws `InferenceError.invalidConfiguration` naming `field` unless `value` is in its range.
    static func check(_ field: Field, _ value: Int) throws {
        guard let range = field.range, range.contains(value) else {
            throw InferenceError.invalidConfiguration(
                name: field.label, value: "\(value)", allowed: field.range.map(Self.describe) ?? "a valid value")
        }
    }

    /// `lower...upper` with powers of two also written as 2^k, e.g. `1...65536 (2^16)`.
    static func describe(_ range: ClosedRange<Int>) -> String {
        let upper = range.upperBound
        let power = upper > 0 && upper & (upper - 1) == 0 ? " (2^\(upper.trailingZeroBitCount))" : ""
        return "an integer in \(range.lowerBound)...\(upper)\(power)"
    }

    /// The product of `factors`, throwing `InferenceError.invalidConfiguration` naming `field`
    /// when it overflows `Int` or leaves `field.range`.
    static func checkedProduct(_ factors: [Int], _ field: Field) throws -> Int {
        let product = try CheckedSize.product(factors) {
            InferenceError.invalidConfiguration(
                name: field.label, value: factors.map(String.init).joined(separator: " × ") + " overflows a 64-bit integer",
                allowed: field.range.map(Self.describe) ?? "a product that fits in a 64-bit integer")
        }
        if let range = field.range, !range.contains(product) {
            throw InferenceError.invalidConfiguration(
                name: field.label, value: factors.map(String.init).joined(separator: " × ") + " = \(product)",
                allowed: Self.describe(range))
        }
        return product
    }

    /// Validates every field and every product the weights and forward pass form from them.
    static func validate(
        vocabularySize: Int, embeddingSize: Int, layerCount: Int, headCount: Int, keyValueHeadCount: Int,
        headDimension: Int, feedForwardSize: Int, rotaryDimension rotary: Int, trainedContextLength: Int,
        rmsNormEpsilon: Float, ropeBase: Double, tiedOutput: Bool
    ) throws {
        try check(.vocabularySize, vocabularySize)
        try check(.embeddingSize, embeddingSize)
        try check(.layerCount, layerCount)
        try check(.headCount, headCount)
        guard keyValueHeadCount >= 1, keyValueHeadCount <= headCount, headCount % keyValueHeadCount == 0 else {
            throw InferenceError.invalidConfiguration(
                name: Field.keyValueHeadCount.label, value: "\(keyValueHeadCount)",
                allowed: "a divisor of the head count \(headCount) (grouped-query attention)")
        }
        try check(.headDimension, headDimension)
        try check(.feedForwardSize, feedForwardSize)
        try check(.trainedContextLength, trainedContextLength)
        guard rotary >= 2, rotary <= headDimension, rotary % 2 == 0 else {
            throw InferenceError.invalidConfiguration(
                name: Field.rotaryDimension.label, value: "\(rotary)",
                allowed: "an even integer in 2...\(headDimension) (head dimension)")
        }
        guard rmsNormEpsilon.isFinite, rmsNormEpsilon > 0 else {
            throw InferenceError.invalidConfiguration(
                name: Field.rmsNormEpsilon.label, value: "\(rmsNormEpsilon)", allowed: "a finite number > 0")
        }
        guard ropeBase.isFinite, ropeBase > 1 else {
            throw InferenceError.invalidConfiguration(name: Field.ropeBase.label, value: "\(ropeBase)", allowed: "a finite number > 1")
        }
        let queryWidth = try checkedProduct([headCount, headDimension], .queryWidth)
        // keyValueHeadCount divides headCount, so the key/value width is at most the query width.
        let keyValueWidth = keyValueHeadCount * (queryWidth / headCount)
        // Per block: 2 norms, W_Q and W_O, W_K and W_V, gate/up/down.
        let parameterRange = 1...maximumParameterCount
        let overflow = { InferenceError.invalidConfiguration(
            name: Field.parameterCount.label, value: "overflows a 64-bit integer", allowed: describe(parameterRange)) }
        let perLayer = try CheckedSize.sum([
            try CheckedSize.product([2, embeddingSize], overflow: overflow),
            try CheckedSize.product([2, queryWidth, embeddingSize], overflow: overflow),
            try CheckedSize.product([2, keyValueWidth, embeddingSize], overflow: overflow),
            try CheckedSize.product([3, feedForwardSize, embeddingSize], overflow: overflow),
        ], overflow: overflow)
        let parameters = try CheckedSize.sum([
            try CheckedSize.product([layerCount, perLayer], overflow: overflow),
            try CheckedSize.product([tiedOutput ? 1 : 2, vocabularySize, embeddingSize], overflow: overflow),
            embeddingSize,
        ], overflow: overflow)
        guard parameterRange.contains(parameters) else {
            throw InferenceError.invalidConfiguration(
                name: Field.parameterCount.label, value: "\(parameters)", allowed: describe(parameterRange))
        }
    }
}

/// Overflow-checked sums and products of sizes that come from files or callers, so that no size
/// arithmetic on untrusted values can trap. Each function throws the error `overflow` builds.
enum CheckedSize {
    /// `factors[0]·factors[1]·…` (1 for no factors); every factor must be ≥ 0.
    static func product(_ factors: [Int], overflow: () -> Error) throws -> Int {
        var result = 1
        for factor in factors {
            guard factor >= 0 else { throw overflow() }
            let (value, overflowed) = result.multipliedReportingOverflow(by: factor)
            guard !overflowed else { throw overflow() }
            result = value
        }
        return result
    }

    /// `terms[0] + terms[1] + …`; every term must be ≥ 0.
    static func sum(_ terms: [Int], overflow: () -> Error) throws -> Int {
        var result = 0
        for term in terms {
            guard term >= 0 else { throw overflow() }
            let (value, overflowed) = result.addingReportingOverflow(term)
            guard !overflowed else { throw overflow() }
            result = value
        }
        return result
    }
}
