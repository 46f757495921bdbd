import Foundation

/// `--budget`: wall-clock seconds the empirical checks may spend ("90s", "10m", "1h", or seconds).
public enum Budget {
    /// Default when text is given without `--budget`: 10 minutes.
    public static let defaultSeconds = 600.0

    /// Parses a duration; throws `invalidBudget`.
    public static func parse(_ text: String) throws -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("h", 3600), ("m", 60), ("s", 1)]
        var multiplier = 1.0
        var number = Substring(trimmed)
        if let (suffix, scale) = units.first(where: { trimmed.hasSuffix($0.0) }) {
            multiplier = scale
            number = number.dropLast(suffix.count)
        }
        guard let value = Double(number), value.isFinite, value > 0, value * multiplier <= 7 * 86400 else {
            throw VerdictError.invalidBudget(text: text)
        }
        return value * multiplier
    }
}
