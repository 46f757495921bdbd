import RoPE
import Spectra

/// One row of a sweep: a fully resolved analysis setup and how it was named.
public struct SweepRow: Equatable, Sendable {
    /// Row index in output order.
    public let index: Int
    /// The canonical spec (every parameter written out).
    public let spec: String
    /// The spec as the configuration wrote it, with `factor=F` appended (short, for tables).
    public let label: String
    /// The method name.
    public let method: RoPEMethod
    /// The factor applied to the method's template (nil when the method has none).
    public let factor: Double?
    /// Geometry, scaling and lengths.
    public let setup: AnalysisSetup

    public init(index: Int, spec: String, label: String? = nil, method: RoPEMethod, factor: Double?, setup: AnalysisSetup) {
        self.index = index
        self.spec = spec
        self.label = label ?? spec
        self.method = method
        self.factor = factor
        self.setup = setup
    }
}

/// The expanded grid of a configuration, in deterministic order:
/// rotary dimension → base → target length → method entry → factor.
public struct SweepGrid: Equatable, Sendable {
    public let configuration: SweepConfiguration
    /// T_train used by every row.
    public let trainLength: Int
    public let rows: [SweepRow]
    /// Spectrum window and options shared by every row; nil when spectra are off.
    public let spectrum: ResolvedSpectrumSettings?
    /// Conditioning window length shared by every row; nil when conditioning is off.
    public let conditioningLength: Int?

    /// Expands and validates the grid; `path` labels errors (AnalyzerError, CLI exit 65).
    public init(_ configuration: SweepConfiguration, path: String) throws {
        self.configuration = configuration
        func invalid(_ field: String, _ value: Any, _ allowed: String) -> AnalyzerError {
            AnalyzerError.invalidConfigValue(path: path, field: field, value: "\(value)", allowed: allowed)
        }
        let dimensions = configuration.rotaryDimensions ?? configuration.preset.map { [$0.rotaryDimension] } ?? []
        let bases = configuration.bases ?? configuration.preset.map { [$0.base] } ?? []
        guard !dimensions.isEmpty else { throw invalid("rotary_dimensions", "[]", "a non-empty list, or a preset") }
        guard !bases.isEmpty else { throw invalid("bases", "[]", "a non-empty list, or a preset") }
        guard let train = configuration.trainLength ?? configuration.preset?.trainLength else {
            throw invalid("train_length", "none", "an integer >= 1, or a preset")
        }
        let lengths = 1...RoPESpec.maximumLength
        guard lengths.contains(train) else { throw invalid("train_length", train, "an integer in 1...\(RoPESpec.maximumLength)") }
        guard !configuration.targetLengths.isEmpty else { throw invalid("target_lengths", "[]", "a non-empty list") }
        for (index, target) in configuration.targetLengths.enumerated() where !lengths.contains(target) {
            throw invalid("target_lengths[\(index)]", target, "integers in 1...\(RoPESpec.maximumLength)")
        }
        guard !configuration.methods.isEmpty else { throw invalid("methods", "[]", "a non-empty list") }
        trainLength = train
        spectrum = try configuration.spectrum.map { try ResolvedSpectrumSettings($0, path: path) }
        conditioningLength = try configuration.conditioning.map { try resolvedConditioningLength($0, path: path) }
        if conditioningLength != nil {
            // Checked here, not when the analysis runs, so that the file (exit 65) is blamed, with a position.
            for (index, d) in dimensions.enumerated() where d / 2 > PositionFeatures.maximumPairCount {
                throw invalid("rotary_dimensions[\(index)]", d,
                              "at most \(2 * PositionFeatures.maximumPairCount) when conditioning is on (1...\(PositionFeatures.maximumPairCount) pairs)")
            }
        }

        var rows: [SweepRow] = []
        for d in dimensions {
            for b in bases {
                let geometry: RotaryGeometry
                do {
                    geometry = try RotaryGeometry(rotaryDimension: d, base: b)
                } catch let error as RoPEError {
                    throw AnalyzerError.invalidSpec(path: path, field: "rotary_dimensions/bases", message: error.description)
                }
                for target in configuration.targetLengths {
                    for (entryIndex, entry) in configuration.methods.enumerated() {
                        let field = "methods[\(entryIndex)]"
                        var factors: [Double?] = [nil]
                        if let explicit = entry.factors {
                            guard !explicit.isEmpty else { throw invalid("\(field).factors", "[]", "a non-empty list") }
                            factors = explicit
                        }
                        if entry.factorFromLength == true {
                            guard entry.factors == nil else {
                                throw invalid("\(field).factor_from_length", true, "false when factors are listed")
                            }
                            factors = [Double(target) / Double(train)]
                        }
                        for factor in factors {
                            let text = Self.specText(entry.spec, factor: factor)
                            do {
                                let scaling = try RoPESpec.parse(
                                    text, defaults: RoPESpecDefaults(trainLength: train, targetLength: target))
                                _ = try scaling.frequencies(for: geometry)
                                let setup = try AnalysisSetup(
                                    geometry: geometry, scaling: scaling, trainLength: train, targetLength: target)
                                rows.append(SweepRow(
                                    index: rows.count, spec: scaling.canonicalSpec, label: text, method: scaling.method,
                                    factor: factor, setup: setup))
                            } catch let error as RoPEError {
                                throw AnalyzerError.invalidSpec(path: path, field: "\(field).spec '\(text)'", message: error.description)
                            }
                        }
                    }
                }
            }
        }
        self.rows = rows
    }

    /// Appends `factor=F` to a spec template.
    static func specText(_ template: String, factor: Double?) -> String {
        guard let factor else { return template }
        let value = factor == factor.rounded() && abs(factor) < 1e15 ? String(Int64(factor)) : "\(factor)"
        return template + (template.contains(":") ? "," : ":") + "factor=\(value)"
    }
}
