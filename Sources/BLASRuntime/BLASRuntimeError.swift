/// Errors of the BLAS runtime set-up; each message names the value and what is allowed.
public enum BLASRuntimeError: Error, Equatable, CustomStringConvertible, Sendable {
    /// `ROPESCOPE_BLAS_CORE` holds a value that is neither `auto`, `keep` nor a selectable kernel.
    case unknownCoreSetting(value: String, allowed: [String])
    /// `ROPESCOPE_BLAS_CORE` names a kernel whose instructions this CPU (or OS) lacks.
    case unsupportedKernel(name: String, needs: String, available: String)
    /// Re-executing the process failed (`execv` returned).
    case reexecFailed(path: String, errno: Int32)

    public var description: String {
        switch self {
        case let .unknownCoreSetting(value, allowed):
            "\(BLASEnvironment.coreSetting)='\(value)' is not a valid setting; allowed: \(allowed.joined(separator: ", "))"
        case let .unsupportedKernel(name, needs, available):
            "\(BLASEnvironment.coreSetting)=\(name) needs \(needs), which this CPU does not offer (usable: \(available.isEmpty ? "none" : available))"
        case let .reexecFailed(path, errno):
            "could not re-execute \(path) to switch the BLAS kernel (errno \(errno))"
        }
    }
}
