import Analyzers
import ArgumentParser
import RoPE
import Spectra

/// The one mapping from analyzer library errors to README exit codes, used by every analyzer
/// command (`rope`, `coverage`, `spectrum`, `conditioning`, `scale`, `sweep`) around its work:
///
/// - `RoPEError`: 64. A spec, a geometry flag or a length is user input, so a value the RoPE
///   library refuses (including a θ' outside `FrequencyLimits`) is a usage error.
/// - `SpectraError`: 64 for parameters and inputs (they come from flags and specs); 65 for a LAPACK
///   failure, which validation should make impossible (a numerical failure on the data).
/// - `AnalyzerError`: 66 for an unreadable configuration, 64 for a resource limit, 65 for any other
///   configuration problem (a file's content is data). Configurations built from flags convert
///   their errors to 64 before they get here.
/// An `ExitCode` or `ValidationError` passes through unchanged.
enum LibraryErrors {
    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RoPEError {
            throw Failure.usage(error.description)
        } catch let error as SpectraError {
            if case .lapackFailed = error { throw Failure.malformedInput(error.description) }
            throw Failure.usage(error.description)
        } catch let error as AnalyzerError {
            switch error {
            case .configUnreadable: throw Failure.unreadableInput(error.description)
            case .limitExceeded: throw Failure.usage(error.description)
            default: throw Failure.malformedInput(error.description)
            }
        }
    }
}
