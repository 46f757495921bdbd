/// The character classes the GPT-2 pre-tokenizer distinguishes, as llama.cpp computes them.
///
/// - `letter`: general category L* (Lu, Ll, Lt, Lm, Lo), regex `\p{L}`.
/// - `number`: general category N* (Nd, Nl, No), regex `\p{N}`.
/// - `whitespace`: the Unicode `White_Space` property, regex `\s` (the 25 scalars U+0009–U+000D,
///   U+0020, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
/// - `other`: everything else, including unassigned scalars, controls, marks (M*), punctuation,
///   symbols and format characters such as U+200B.
///
/// llama.cpp classifies with tables generated from Unicode 15.1 (`src/unicode-data.cpp`), while
/// Swift's standard library follows a newer Unicode. Scalars first assigned after 15.1 are
/// therefore treated as unassigned (`other`), which reproduces llama.cpp's classes for all
/// 1,112,064 scalars (checked exhaustively against llama.cpp 0c1e57098's `unicode_cpt_flags`
/// with Swift 6.3 on Linux). The cap needs a standard library with Unicode >= 15.1 data; on an
/// older Apple OS (whose stdlib ships older data) scalars assigned in 15.0/15.1 read as `other`.
enum ScalarClass: UInt8 {
    case other = 0
    case letter = 1
    case number = 2
    case whitespace = 3

    /// The Unicode version of llama.cpp's generated category tables.
    static let referenceUnicodeVersion = (major: 15, minor: 1)

    /// The class of `value`, which must be a Unicode scalar value (not a surrogate).
    @inline(__always)
    static func of(_ value: UInt32) -> ScalarClass {
        if value < 0x80 { return asciiTable[Int(value)] }
        if value < 0x1_0000 { return ScalarClass(rawValue: basicPlaneTable[Int(value)]) ?? .other }
        return compute(value)
    }

    /// Classes of U+0000–U+007F.
    static let asciiTable: [ScalarClass] = (0..<0x80).map { compute(UInt32($0)) }

    /// Raw classes of U+0000–U+FFFF (surrogates are `other`), computed once.
    static let basicPlaneTable: [UInt8] = (0..<0x1_0000).map { compute(UInt32($0)).rawValue }

    /// Whether `value` is a mark (general category M*: Mn, Mc, Me; regex `\p{M}`), capped at
    /// Unicode 15.1 like the classes. Marks are `other` for the GPT-2 and LLaMA-3 splits; only
    /// the Qwen3.5 split treats them apart.
    @inline(__always)
    static func isMark(_ value: UInt32) -> Bool {
        value < 0x1_0000 ? basicPlaneMarks[Int(value)] : computeIsMark(value)
    }

    /// `isMark` for U+0000–U+FFFF, computed once.
    static let basicPlaneMarks: [Bool] = (0..<0x1_0000).map { computeIsMark(UInt32($0)) }

    static func computeIsMark(_ value: UInt32) -> Bool {
        guard let scalar = Unicode.Scalar(value) else { return false }
        let properties = scalar.properties
        guard let age = properties.age,
              (age.major, age.minor) <= (referenceUnicodeVersion.major, referenceUnicodeVersion.minor)
        else { return false }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// The class from the standard library's Unicode properties, capped at Unicode 15.1.
    static func compute(_ value: UInt32) -> ScalarClass {
        guard let scalar = Unicode.Scalar(value) else { return .other }
        let properties = scalar.properties
        guard let age = properties.age,
              (age.major, age.minor) <= (referenceUnicodeVersion.major, referenceUnicodeVersion.minor)
        else { return .other }
        if properties.isWhitespace { return .whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }
}
