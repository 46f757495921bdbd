import Foundation
import ArgumentParser

/// ropescope: measure what a RoPE scaling choice does before you spend GPU weeks on it.
@main
struct RopeScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ropescope",
        abstract: "Analyse RoPE scaling for causal and bidirectional (diffusion) attention.",
        discussion: """
            Every analyzer takes the model geometry (--dim, --base or --preset), the lengths \
            (--train-length, --target-length) and a scaling spec --rope METHOD[:key=value,...]. \
            Methods: none, linear, ntk, dynamic-ntk, yarn, llama3, longrope, critical-ntk, \
            diffusion-ntk, base=VALUE. Tables by default, --json for machines, --output FILE.h5 \
            for netCDF-4/HDF5.
            Exit codes: 64 bad usage or value, 65 malformed input data, 66 unreadable input, \
            74 output could not be written.
            """,
        version: ToolInfo.version,
        subcommands: [
            RopeCommand.self, CoverageCommand.self, SpectrumCommand.self, ConditioningCommand.self,
            ScaleCommand.self, SweepCommand.self, InspectCommand.self, TokenizeCommand.self, ScoreCommand.self, GenerateCommand.self,
            TrainCommand.self, ProbeCommand.self, MergeCommand.self, ValidateCommand.self, SystemCommand.self,
        ]
    )

    /// Start-up: the BLAS kernel check (`Startup.prepare`, may re-execute the process), then signal
    /// handling for temporary files, UTF-8 arguments and exit codes (`ProcessStartup`).
    static func main() { ProcessStartup.main(Self.self, arguments: Startup.prepare()) }
}

/// Version and invocation facts recorded in every output file.
enum ToolInfo {
    static let version = "0.1.0"

    /// The exact command line, shell-quoted where needed.
    static var commandLine: String {
        CommandLine.arguments.map { argument in
            argument.contains(where: { " \t\"'$;|&()<>*?".contains($0) })
                ? "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'" : argument
        }.joined(separator: " ")
    }
}
