/// Seeded random strings that mix every class the pre-tokenizer distinguishes.
enum RandomText {
    /// Scalar ranges to draw from, weighted by repetition: ASCII letters and digits, spaces,
    /// tabs, CR/LF, apostrophes and `s t r e v m l d`, punctuation, C0 controls and DEL, Latin-1,
    /// combining marks, Cyrillic, CJK, Hangul, Unicode spaces, zero-width characters, emoji and
    /// their modifiers, private use, scalars assigned after Unicode 15.1, and the plane ends.
    static let ranges: [ClosedRange<UInt32>] = [
        0x61...0x7A, 0x61...0x7A, 0x41...0x5A, 0x30...0x39, 0x20...0x20, 0x20...0x20, 0x20...0x20,
        0x09...0x0D, 0x27...0x27, 0x27...0x27, 0x64...0x76, 0x21...0x2F, 0x3A...0x40,
        0x00...0x1F, 0x7F...0x7F, 0x80...0xFF, 0x300...0x36F, 0x400...0x44F, 0x4E00...0x4E80,
        0xAC00...0xAC40, 0x2000...0x200F, 0x2028...0x202F, 0x3000...0x3000, 0x0660...0x0669,
        0x1F300...0x1F64F, 0x1F3FB...0x1F3FF, 0xFE0F...0xFE0F, 0xE000...0xE010, 0x1C89...0x1C8A,
        0x40000...0x40010, 0x10FFF0...0x10FFFD, 0xFFF0...0xFFFD,
    ]

    static func string<G: RandomNumberGenerator>(using generator: inout G, maxScalars: Int) -> String {
        var text = ""
        let length = Int.random(in: 0...maxScalars, using: &generator)
        for _ in 0..<length {
            let range = ranges[Int.random(in: 0..<ranges.count, using: &generator)]
            if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &generator)) {
                text.unicodeScalars.append(scalar)
            }
        }
        return text
    }
}
