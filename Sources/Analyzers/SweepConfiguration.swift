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

    /// Decodes JSON `data`; `path` only labels errors.
    public static func decode(_ data: Data, path: String) throws -> SweepConfiguration {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw AnalyzerError.configMalformed(path: path, reason: "not valid JSON (\(error.localizedDescription))")
        }
        guard let root = object as? [String: Any] else {
            throw AnalyzerError.configMalformed(path: path, reason: "the top level must be a JSON object")
        }
        try checkKeys(root, allowed: keys, path: path)
        for entry in (root["methods"] as? [Any]) ?? [] {
            if let entry = entry as? [String: Any] { try checkKeys(entry, allowed: SweepMethod.keys, path: path) }
        }
        if let spectrum = root["spectrum"] as? [String: Any] { try checkKeys(spectrum, allowed: SpectrumSettings.keys, path: path) }
        if let conditioning = root["conditioning"] as? [String: Any] {
            try checkKeys(conditioning, allowed: ConditioningSettings.keys, path: path)
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(SweepConfiguration.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw AnalyzerError.configMalformed(path: path, reason: "missing key '\(snakeCase(key.stringValue))'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map { $0.intValue.map(String.init) ?? snakeCase($0.stringValue) }.joined(separator: ".")
            throw AnalyzerError.configMalformed(path: path, reason: "'\(field)': \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            let field = context.codingPath.map { $0.intValue.map(String.init) ?? snakeCase($0.stringValue) }.joined(separator: ".")
            throw AnalyzerError.configMalformed(path: path, reason: "'\(field)': \(context.debugDescription)")
        }
    }

    private static func checkKeys(_ object: [String: Any], allowed: [String], path: String) throws {
        for key in object.keys.sorted() where !allowed.contains(key) {
            throw AnalyzerError.unknownConfigKey(path: path, key: key, allowed: allowed)
        }
    }

    private static func snakeCase(_ camel: String) -> String {
        camel.reduce(into: "") { result, character in
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
    }
}
