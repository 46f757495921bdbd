import Foundation

/// The environment variables of the kernel correction.
public enum BLASEnvironment {
    /// OpenBLAS's own override, read once when the library loads. A user's value is never changed.
    public static let openBLASCoreType = "OPENBLAS_CORETYPE"
    /// ropescope's setting: `auto` (default), `keep`, or a kernel name from `BLASKernel.selectable`.
    public static let coreSetting = "ROPESCOPE_BLAS_CORE"
    /// Internal guard set on a re-executed process (see `BLASReexecStage`); never set it by hand.
    public static let reexecGuard = "ROPESCOPE_BLAS_REEXEC"
    /// `1` prints one line on stderr saying which kernel runs and why (same as a leading `--verbose`).
    public static let verbose = "ROPESCOPE_VERBOSE"
}

/// The value of `ROPESCOPE_BLAS_CORE`.
public enum BLASCoreSetting: Equatable, Sendable {
    /// Correct a generic fallback kernel to the best one this CPU runs (the default).
    case auto
    /// Never change OpenBLAS's choice.
    case keep
    /// Run this kernel (canonical spelling), if the CPU can.
    case kernel(String)

    /// Parses the variable's value (case-insensitive; unset or empty = `auto`).
    /// - Throws: `BLASRuntimeError.unknownCoreSetting` naming the allowed values.
    public static func parse(_ raw: String?) throws -> BLASCoreSetting {
        guard let raw, !raw.isEmpty else { return .auto }
        switch raw.lowercased() {
        case "auto": return .auto
        case "keep": return .keep
        default:
            guard let name = BLASKernel.canonicalName(raw), BLASKernel.selectable[name] != nil else {
                throw BLASRuntimeError.unknownCoreSetting(value: raw, allowed: allowedValues)
            }
            return .kernel(name)
        }
    }

    /// `auto`, `keep` and the selectable kernel names, in OpenBLAS's order.
    public static var allowedValues: [String] {
        ["auto", "keep"] + BLASKernel.openBLASNames.filter { BLASKernel.selectable[$0] != nil }
    }
}

/// Where a process stands in the re-exec sequence, read from `ROPESCOPE_BLAS_REEXEC`.
///
/// A process re-executes at most twice: once to request a kernel (`requested`), and, if that
/// kernel fails its verification, once more without `OPENBLAS_CORETYPE` (`fellBack`), after which
/// nothing is ever re-executed. The guard's value travels in the environment, so the sequence
/// cannot loop whatever the kernels do.
public enum BLASReexecStage: Equatable, Sendable {
    /// Not re-executed: this is the process the user started.
    case none
    /// Re-executed with `OPENBLAS_CORETYPE = kernel`; `original` is what OpenBLAS chose itself.
    case requested(kernel: String, original: String, forced: Bool)
    /// Re-executed once more with OpenBLAS's own choice because the requested kernel failed.
    case fellBack(reason: String)

    /// Parses the guard's value: `requested,<kernel>,<original>,<auto|forced>` or
    /// `fallback,<reason>`; anything else present counts as `fellBack` (no further re-exec).
    public static func parse(_ raw: String?) -> BLASReexecStage {
        guard let raw, !raw.isEmpty else { return .none }
        let parts = raw.split(separator: ",", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        if parts.count == 4, parts[0] == "requested" {
            return .requested(kernel: parts[1], original: parts[2], forced: parts[3] == "forced")
        }
        if parts.first == "fallback" {
            return .fellBack(reason: raw.dropFirst("fallback,".count).isEmpty ? "unknown" : String(raw.dropFirst("fallback,".count)))
        }
        return .fellBack(reason: "unrecognised \(BLASEnvironment.reexecGuard) value '\(raw)'")
    }

    /// The guard's value for this stage.
    public var encoded: String? {
        switch self {
        case .none: nil
        case let .requested(kernel, original, forced): "requested,\(kernel),\(original),\(forced ? "forced" : "auto")"
        case let .fellBack(reason): "fallback,\(reason)"
        }
    }
}

/// What the process started by the user does about its BLAS kernel.
public enum BLASKernelDecision: Equatable, Sendable {
    /// Run with the kernel OpenBLAS chose.
    case keep(BLASKeepReason)
    /// Re-execute once with `OPENBLAS_CORETYPE = kernel` (`forced`: asked for by
    /// `ROPESCOPE_BLAS_CORE=<kernel>`, else the automatic correction of `original`).
    case reexec(kernel: String, original: String, forced: Bool)
}

/// Why OpenBLAS's kernel is kept.
public enum BLASKeepReason: Equatable, Sendable {
    /// The kernel is not a generic fallback, or nothing better fits the CPU.
    case goodKernel
    /// The CPU has no AVX2 + FMA, so no kernel beats OpenBLAS's choice.
    case noBetterKernel
    /// The user set `OPENBLAS_CORETYPE` (value as given); it is always respected.
    case userCoreType(String)
    /// `ROPESCOPE_BLAS_CORE=keep`.
    case disabled
    /// The requested kernel is already the one running.
    case alreadyRunning
    /// OpenBLAS was built without `DYNAMIC_ARCH`: it has one kernel and ignores `OPENBLAS_CORETYPE`.
    case notDynamicArch
    /// This process was already re-executed (`ROPESCOPE_BLAS_REEXEC` set): never again.
    case alreadyReexecuted

    /// One phrase for the `--verbose` line and `ropescope system`.
    public var description: String {
        switch self {
        case .goodKernel: "not a generic fallback"
        case .noBetterKernel: "the CPU has no AVX2+FMA, no better kernel exists"
        case let .userCoreType(value): "\(BLASEnvironment.openBLASCoreType)=\(value) set by the user"
        case .disabled: "\(BLASEnvironment.coreSetting)=keep"
        case .alreadyRunning: "the requested kernel is already running"
        case .notDynamicArch: "this OpenBLAS has a single kernel (no DYNAMIC_ARCH)"
        case .alreadyReexecuted: "already re-executed once"
        }
    }
}

/// The kernel-correction policy as pure functions of what OpenBLAS chose, the CPU and the
/// environment, so that every branch is testable without re-executing anything.
public enum BLASKernelPolicy {
    /// The decision of a process about to do its first BLAS work.
    ///
    /// In order: a re-executed process never re-executes again (the guard is checked elsewhere
    /// for verification); a user's `OPENBLAS_CORETYPE` is kept; `keep` keeps; a single-kernel
    /// OpenBLAS keeps; `ROPESCOPE_BLAS_CORE=<kernel>` re-executes into that kernel if the CPU meets
    /// its requirement; `auto` re-executes only when the running kernel is a generic fallback
    /// (`BLASKernel.genericFallbacks`) and the CPU runs a better one (`BLASKernel.best`).
    /// - Parameters:
    ///   - corename: `openblas_get_corename()` of this process.
    ///   - dynamicArch: whether `openblas_get_config()` lists `DYNAMIC_ARCH`.
    ///   - features: the CPU's usable features.
    ///   - environment: the process environment (only the `BLASEnvironment` keys are read).
    /// - Throws: `BLASRuntimeError.unknownCoreSetting` for a bad `ROPESCOPE_BLAS_CORE`,
    ///   `.unsupportedKernel` for a kernel this CPU cannot run.
    public static func decide(corename: String, dynamicArch: Bool, features: CPUFeatures,
                              environment: [String: String]) throws -> BLASKernelDecision {
        let setting = try BLASCoreSetting.parse(environment[BLASEnvironment.coreSetting])
        if BLASReexecStage.parse(environment[BLASEnvironment.reexecGuard]) != .none {
            return .keep(.alreadyReexecuted)
        }
        if let user = environment[BLASEnvironment.openBLASCoreType], !user.isEmpty { return .keep(.userCoreType(user)) }
        switch setting {
        case .keep:
            return .keep(.disabled)
        case let .kernel(name):
            guard dynamicArch else { return .keep(.notDynamicArch) }
            if name.caseInsensitiveCompare(corename) == .orderedSame { return .keep(.alreadyRunning) }
            if let requirement = BLASKernel.selectable[name], !requirement.isMet(by: features) {
                throw BLASRuntimeError.unsupportedKernel(name: name, needs: requirement.rawValue,
                                                         available: features.names.joined(separator: " "))
            }
            return .reexec(kernel: name, original: corename, forced: true)
        case .auto:
            guard dynamicArch else { return .keep(.notDynamicArch) }
            guard let best = BLASKernel.best(for: features) else { return .keep(.noBetterKernel) }
            let running = BLASKernel.canonicalName(corename) ?? corename
            guard BLASKernel.genericFallbacks.contains(running), running != best else { return .keep(.goodKernel) }
            return .reexec(kernel: best, original: running, forced: false)
        }
    }

    /// The verdict of a re-executed process on the kernel it asked for: nil when `corename` is the
    /// requested kernel and the self-check passed, else the reason to fall back.
    public static func verify(requested: String, corename: String, selfCheck: BLASSelfCheck.Result) -> String? {
        guard requested.caseInsensitiveCompare(corename) == .orderedSame else {
            return "OpenBLAS ran \(corename) instead of the requested \(requested)"
        }
        guard selfCheck.passed else { return "the \(requested) kernel failed the sgemm self-check (\(selfCheck.summary))" }
        return nil
    }

    /// A warning when the user's `OPENBLAS_CORETYPE` is not the kernel running: OpenBLAS silently
    /// replaces names it does not know (and, in 0.3.21, `Cooperlake` and the 32-bit cores).
    public static func userCoreTypeWarning(userValue: String, corename: String) -> String? {
        guard userValue.caseInsensitiveCompare(corename) != .orderedSame else { return nil }
        let known = BLASKernel.canonicalName(userValue) != nil
        return "warning: \(BLASEnvironment.openBLASCoreType)=\(userValue) is "
            + (known ? "not honoured by this OpenBLAS" : "not a kernel this OpenBLAS knows")
            + "; it runs \(corename) instead (known kernels: \(BLASKernel.openBLASNames.joined(separator: ", ")))"
    }
}
