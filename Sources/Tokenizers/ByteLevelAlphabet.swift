/// The GPT-2 byte-level alphabet: a bijection between the 256 byte values and 256 printable
/// Unicode scalars, so that any byte string can be written as vocabulary text.
///
/// Bytes `!`...`~` (0x21–0x7E), `¡`...`¬` (0xA1–0xAC) and `®`...`ÿ` (0xAE–0xFF) map to the scalar
/// with the same value; the remaining 68 bytes, in increasing order, map to U+0100, U+0101, ...
/// (so the space 0x20 is `Ġ` U+0120 and `\n` 0x0A is `Ċ` U+010A).
/// Port of `bytes_to_unicode` in openai/gpt-2 `src/encoder.py`, as used by llama.cpp
/// `src/unicode.cpp` (`unicode_byte_to_utf8_map`).
public enum ByteLevelAlphabet {
    /// `scalarForByte[b]` is the alphabet scalar of byte `b`; 256 entries.
    public static let scalarForByte: [Unicode.Scalar] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if isPrintedAsItself(UInt8(byte)) {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = next
                next += 1
            }
        }
        // Every value is below 0x144, a valid scalar, so the fallback is never taken.
        return table.map { Unicode.Scalar($0) ?? "\u{FFFD}" }
    }()

    /// `utf8ForByte[b]` is the UTF-8 of byte `b`'s alphabet scalar (1 or 2 bytes); 256 entries.
    static let utf8ForByte: [[UInt8]] = scalarForByte.map { Array(String(Character($0)).utf8) }

    /// The byte whose alphabet scalar is `scalar`, or `nil` when `scalar` is not in the alphabet.
    public static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        guard value < 0x144 else { return nil }
        return byteForScalarValue[Int(value)]
    }

    /// The one-scalar vocabulary text that stands for `byte` (e.g. `"Ġ"` for 0x20).
    public static func text(for byte: UInt8) -> String {
        String(Character(scalarForByte[Int(byte)]))
    }

    /// Inverse table indexed by scalar value 0..<0x144; `nil` where the value is not in the alphabet.
    private static let byteForScalarValue: [UInt8?] = {
        var table = [UInt8?](repeating: nil, count: 0x144)
        for byte in 0..<256 {
            table[Int(scalarForByte[byte].value)] = UInt8(byte)
        }
        return table
    }()

    private static func isPrintedAsItself(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }
}
