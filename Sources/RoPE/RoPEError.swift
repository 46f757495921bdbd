/// Errors from the `RoPE` target. Every case names the offending parameter, the value found and
/// what was allowed, so a CLI can print `message` as is.
public enum RoPEError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A numeric parameter is outside its allowed range (or not finite).
    case invalidParameter(name: String, value: String, allowed: String)
    /// The method name of a `--rope` spec is not one of `RoPEMethod.allCases`.
    case unknownMethod(name: String, allowed: [String])
    /// A `key=value` key is not accepted by the method.
    case unknownKey(method: String, key: String, allowed: [String])
    /// A key the method needs was neither in the spec nor supplied by a command flag.
    case missingKey(method: String, key: String, hint: String)
    /// A key appears twice in one spec.
    case duplicateKey(method: String, key: String)
    /// A spec item or value could not be parsed.
    case malformedSpec(spec: String, reason: String)
    /// A per-pair list (LongRoPE factors) has the wrong length.
    case listLengthMismatch(key: String, count: Int, expected: Int)
    /// A scaled inverse frequency θ'_i is outside `FrequencyLimits` (non-finite, ≤ 0, or so small
    /// or large that wavelengths or phases stop being finite); `key` names what produced it.
    case invalidFrequency(pairIndex: Int, value: Double, key: String)
    /// The attention (magnitude) factor is non-finite or ≤ 0; `key` names what produced it.
    case invalidAttentionFactor(value: Double, key: String)

    public var description: String {
        switch self {
        case let .invalidParameter(name, value, allowed):
            return "invalid \(name) \(value): allowed \(allowed)"
        case let .unknownMethod(name, allowed):
            return "unknown RoPE method '\(name)': allowed \(allowed.joined(separator: ", "))"
        case let .unknownKey(method, key, allowed):
            if allowed.isEmpty { return "RoPE method '\(method)' takes no keys (got '\(key)')" }
            return "unknown key '\(key)' for RoPE method '\(method)': allowed keys \(allowed.joined(separator: ", "))"
        case let .missingKey(method, key, hint):
            return "RoPE method '\(method)' needs '\(key)'\(hint.isEmpty ? "" : " (\(hint))")"
        case let .duplicateKey(method, key):
            return "key '\(key)' given twice in RoPE spec for '\(method)'"
        case let .malformedSpec(spec, reason):
            return "malformed RoPE spec '\(spec)': \(reason)"
        case let .listLengthMismatch(key, count, expected):
            return "'\(key)' has \(count) values: allowed 1 (broadcast) or exactly \(expected) (one per pair, d/2)"
        case let .invalidFrequency(pairIndex, value, key):
            return "scaled inverse frequency θ'[\(pairIndex)] is \(value) rad/token, caused by \(key): allowed "
                + FrequencyLimits.allowedText
        case let .invalidAttentionFactor(value, key):
            return "attention factor is \(value), caused by \(key): allowed a finite number > 0"
        }
    }
}

/// Validation helpers shared by the target: each throws `RoPEError.invalidParameter` naming the
/// parameter and the allowed range.
enum Check {
    static func finite(_ value: Double, _ name: String, allowed: String = "a finite number") throws {
        guard value.isFinite else {
            throw RoPEError.invalidParameter(name: name, value: "\(value)", allowed: allowed)
        }
    }

    static func positive(_ value: Double, _ name: String) throws {
        guard value.isFinite, value > 0 else {
            throw RoPEError.invalidParameter(name: name, value: "\(value)", allowed: "a finite number > 0")
        }
    }

    static func atLeast(_ value: Double, _ minimum: Double, _ name: String) throws {
        guard value.isFinite, value >= minimum else {
            throw RoPEError.invalidParameter(name: name, value: "\(value)", allowed: "a finite number >= \(minimum)")
        }
    }

    static func greaterThan(_ value: Double, _ minimum: Double, _ name: String) throws {
        guard value.isFinite, value > minimum else {
            throw RoPEError.invalidParameter(name: name, value: "\(value)", allowed: "a finite number > \(minimum)")
        }
    }

    /// A finite value in `range`; `name` should be "method key".
    static func within(_ value: Double, _ range: ClosedRange<Double>, _ name: String) throws {
        guard value.isFinite, range.contains(value) else {
            throw RoPEError.invalidParameter(
                name: name, value: "\(value)", allowed: "a finite number in \(range.lowerBound)...\(range.upperBound)")
        }
    }

    static func positive(_ value: Int, _ name: String) throws {
        guard value > 0 else {
            throw RoPEError.invalidParameter(name: name, value: "\(value)", allowed: "an integer >= 1")
        }
    }
}
