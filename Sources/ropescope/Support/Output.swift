import Analyzers
import ArgumentParser
import Foundation

/// Printing helpers shared by the subcommands.
enum Output {
    /// Encodes `value` as pretty, key-sorted JSON on stdout. JSON numbers stay numbers: a
    /// non-finite Double (which JSON cannot hold) is written as `null`, never as a string.
    static func printJSON<T: Encodable>(_ value: T) throws {
        FileHandle.standardOutput.write(try jsonData(value))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// The bytes `printJSON` writes (without the final newline).
    static func jsonData<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // JSONEncoder has no null strategy: encode a sentinel string, then replace it (quotes
        // included) by null. The sentinel cannot come from a report: no report holds this text.
        let sentinel = "\u{1}ropescope-nonfinite\u{1}"
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: sentinel, negativeInfinity: sentinel, nan: sentinel)
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        let quoted = String(decoding: try encoder.encode([sentinel]), as: UTF8.self)
            .trimmingCharacters(in: CharacterSet(charactersIn: "[] \n"))
        return Data(text.replacingOccurrences(of: quoted, with: "null").utf8)
    }

    /// A finite value, or nil.
    static func finite(_ value: Double?) -> Double? {
        guard let value, value.isFinite else { return nil }
        return value
    }

    /// Short human formatting: integers as is, others with `digits` significant digits.
    static func number(_ value: Double, digits: Int = 6) -> String {
        if !value.isFinite { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.\(digits)g", value)
    }

    /// The first line of a per-spec table: spec, d, b and both lengths.
    static func header(_ setup: AnalysisSetup, spec: String) -> String {
        "spec \(spec)  d=\(setup.geometry.rotaryDimension)  b=\(number(setup.geometry.base))"
            + "  T_train=\(setup.trainLength)  T_target=\(setup.targetLength)"
    }

    /// Prints "warning: MESSAGE" on stderr (not "Error: warning: ...": the command goes on).
    static func printWarning(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(TerminalText.escaped(message))\n".utf8))
    }

    /// Prints `Error: message` on stderr, with terminal controls escaped (`TerminalText`): messages
    /// quote keys, tensor names and paths from files.
    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("Error: \(TerminalText.escaped(message))\n".utf8))
    }

    static func progress(_ message: String) {
        FileHandle.standardError.write(Data("\r\(message)".utf8))
    }
}

/// A right-aligned plain-text table.
struct TextTable {
    let header: [String]
    var rows: [[String]] = []

    init(_ header: String...) { self.header = header }

    init(_ header: [String]) { self.header = header }

    mutating func add(_ cells: [String]) { rows.append(cells) }

    func render() -> String {
        let widths = header.indices.map { column in
            ([header[column]] + rows.map { column < $0.count ? $0[column] : "" }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
            + rows.map(line)).joined(separator: "\n")
    }
}

/// Exit codes (sysexits.h) for failures found after argument validation.
enum Failure {
    /// Prints the message and exits with EX_USAGE (64), for usage problems found only at run time.
    static func usage(_ message: String) -> ExitCode {
        Output.printError(message)
        return ExitCode(64)
    }

    /// Prints the message and exits with EX_NOINPUT (66).
    static func unreadableInput(_ message: String) -> ExitCode {
        Output.printError(message)
        return ExitCode(66)
    }

    /// Prints the message and exits with EX_DATAERR (65).
    static func malformedInput(_ message: String) -> ExitCode {
        Output.printError(message)
        return ExitCode(65)
    }

    /// Prints the message and exits with EX_IOERR (74).
    static func writeFailed(_ message: String) -> ExitCode {
        Output.printError(message)
        return ExitCode(74)
    }
}

/// Encodes an optional as JSON `null` instead of omitting the key, so every documented key is
/// always present.
@propertyWrapper
struct EncodeNull<Value: Encodable>: Encodable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
