/// Errors from the `Analyzers` target (sweep configurations and orchestration).
public enum AnalyzerError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The configuration file could not be read (missing, permissions).
    case configUnreadable(path: String, reason: String)
    /// The configuration file is not valid JSON or has the wrong shape.
    case configMalformed(path: String, reason: String)
    /// A key in the configuration is not recognised.
    case unknownConfigKey(path: String, key: String, allowed: [String])
    /// A value in the configuration is out of range (context says which entry).
    case invalidConfigValue(path: String, field: String, value: String, allowed: String)
    /// A spec in the configuration was rejected by the RoPE library.
    case invalidSpec(path: String, field: String, message: String)
    /// A computation's estimate exceeds a resource limit (memory in bytes, work in operations)
    /// before anything is allocated; `what` describes the computation, `flag` the override.
    case limitExceeded(what: String, estimate: String, limit: String, flag: String)

    public var description: String {
        switch self {
        case let .configUnreadable(path, reason): return "cannot read sweep configuration '\(path)': \(reason)"
        case let .configMalformed(path, reason): return "malformed sweep configuration '\(path)': \(reason)"
        case let .unknownConfigKey(path, key, allowed):
            return "unknown key '\(key)' in sweep configuration '\(path)': allowed \(allowed.joined(separator: ", "))"
        case let .invalidConfigValue(path, field, value, allowed):
            return "invalid \(field) \(value) in sweep configuration '\(path)': allowed \(allowed)"
        case let .invalidSpec(path, field, message):
            return "\(field) in sweep configuration '\(path)': \(message)"
        case let .limitExceeded(what, estimate, limit, flag):
            return "\(what) needs an estimated \(estimate), above the limit \(limit): reduce the sizes, or raise the "
                + "limit with \(flag) if you mean it"
        }
    }
}
