import Foundation
import RoPE

/// One RoPE choice under judgement: the spec as the user wrote it and the scaling it resolves to.
public struct ValidationCandidate: Equatable, Sendable {
    /// The spec as given (`ntk:factor=4`, `critical-ntk`); the JSON `spec` and the recommendation.
    public let spec: String
    /// The parsed scaling with T_train/T_target defaults filled in.
    public let scaling: RoPEScaling
    /// θ'_i, rad/token, and the attention factor. Shape [d/2].
    public let frequencies: RoPEFrequencies

    /// Parses `spec` with the problem's length defaults; throws `invalidCandidate` with the RoPE message.
    public init(spec: String, problem: ValidationProblem) throws {
        do {
            let scaling = try RoPESpec.parse(spec, defaults: problem.specDefaults)
            self.scaling = scaling
            frequencies = try scaling.frequencies(for: problem.geometry)
        } catch let error as RoPEError {
            throw VerdictError.invalidCandidate(spec: spec, message: error.description)
        }
        self.spec = spec.trimmingCharacters(in: .whitespaces)
    }

    /// The canonical spec (every parameter written out).
    public var canonicalSpec: String { scaling.canonicalSpec }

    /// The standard set at the implied factor s = T_target/T_train, in this order: ntk, yarn,
    /// critical-ntk, diffusion-ntk, linear, none (`yarn` takes original-context = T_train).
    public static func standardSpecs(for problem: ValidationProblem) -> [String] {
        let factor = formatted(problem.lengthRatio)
        return ["ntk:factor=\(factor)", "yarn:factor=\(factor)", "critical-ntk", "diffusion-ntk", "linear:factor=\(factor)", "none"]
    }

    /// Parses every spec (the standard set when `specs` is empty); throws on a bad spec or two
    /// specs with the same canonical form.
    public static func resolve(_ specs: [String], problem: ValidationProblem) throws -> [ValidationCandidate] {
        let texts = specs.isEmpty ? standardSpecs(for: problem) : specs
        var result: [ValidationCandidate] = []
        for text in texts {
            let candidate = try ValidationCandidate(spec: text, problem: problem)
            if let earlier = result.first(where: { $0.canonicalSpec == candidate.canonicalSpec }) {
                throw VerdictError.duplicateCandidate(spec: text, canonical: earlier.canonicalSpec)
            }
            result.append(candidate)
        }
        return result
    }

    /// Integers without a decimal point, otherwise up to 6 significant digits.
    static func formatted(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.6g", value)
    }
}
