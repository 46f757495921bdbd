/// Errors from the `Spectra` target. Every case says what is wrong, where, and what was allowed,
/// so a CLI can print `description` as is.
public enum SpectraError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A numeric parameter is outside its allowed range (or not finite).
    case invalidParameter(name: String, value: String, allowed: String)
    /// An input array is empty where at least `minimum` elements are needed.
    case emptyInput(name: String, minimum: Int)
    /// Two arrays that must have the same length do not (e.g. weights vs. inverse frequencies).
    case lengthMismatch(name: String, count: Int, expected: Int)
    /// An input array holds a NaN or infinity.
    case nonFiniteInput(name: String, index: Int, value: Double)
    /// FFTW returned no plan for a transform of this kind and size.
    case fftPlanFailed(kind: String, size: Int)
    /// `fftw_malloc` could not provide scratch memory of this many bytes.
    case allocationFailed(bytes: Int)
    /// A LAPACK routine reported `info != 0` (negative: bad argument number; positive: no convergence).
    case lapackFailed(routine: String, info: Int)

    /// One line: what is wrong, where, and what was allowed.
    public var description: String {
        switch self {
        case let .invalidParameter(name, value, allowed):
            return "invalid \(name) \(value): allowed \(allowed)"
        case let .emptyInput(name, minimum):
            return "\(name) is empty: at least \(minimum) element\(minimum == 1 ? "" : "s") needed"
        case let .lengthMismatch(name, count, expected):
            return "\(name) has \(count) values: expected exactly \(expected)"
        case let .nonFiniteInput(name, index, value):
            return "\(name)[\(index)] is \(value): allowed finite numbers only"
        case let .fftPlanFailed(kind, size):
            return "FFTW could not plan a \(kind) transform of size \(size): allowed sizes 1...\(FFTPlanCache.maximumSize)"
        case let .allocationFailed(bytes):
            return "could not allocate \(bytes) bytes of FFT scratch memory: reduce the signal length or padding factor"
        case let .lapackFailed(routine, info):
            let reason = info < 0 ? "argument \(-info) was invalid" : "did not converge (info \(info))"
            return "LAPACK \(routine) failed: \(reason)"
        }
    }
}

/// Validation helpers shared by the target; each throws a `SpectraError` naming the parameter.
enum Validate {
    static func finite(_ values: [Double], _ name: String) throws {
        for (index, value) in values.enumerated() where !value.isFinite {
            throw SpectraError.nonFiniteInput(name: name, index: index, value: value)
        }
    }

    static func nonEmpty(_ values: [Double], _ name: String) throws {
        guard !values.isEmpty else { throw SpectraError.emptyInput(name: name, minimum: 1) }
    }

    static func positive(_ value: Int, _ name: String, maximum: Int = Int.max) throws {
        guard value >= 1, value <= maximum else {
            let allowed = maximum == Int.max ? "an integer >= 1" : "an integer in 1...\(maximum)"
            throw SpectraError.invalidParameter(name: name, value: "\(value)", allowed: allowed)
        }
    }
}
