import Foundation

/// Escaping and number formatting shared by the HTML and SVG writers. Everything written is
/// well-formed XML as well as HTML: text and attribute values are escaped, elements are closed.
public enum Markup {
    /// `&`, `<`, `>`, `"` and `'` escaped for text and attribute values; control characters other
    /// than tab and newline dropped (XML 1.0 forbids them).
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    continue
                }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A coordinate with at most two decimals ("12.5", "-3", never "1e-05").
    public static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(format: "%.2f", rounded)
    }

    /// A number for people: integers plainly with thousands kept, otherwise `digits` significant digits.
    public static func number(_ value: Double, digits: Int = 4) -> String {
        if !value.isFinite { return value.isNaN ? "n/a" : (value > 0 ? "∞" : "−∞") }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.\(digits)g", value)
    }

    /// Tick labels: 1, 10, 100, 1k, 10k, 1M, 0.1, 0.01 …
    public static func compact(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e9 { return String(format: "%.0e", value).replacingOccurrences(of: "e+0", with: "e").replacingOccurrences(of: "e+", with: "e") }
        if magnitude >= 1e6 { return trimmed(value / 1e6) + "M" }
        if magnitude >= 1e3, magnitude < 1e6 { return trimmed(value / 1e3) + "k" }
        if magnitude > 0, magnitude < 1e-3 { return String(format: "%.0e", value) }
        return trimmed(value)
    }

    private static func trimmed(_ value: Double) -> String {
        if value == value.rounded() { return String(Int64(value)) }
        var text = String(format: "%.3f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
