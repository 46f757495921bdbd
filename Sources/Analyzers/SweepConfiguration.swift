import Foundation
import RoPE

/// A sweep: model geometries × target lengths × scaling methods × factors, plus the spectral and
/// conditioning settings. Decoded from JSON with snake_case keys (see experiments/README.md);
/// unknown keys are errors.
public struct SweepConfiguration: Codable, Equatable, Sendable {
    /// Short identifier, stored in the output.
    public var name: String
    /// Free text, stored in the output.
    public var description: String?
    /// Geometry preset; `rotary_dimensions`, `bases` and `train_length` override it.
    public var preset: ModelPreset?
    /// Rotary dimensions d to sweep (each even, 2…65536).
    public var rotaryDimensions: [Int]?
    /// Bases b to sweep (each > 1).
    public var bases: [Double]?
    /// T_train, tokens.
    public var trainLength: Int?
    /// T_target values, tokens.
    public var targetLengths: [Int]
    /// Scaling methods, each with its factors.
    public var methods: [SweepMethod]
    /// FFT spectra settings; nil disables spectra.
    public var spectrum: SpectrumSettings?
    /// Position-feature conditioning settings; nil disables it.
    public var conditioning: ConditioningSettings?

    public init(name: String, targetLengths: [Int], methods: [SweepMethod]) {
        self.name = name
        self.targetLengths = targetLengths
        self.methods = methods
    }

    static let keys = ["name", "description", "preset", "rotary_dimensions", "bases", "train_length",
                       "target_lengths", "methods", "spectrum", "conditioning"]
}

/// One method entry: a spec template and the factors to apply to it.
public struct SweepMethod: Codable, Equatable, Sendable {
    /// Spec without `factor`, e.g. `yarn:beta-fast=32` or `diffusion-ntk`.
    public var spec: String
    /// Explicit factors; each row appends `factor=F` to the spec.
    public var factors: [Double]?
    /// Use s = T_target/T_train as the factor (one row per target length).
    public var factorFromLength: Bool?

    public init(spec: String, factors: [Double]? = nil, factorFromLength: Bool? = nil) {
        self.spec = spec
        self.factors = factors
        self.factorFromLength = factorFromLength
    }

    static let keys = ["spec", "factors", "factor_from_length"]
}

/// Kernel spectrum settings.
public struct SpectrumSettings: Codable, Equatable, Sendable {
    /// Window length L in tokens (causal window [0, L), bidirectional [−L, L)); default min(T_target, 8192).
    public var length: Int?
    /// Window function name (rectangular, hann, hamming, blackman); default hann.
    public var window: String?
    /// Zero-padding factor ≥ 1; default 2.
    public var paddingFactor: Int?

    public init(length: Int? = nil, window: String? = nil, paddingFactor: Int? = nil) {
        self.length = length
        self.window = window
        self.paddingFactor = paddingFactor
    }

    static let keys = ["length", "window", "padding_factor"]
}

/// Conditioning settings.
public struct ConditioningSettings: Codable, Equatable, Sendable {
    /// Window length L in tokens; default min(T_target, 8192).
    public var length: Int?

    public init(length: Int? = nil) { self.length = length }

    static let keys = ["length"]
}

extension SweepConfiguration {
    /// Reads and validates a configuration file. Unreadable files throw `configUnreadable`
    /// (CLI exit 66); bad JSON, unknown keys and bad values throw the other cases (exit 65).
    public static func load(path: String) throws -> SweepConfiguration {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a regular file" : "no such file"
            throw AnalyzerError.configUnreadable(path: path, reason: reason)
        }
        return try decode(data, path: path)
    }

    /// Decodes JSON `data`; `path` only labels errors, as `path:line:column` of the offending
    /// token. The text must be strict JSON (`StrictJSON`: UTF-8, no duplicate keys, no trailing
    /// commas) before `JSONSerialization`/`JSONDecoder` see it.
    public static func decode(_ data: Data, path: String) throws -> SweepConfiguration {
        let positions: [String: StrictJSON.Position]
        do {
            positions = try StrictJSON.check([UInt8](data))
        } catch let failure as StrictJSON.Failure {
            throw AnalyzerError.configMalformed(path: label(path, failure.position), reason: "not valid JSON: \(failure.reason)")
        }
        func at(_ field: String) -> String { label(path, position(of: field, in: positions)) }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw AnalyzerError.configMalformed(path: at(""), reason: "not valid JSON (\(error.localizedDescription))")
        }
        guard let root = object as? [String: Any] else {
            throw AnalyzerError.configMalformed(path: at(""), reason: "the top level must be a JSON object")
        }
        try checkKeys(root, allowed: keys, prefix: "", at: at)
        for (index, entry) in ((root["methods"] as? [Any]) ?? []).enumerated() {
            if let entry = entry as? [String: Any] { try checkKeys(entry, allowed: SweepMethod.keys, prefix: "methods[\(index)]", at: at) }
        }
        if let spectrum = root["spectrum"] as? [String: Any] {
            try checkKeys(spectrum, allowed: SpectrumSettings.keys, prefix: "spectrum", at: at)
        }
        if let conditioning = root["conditioning"] as? [String: Any] {
            try checkKeys(conditioning, allowed: ConditioningSettings.keys, prefix: "conditioning", at: at)
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        func field(_ codingPath: [CodingKey]) -> String {
            codingPath.reduce("") { result, key in
                if let index = key.intValue { return result + "[\(index)]" }
                return result.isEmpty ? snakeCase(key.stringValue) : result + "." + snakeCase(key.stringValue)
            }
        }
        do {
            return try decoder.decode(SweepConfiguration.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw AnalyzerError.configMalformed(
                path: at(field(context.codingPath)), reason: "missing key '\(snakeCase(key.stringValue))'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let name = field(context.codingPath)
            throw AnalyzerError.configMalformed(path: at(name), reason: "'\(name)': \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            let name = field(context.codingPath)
            throw AnalyzerError.configMalformed(path: at(name), reason: "'\(name)': \(context.debugDescription)")
        }
    }

    /// `error` (from `SweepGrid` on a configuration read from `data`) with its path label
    /// extended by the line and column of the field it names; other errors unchanged.
    public static func locate(_ error: AnalyzerError, in data: Data) -> AnalyzerError {
        guard let positions = try? StrictJSON.check([UInt8](data)) else { return error }
        switch error {
        case let .invalidConfigValue(path, field, value, allowed):
            return .invalidConfigValue(path: label(path, position(of: field, in: positions)), field: field, value: value, allowed: allowed)
        case let .invalidSpec(path, field, message):
            return .invalidSpec(path: label(path, position(of: field, in: positions)), field: field, message: message)
        default:
            return error
        }
    }

    /// `path:line:column`.
    static func label(_ path: String, _ position: StrictJSON.Position) -> String {
        "\(path):\(position.line):\(position.column)"
    }

    /// Position of `field` ("methods[0].spec 'yarn'", "rotary_dimensions/bases"): the longest
    /// prefix of its path that the text has, else line 1, column 1.
    static func position(of field: String, in positions: [String: StrictJSON.Position]) -> StrictJSON.Position {
        var path = String(field.prefix { $0 != " " && $0 != "/" })
        while !path.isEmpty {
            if let found = positions[path] { return found }
            if let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) {
                path = String(path[..<cut])
            } else {
                path = ""
            }
        }
        return StrictJSON.Position(line: 1, column: 1)
    }

    private static func checkKeys(
        _ object: [String: Any], allowed: [String], prefix: String, at: (String) -> String
    ) throws {
        for key in object.keys.sorted() where !allowed.contains(key) {
            throw AnalyzerError.unknownConfigKey(path: at(prefix.isEmpty ? key : "\(prefix).\(key)"), key: key, allowed: allowed)
        }
    }

    private static func snakeCase(_ camel: String) -> String {
        camel.reduce(into: "") { result, character in
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
    }
}
