import Analyzers
import ArgumentParser
import RoPE

/// --preset / --dim / --base / --train-length / --target-length, shared by every analyzer.
///
/// Numeric options parse `.unconditional`ly, so a negative value such as `--dim -2` reaches
/// validation and gets the range message instead of "Missing value".
struct ModelOptions: ParsableArguments {
    @Option(help: "Model geometry preset: \(ModelPreset.allCases.map(\.rawValue).joined(separator: ", ")). Flags override it.")
    var preset: ModelPreset?

    @Option(name: .customLong("dim"), parsing: .unconditional, help: "Rotary dimension d (even, 2...65536).")
    var rotaryDimension: Int?

    @Option(parsing: .unconditional, help: "RoPE base b (rope_theta, > 1).")
    var base: Double?

    @Option(parsing: .unconditional, help: "Training context T_train in tokens (k/m suffixes allowed).", transform: LengthArgument.parse)
    var trainLength: Int?

    @Option(parsing: .unconditional, help: "Target context T_target in tokens (k/m suffixes allowed).", transform: LengthArgument.parse)
    var targetLength: Int?

    /// Geometry from flags or preset; throws ValidationError naming the missing/invalid option.
    func geometry() throws -> RotaryGeometry {
        guard let d = rotaryDimension ?? preset?.rotaryDimension else {
            throw ValidationError("missing --dim (or --preset): the rotary dimension d, an even integer in 2...65536")
        }
        guard let b = base ?? preset?.base else {
            throw ValidationError("missing --base (or --preset): the RoPE base, a finite number > 1")
        }
        return try ValidatedRoPE.call { try RotaryGeometry(rotaryDimension: d, base: b) }
    }

    /// T_train from the flag or preset.
    var resolvedTrainLength: Int? { trainLength ?? preset?.trainLength }

    /// T_train, required.
    func requiredTrainLength() throws -> Int {
        guard let length = resolvedTrainLength else {
            throw ValidationError("missing --train-length (or --preset): the training context in tokens, an integer >= 1")
        }
        return length
    }

    /// T_target, required.
    func requiredTargetLength() throws -> Int {
        guard let length = targetLength else {
            throw ValidationError("missing --target-length: the target context in tokens, an integer >= 1")
        }
        return length
    }

    /// Defaults a spec may take its lengths from.
    var specDefaults: RoPESpecDefaults { RoPESpecDefaults(trainLength: resolvedTrainLength, targetLength: targetLength) }
}

extension ModelPreset: ExpressibleByArgument {}

/// Length arguments: positive integers with optional k/m suffix.
enum LengthArgument {
    static func parse(_ text: String) throws -> Int {
        guard let value = parseLength(text), value >= 1, value <= RoPESpec.maximumLength else {
            throw ValidationError(
                "invalid length '\(text)': allowed an integer >= 1 and <= \(RoPESpec.maximumLength) (2^40), "
                    + "optionally with k (×1024) or m (×1024²)")
        }
        return value
    }
}

/// Turns `RoPEError`s into `ValidationError`s (exit 64) carrying the same message.
enum ValidatedRoPE {
    static func call<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RoPEError {
            throw ValidationError(error.description)
        }
    }
}
