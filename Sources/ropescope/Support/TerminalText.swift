/// Makes strings from files safe to print on a terminal: the one escaping function every
/// human-readable output of file-supplied text (GGUF metadata values and keys, tensor names, token
/// pieces, paths, error messages) goes through.
enum TerminalText {
    /// `text` with every scalar a terminal would interpret written as `\u{XX}` — C0 controls
    /// U+0000–U+001F (ESC, BEL, CR, LF, …), DEL U+007F, C1 controls U+0080–U+009F (CSI U+009B, OSC
    /// U+009D), the bidirectional overrides, embeddings and isolates (U+061C, U+200E, U+200F,
    /// U+202A–U+202E, U+2066–U+2069) and the line/paragraph separators U+2028/U+2029 — and each
    /// backslash doubled, so the output is unambiguous and can neither move the cursor, retitle the
    /// window nor reorder the text around it. Everything else, non-ASCII letters included, is kept.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if scalar == "\\" {
                out += "\\\\"
            } else if needsEscape(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Whether `escaped` rewrites `scalar` (backslash included).
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x5C: return true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029: return true
        default: return false
        }
    }
}
