import BLASRuntime
import Foundation
import Inference

/// Process-wide set-up that must run before ArgumentParser and before any BLAS work.
enum Startup {
    /// Runs the BLAS kernel check (`BLASStartup.prepare`, which may re-execute the process) and
    /// returns the arguments for ArgumentParser: the command line without the program name and
    /// without a leading `--verbose`, which (like `ROPESCOPE_VERBOSE=1`) prints one line on stderr
    /// saying which BLAS kernel runs and why. A bad `ROPESCOPE_BLAS_CORE` or
    /// `ROPESCOPE_QUANT_KERNEL` (integer dot kernels of quantized decode) exits with 64.
    static func prepare() -> [String] {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var verbose = ProcessInfo.processInfo.environment[BLASEnvironment.verbose] == "1"
        if arguments.first == "--verbose" {
            arguments.removeFirst()
            verbose = true
        }
        do {
            let status = try BLASStartup.prepare()
            for warning in status.warnings { printLine(warning) }
            let quantized = try QuantizedKernels.configure()
            if verbose { printLine(status.verboseLine + "; quantized dot kernel \(quantized.rawValue)") }
        } catch {
            printLine("Error: \(error)")
            exit(64)
        }
        return arguments
    }

    private static func printLine(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
