/// A strict RFC 8259 checker run before `JSONSerialization`, which accepts more than the standard
/// (duplicate keys keep the last value; some builds allow trailing commas) and reports no position.
///
/// Refuses, with a 1-based line and column (columns count Unicode scalars): bytes that are not
/// UTF-8, duplicate keys in one object, trailing commas, comments, NaN/Infinity and other
/// non-JSON tokens, control characters in strings, nesting deeper than `maximumDepth`, and
/// anything after the top-level value. On success it returns where each value sits, keyed by
/// its path (`methods[0].spec`, `spectrum.length`; the root is ""), for locating later errors.
public struct StrictJSON {
    /// A position in the text, both 1-based.
    public struct Position: Equatable, Sendable {
        public var line: Int
        public var column: Int

        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
    }

    /// What is wrong and where.
    public struct Failure: Error, Equatable {
        public var position: Position
        public var reason: String
    }

    static let maximumDepth = 256

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var positions: [String: Position] = [:]

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Checks `bytes`; returns the position of every key (object members) or value (array elements).
    public static func check(_ bytes: [UInt8]) throws -> [String: Position] {
        try checkUTF8(bytes)
        var scanner = StrictJSON(bytes)
        scanner.skipWhitespace()
        try scanner.value(path: "", depth: 0)
        scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw scanner.failure("unexpected text after the top-level value") }
        return scanner.positions
    }

    /// Position of byte `offset` (line and Unicode-scalar column).
    public static func position(of offset: Int, in bytes: [UInt8]) -> Position {
        var line = 1, column = 1
        for byte in bytes[..<min(offset, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return Position(line: line, column: column)
    }

    private static func checkUTF8(_ bytes: [UInt8]) throws {
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            var length = 0
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondRange = 0x80...0x9F
            case 0xF0: length = 4; secondRange = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondRange = 0x80...0x8F
            default: length = 0
            }
            var valid = length > 0 && i + length <= bytes.count
            if valid, length > 1 {
                valid = secondRange.contains(bytes[i + 1]) && bytes[(i + 2)..<(i + length)].allSatisfy { $0 & 0xC0 == 0x80 }
            }
            guard valid else {
                throw Failure(
                    position: position(of: i, in: bytes),
                    reason: "byte 0x\(String(lead, radix: 16, uppercase: true)) is not UTF-8 (save the file as UTF-8)")
            }
            i += length
        }
    }

    private func failure(_ reason: String) -> Failure {
        Failure(position: Self.position(of: index, in: bytes), reason: reason)
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private var currentDescription: String {
        guard let byte = current else { return "the end of the file" }
        return byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func expect(_ literal: String) throws {
        for byte in literal.utf8 {
            guard current == byte else { throw failure("expected '\(literal)', found \(currentDescription)") }
            index += 1
        }
    }

    private mutating func value(path: String, depth: Int) throws {
        guard depth < Self.maximumDepth else { throw failure("nesting deeper than \(Self.maximumDepth) levels") }
        guard let byte = current else { throw failure("expected a JSON value, found the end of the file") }
        switch byte {
        case UInt8(ascii: "{"): try object(path: path, depth: depth)
        case UInt8(ascii: "["): try array(path: path, depth: depth)
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try expect("true")
        case UInt8(ascii: "f"): try expect("false")
        case UInt8(ascii: "n"): try expect("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw failure("expected a JSON value, found \(currentDescription)")
        }
    }

    private mutating func object(path: String, depth: Int) throws {
        index += 1
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return }
        var seen: Set<String> = []
        while true {
            guard current == UInt8(ascii: "\"") else {
                throw failure(current == UInt8(ascii: "}") ? "trailing comma before '}'" : "expected a key string, found \(currentDescription)")
            }
            let keyPosition = Self.position(of: index, in: bytes)
            let key = try string()
            guard seen.insert(key).inserted else {
                throw Failure(position: keyPosition, reason: "duplicate key '\(key)'")
            }
            let memberPath = path.isEmpty ? key : "\(path).\(key)"
            positions[memberPath] = keyPosition
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw failure("expected ':' after key '\(key)', found \(currentDescription)") }
            index += 1
            skipWhitespace()
            try value(path: memberPath, depth: depth + 1)
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                index += 1
                skipWhitespace()
                continue
            }
            guard current == UInt8(ascii: "}") else { throw failure("expected ',' or '}', found \(currentDescription)") }
            index += 1
            return
        }
    }

    private mutating func array(path: String, depth: Int) throws {
        index += 1
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return }
        var element = 0
        while true {
            if current == UInt8(ascii: "]") { throw failure("trailing comma before ']'") }
            let elementPath = "\(path)[\(element)]"
            positions[elementPath] = Self.position(of: index, in: bytes)
            try value(path: elementPath, depth: depth + 1)
            element += 1
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                index += 1
                skipWhitespace()
                continue
            }
            guard current == UInt8(ascii: "]") else { throw failure("expected ',' or ']', found \(currentDescription)") }
            index += 1
            return
        }
    }

    /// Reads a string token (index at the opening quote); returns its decoded text.
    private mutating func string() throws -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var start = index
        func flush(_ end: Int) { scalars.append(contentsOf: String(decoding: bytes[start..<end], as: UTF8.self).unicodeScalars) }
        while true {
            guard let byte = current else { throw failure("unterminated string") }
            if byte == UInt8(ascii: "\"") {
                flush(index)
                index += 1
                return String(scalars)
            }
            if byte < 0x20 { throw failure("control character 0x\(String(byte, radix: 16)) in a string (escape it)") }
            if byte == UInt8(ascii: "\\") {
                flush(index)
                index += 1
                guard let escape = current else { throw failure("unterminated string") }
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16)
                    else { throw failure("\\u must be followed by four hex digits") }
                    index += 4
                    scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")  // lone surrogate halves: kept as U+FFFD for key comparison
                default:
                    index -= 1
                    throw failure("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
                }
                start = index
                continue
            }
            index += 1
        }
    }

    private mutating func number() throws {
        if current == UInt8(ascii: "-") { index += 1 }
        func digits() -> Int {
            let begin = index
            while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
            return index - begin
        }
        if current == UInt8(ascii: "0") {
            index += 1
        } else {
            guard digits() > 0 else { throw failure("expected a digit, found \(currentDescription)") }
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw failure("expected a digit after '.', found \(currentDescription)") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw failure("expected exponent digits, found \(currentDescription)") }
        }
    }
}
