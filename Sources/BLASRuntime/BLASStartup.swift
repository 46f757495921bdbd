import Foundation
import Synchronization

/// What the process runs on, and what the start-up check did about it (`ropescope system`).
public struct BLASKernelStatus: Equatable, Sendable {
    /// What happened to OpenBLAS's kernel choice.
    public enum Action: String, Sendable {
        /// OpenBLAS's own choice runs (see `reason`).
        case kept
        /// A generic fallback kernel was replaced by the best one for this CPU.
        case corrected
        /// `ROPESCOPE_BLAS_CORE=<kernel>` selected the kernel.
        case forced
        /// The requested kernel failed its verification; OpenBLAS's own choice runs.
        case fellBack = "fell-back"
        /// The user's `OPENBLAS_CORETYPE` decides.
        case userSet = "user-set"
    }

    /// The kernel running now (`openblas_get_corename()`).
    public var kernel: String
    public var action: Action
    /// Why, in a few words.
    public var reason: String
    /// The kernel OpenBLAS chose by itself, when this process knows it (it differs after a re-exec).
    public var openBLASChoice: String?
    /// The self-check of a requested kernel (nil when none was requested).
    public var selfCheck: BLASSelfCheck.Result?
    /// Lines for stderr, each starting with "warning:".
    public var warnings: [String]

    /// The one line `--verbose` prints.
    public var verboseLine: String {
        var line = "ropescope: BLAS kernel \(kernel) (\(action.rawValue): \(reason)"
        if let openBLASChoice, openBLASChoice != kernel { line += "; OpenBLAS chose \(openBLASChoice)" }
        if let selfCheck { line += "; sgemm self-check \(selfCheck.passed ? "passed" : "failed"), \(selfCheck.summary)" }
        return line + ")"
    }
}

/// The start-up check of the BLAS kernel (issue 13), run by the CLI before any BLAS work.
///
/// OpenBLAS picks its kernel once, when the library loads, from CPUID or `OPENBLAS_CORETYPE`. On a
/// CPU model it does not know (new Intel Xeons behind a hypervisor, with 0.3.21) it picks a generic
/// SSE3 kernel and runs at a third of the speed. Since the choice cannot be changed after loading,
/// the correction re-executes the process (`/proc/self/exe`, same arguments) with
/// `OPENBLAS_CORETYPE` set, and the new process checks that OpenBLAS runs the requested kernel and
/// that it passes `BLASSelfCheck`; otherwise it re-executes once more without the variable. The
/// guard `ROPESCOPE_BLAS_REEXEC` bounds this at two re-executions (`BLASReexecStage`).
public enum BLASStartup {
    private static let recorded = Mutex<BLASKernelStatus?>(nil)

    /// The status recorded by `prepare`, or, in a process that never called it (library use,
    /// tests), the status of OpenBLAS's choice as it stands (nothing is re-executed).
    public static var status: BLASKernelStatus {
        if let status = recorded.withLock({ $0 }) { return status }
        let environment = ProcessInfo.processInfo.environment
        let stage = BLASReexecStage.parse(environment[BLASEnvironment.reexecGuard])
        return describe(stage: stage, decision: nil, corename: BLASLibrary.corename, environment: environment, selfCheck: nil)
    }

    /// Checks the kernel and re-executes the process when the policy says so. Returns only when
    /// this process keeps its kernel; records and returns its status. Call it first thing in
    /// `main`, before any thread or BLAS call exists.
    /// A failed `execv` is not an error: the process goes on with its kernel and a warning.
    /// - Throws: `BLASRuntimeError` for a bad `ROPESCOPE_BLAS_CORE` or a kernel this CPU cannot run.
    @discardableResult
    public static func prepare() throws -> BLASKernelStatus {
        let environment = ProcessInfo.processInfo.environment
        let corename = BLASLibrary.corename
        let stage = BLASReexecStage.parse(environment[BLASEnvironment.reexecGuard])
        var decision: BLASKernelDecision?
        var selfCheck: BLASSelfCheck.Result?
        switch stage {
        case .none:
            let made = try BLASKernelPolicy.decide(corename: corename, dynamicArch: BLASLibrary.isDynamicArch,
                                                   features: CPUFeatures.detect(), environment: environment)
            if case let .reexec(kernel, original, forced) = made {
                let failure = reexec(coreType: kernel, stage: .requested(kernel: kernel, original: original, forced: forced))
                return record(failedReexec(failure, corename: corename))
            }
            decision = made
        case let .requested(kernel, _, _):
            let check = BLASSelfCheck.run()
            selfCheck = check
            if let reason = BLASKernelPolicy.verify(requested: kernel, corename: corename, selfCheck: check) {
                let failure = reexec(coreType: nil, stage: .fellBack(reason: reason))
                var status = failedReexec(failure, corename: corename)
                status.warnings.insert("warning: \(reason)", at: 0)
                return record(status)
            }
        case .fellBack:
            break
        }
        return record(describe(stage: stage, decision: decision, corename: corename, environment: environment,
                               selfCheck: selfCheck))
    }

    private static func record(_ status: BLASKernelStatus) -> BLASKernelStatus {
        recorded.withLock { $0 = status }
        return status
    }

    /// The status when `execv` failed: the process goes on with the kernel it has.
    private static func failedReexec(_ error: BLASRuntimeError, corename: String) -> BLASKernelStatus {
        BLASKernelStatus(kernel: corename, action: .fellBack, reason: error.description, openBLASChoice: nil,
                         selfCheck: nil, warnings: ["warning: \(error); running \(corename)"])
    }

    /// The status of a process at `stage` that keeps `corename`.
    static func describe(stage: BLASReexecStage, decision: BLASKernelDecision?, corename: String,
                         environment: [String: String], selfCheck: BLASSelfCheck.Result?) -> BLASKernelStatus {
        switch stage {
        case let .requested(kernel, original, forced):
            return BLASKernelStatus(
                kernel: corename, action: forced ? .forced : .corrected,
                reason: forced ? "\(BLASEnvironment.coreSetting)=\(kernel)"
                    : "OpenBLAS chose the generic \(original) on a CPU that runs \(kernel)",
                openBLASChoice: original, selfCheck: selfCheck, warnings: [])
        case let .fellBack(reason):
            return BLASKernelStatus(kernel: corename, action: .fellBack, reason: reason, openBLASChoice: corename,
                                    selfCheck: nil,
                                    warnings: ["warning: BLAS kernel not switched: \(reason); running OpenBLAS's own choice \(corename)"])
        case .none:
            if let user = environment[BLASEnvironment.openBLASCoreType], !user.isEmpty {
                var warnings = BLASKernelPolicy.userCoreTypeWarning(userValue: user, corename: corename).map { [$0] } ?? []
                if case let .kernel(name)? = try? BLASCoreSetting.parse(environment[BLASEnvironment.coreSetting]) {
                    warnings.append("warning: \(BLASEnvironment.coreSetting)=\(name) ignored: \(BLASEnvironment.openBLASCoreType)=\(user) is set and always wins")
                }
                return BLASKernelStatus(kernel: corename, action: .userSet,
                                        reason: BLASKeepReason.userCoreType(user).description, openBLASChoice: nil,
                                        selfCheck: nil, warnings: warnings)
            }
            let reason: String
            if case let .keep(why) = decision { reason = why.description } else { reason = "start-up check not run" }
            return BLASKernelStatus(kernel: corename, action: .kept, reason: reason, openBLASChoice: corename,
                                    selfCheck: nil, warnings: [])
        }
    }

    /// Replaces the process image with the same executable and arguments, `OPENBLAS_CORETYPE` set
    /// to `coreType` (or removed) and the guard set to `stage`. Returns only when `execv` failed
    /// (environment restored).
    private static func reexec(coreType: String?, stage: BLASReexecStage) -> BLASRuntimeError {
        let (previousCoreType, previousGuard) = (getenv(BLASEnvironment.openBLASCoreType).map { String(cString: $0) },
                                                 getenv(BLASEnvironment.reexecGuard).map { String(cString: $0) })
        if let coreType { setenv(BLASEnvironment.openBLASCoreType, coreType, 1) } else { unsetenv(BLASEnvironment.openBLASCoreType) }
        setenv(BLASEnvironment.reexecGuard, stage.encoded ?? "", 1)
        fflush(nil)
        #if os(Linux)
        let path = "/proc/self/exe"
        #else
        let path = CommandLine.arguments.first ?? ""
        #endif
        execv(path, CommandLine.unsafeArgv)
        let failure = BLASRuntimeError.reexecFailed(path: path, errno: errno)
        for (name, value) in [(BLASEnvironment.openBLASCoreType, previousCoreType), (BLASEnvironment.reexecGuard, previousGuard)] {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
        return failure
    }
}
