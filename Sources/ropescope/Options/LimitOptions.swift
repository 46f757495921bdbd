import Analyzers
import ArgumentParser

/// --max-memory / --max-work: the limits `spectrum`, `conditioning` and `sweep` check their
/// estimated memory and work against before allocating anything (exit 64 with the estimate).
struct LimitOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Refuse computations whose estimated memory exceeds SIZE bytes (k/m/g/t suffixes, powers of 1024; default 4g).",
        valueName: "size"), transform: ByteSizeArgument.parse)
    var maxMemory: Double = ResourceLimits.defaultBytes

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Refuse computations whose estimated work exceeds OPS floating-point operations (default 2e12, minutes on one core).",
        valueName: "ops"), transform: PositiveNumberArgument.maxWork)
    var maxWork: Double = ResourceLimits.defaultOperations

    var limits: ResourceLimits { ResourceLimits(bytes: maxMemory, operations: maxWork) }
}

/// "512m", "8g", "1t", "4096": bytes, suffixes powers of 1024.
enum ByteSizeArgument {
    static func parse(_ text: String) throws -> Double {
        let lower = text.lowercased()
        let multipliers: [Character: Double] = ["k": 1024, "m": 1_048_576, "g": 1_073_741_824, "t": 1_099_511_627_776]
        var digits = Substring(lower)
        var multiplier = 1.0
        if let last = lower.last, let m = multipliers[last] {
            multiplier = m
            digits = digits.dropLast()
        }
        guard let value = Double(digits), value.isFinite, value > 0, (value * multiplier).isFinite else {
            throw ValidationError("invalid --max-memory '\(text)': allowed a number > 0 of bytes with an optional k, m, g or t suffix")
        }
        return value * multiplier
    }
}

/// Finite numbers > 0 for a named option.
enum PositiveNumberArgument {
    static func parse(_ text: String, flag: String) throws -> Double {
        guard let value = Double(text), value.isFinite, value > 0 else {
            throw ValidationError("invalid \(flag) '\(text)': allowed a finite number > 0")
        }
        return value
    }

    @Sendable static func maxWork(_ text: String) throws -> Double { try parse(text, flag: "--max-work") }
}
