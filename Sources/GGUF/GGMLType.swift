/// A ggml tensor element type, as stored in a GGUF tensor info (`u32` type id).
///
/// Every type is stored in blocks: `blockSize` elements take `typeSize` bytes, so a row of
/// `n` elements (`n` a multiple of `blockSize`) takes `n / blockSize * typeSize` bytes.
/// The ids, block sizes and type sizes are those of ggml's `ggml.h` / `ggml-common.h`
/// (ggml-org/llama.cpp), cross-checked in the tests against `GGML_QUANT_SIZES` of the
/// `gguf` Python package 0.19.0. Ids that ggml has removed (4, 5: Q4_2/Q4_3; 31–33:
/// Q4_0_4_4/4_8/8_8; 36–38: IQ4_NL_4_4/4_8/8_8) are unknown here and rejected by the reader.
public enum GGMLType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q5_0 = 6
    case q5_1 = 7
    case q8_0 = 8
    case q8_1 = 9
    case q2_K = 10
    case q3_K = 11
    case q4_K = 12
    case q5_K = 13
    case q6_K = 14
    case q8_K = 15
    case iq2_xxs = 16
    case iq2_xs = 17
    case iq3_xxs = 18
    case iq1_s = 19
    case iq4_nl = 20
    case iq3_s = 21
    case iq2_s = 22
    case iq4_xs = 23
    case i8 = 24
    case i16 = 25
    case i32 = 26
    case i64 = 27
    case f64 = 28
    case iq1_m = 29
    case bf16 = 30
    case tq1_0 = 34
    case tq2_0 = 35
    case mxfp4 = 39
    case nvfp4 = 40
    case q1_0 = 41

    /// Super-block length of the k-quants (`QK_K` in ggml-common.h).
    static let superBlockLength = 256

    /// Number of elements per block (`ggml_blck_size`); 1 for plain scalar types.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16, .f64, .i8, .i16, .i32, .i64: return 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .iq4_nl, .mxfp4: return 32
        case .nvfp4: return 64
        case .q1_0: return 128
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K, .iq2_xxs, .iq2_xs, .iq3_xxs, .iq1_s,
             .iq3_s, .iq2_s, .iq4_xs, .iq1_m, .tq1_0, .tq2_0:
            return Self.superBlockLength
        }
    }

    /// Number of bytes per block (`ggml_type_size`), e.g. 18 for Q4_0 (f16 scale + 16 nibble bytes).
    public var typeSize: Int {
        let k = Self.superBlockLength
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .f64, .i64: return 8
        case .i8: return 1
        case .i16: return 2
        case .i32: return 4
        case .q4_0: return 2 + 16
        case .q4_1: return 2 + 2 + 16
        case .q5_0: return 2 + 4 + 16
        case .q5_1: return 2 + 2 + 4 + 16
        case .q8_0: return 2 + 32
        case .q8_1: return 4 + 4 + 32
        case .q2_K: return 2 + 2 + k / 16 + k / 4
        case .q3_K: return 2 + k / 4 + k / 8 + 12
        case .q4_K: return 2 + 2 + 12 + k / 2
        case .q5_K: return 2 + 2 + 12 + k / 8 + k / 2
        case .q6_K: return 2 + k / 2 + k / 4 + k / 16
        case .q8_K: return 4 + k + k / 8
        case .iq2_xxs: return 2 + k / 4
        case .iq2_xs: return 2 + k / 4 + k / 32
        case .iq3_xxs: return 2 + k / 4 + k / 8
        case .iq1_s: return 2 + k / 8 + k / 16
        case .iq4_nl: return 2 + 16
        case .iq3_s: return 2 + k / 4 + k / 8 + k / 32 + 4
        case .iq2_s: return 2 + k / 4 + k / 16
        case .iq4_xs: return 2 + 2 + k / 2 + k / 64
        case .iq1_m: return k / 8 + k / 16 + k / 32
        case .tq1_0: return 2 + 4 * 13
        case .tq2_0: return 2 + 64
        case .mxfp4: return 1 + 16
        case .nvfp4: return 4 + 32
        case .q1_0: return 2 + 16
        }
    }

    /// The ggml type name (`ggml_type_name`), e.g. `"q4_K"`, `"bf16"`, `"iq2_xxs"`.
    public var name: String {
        switch self {
        case .f32: return "f32"
        case .f16: return "f16"
        case .q4_0: return "q4_0"
        case .q4_1: return "q4_1"
        case .q5_0: return "q5_0"
        case .q5_1: return "q5_1"
        case .q8_0: return "q8_0"
        case .q8_1: return "q8_1"
        case .q2_K: return "q2_K"
        case .q3_K: return "q3_K"
        case .q4_K: return "q4_K"
        case .q5_K: return "q5_K"
        case .q6_K: return "q6_K"
        case .q8_K: return "q8_K"
        case .iq2_xxs: return "iq2_xxs"
        case .iq2_xs: return "iq2_xs"
        case .iq3_xxs: return "iq3_xxs"
        case .iq1_s: return "iq1_s"
        case .iq4_nl: return "iq4_nl"
        case .iq3_s: return "iq3_s"
        case .iq2_s: return "iq2_s"
        case .iq4_xs: return "iq4_xs"
        case .i8: return "i8"
        case .i16: return "i16"
        case .i32: return "i32"
        case .i64: return "i64"
        case .f64: return "f64"
        case .iq1_m: return "iq1_m"
        case .bf16: return "bf16"
        case .tq1_0: return "tq1_0"
        case .tq2_0: return "tq2_0"
        case .mxfp4: return "mxfp4"
        case .nvfp4: return "nvfp4"
        case .q1_0: return "q1_0"
        }
    }

    /// The name as the `gguf` Python package prints it (`GGMLQuantizationType.name`), e.g. `"Q4_K"`.
    public var description: String { name.uppercased() }

    /// Whether `GGMLDequantizer` can convert this type to `Float`.
    public var isDequantizable: Bool { GGMLDequantizer.supportedTypes.contains(self) }

    /// Bytes taken by `elementCount` elements, or `nil` when `elementCount` is negative, not a
    /// multiple of `blockSize`, or the byte count overflows `Int`.
    ///
    /// ```
    /// bytes = elementCount / blockSize * typeSize
    /// ```
    public func byteCount(forElementCount elementCount: Int) -> Int? {
        guard elementCount >= 0, elementCount % blockSize == 0 else { return nil }
        let (bytes, overflow) = (elementCount / blockSize).multipliedReportingOverflow(by: typeSize)
        return overflow ? nil : bytes
    }
}
