import XCTest
@testable import GGUF

/// One handcrafted file per header defect, each paired with a success control that differs
/// only in the defect (the pattern of llama.cpp `tests/test-gguf.cpp`).
final class BadFileHeaderTests: XCTestCase {
    func testControlFileParses() throws {
        let file = try GGUFFile(bytes: TinyFile().bytes())
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.tensors.map(\.name), ["w"])
        XCTAssertEqual(try file.metadata.string(forKey: "general.name"), "tiny")
    }

    func testBadMagic() {
        checkDefect("bad magic", mentions: ["magic", "GGUF"], defect: { $0.magic = Array("GGUX".utf8) }) {
            $0 == .badMagic(found: Array("GGUX".utf8))
        }
    }

    func testVersionZero() {
        checkDefect("version 0", mentions: ["version 0"], defect: { $0.version = 0 }) { $0 == .unsupportedVersion(found: 0) }
    }

    func testVersionOne() {
        checkDefect("version 1", mentions: ["version 1", "no longer supported"], defect: { $0.version = 1 }) {
            $0 == .unsupportedVersion(found: 1)
        }
    }

    func testFutureVersionFour() {
        checkDefect("version 4", mentions: ["version 4", "2 and 3"], defect: { $0.version = 4 }) {
            $0 == .unsupportedVersion(found: 4)
        }
    }

    func testBigEndianVersionIsExplained() {
        checkDefect("byte-swapped version 3", mentions: ["big-endian"], defect: { $0.version = UInt32(3).byteSwapped }) {
            $0 == .unsupportedVersion(found: UInt32(3).byteSwapped)
        }
    }

    func testVersionTwoParses() throws {
        var tiny = TinyFile()
        tiny.version = 2
        XCTAssertEqual(try GGUFFile(bytes: tiny.bytes()).version, 2)
    }

    func testAbsurdTensorCount() {
        checkDefect("tensor count 2^62", mentions: ["tensor count 4611686018427387904"],
                    defect: { $0.tensorCount = 1 << 62 }) {
            if case .tensorCountExceedsFile(1 << 62, _, 24) = $0 { return true }
            return false
        }
    }

    func testAbsurdKeyValueCount() {
        checkDefect("key/value count 2^62", mentions: ["key/value count 4611686018427387904"],
                    defect: { $0.keyValueCount = 1 << 62 }) {
            if case .keyValueCountExceedsFile(1 << 62, _, 24) = $0 { return true }
            return false
        }
    }

    func testEmptyFile() {
        XCTAssertNoThrow(try GGUFFile(bytes: TinyFile().bytes()), "control")
        assertGGUFError("empty file", mentions: ["magic", "byte 0"], { try GGUFFile(bytes: [UInt8]()) }) {
            $0 == .unexpectedEndOfFile(reading: "magic", offset: 0, needed: 4, available: 0)
        }
    }

    func testEmptyFileOnDisk() throws {
        let url = try TestPaths.temporaryDirectory(for: self).appendingPathComponent("empty.gguf")
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: Data()))
        assertGGUFError("empty file on disk", mentions: ["magic"], { try GGUFFile(url: url) }) {
            if case .unexpectedEndOfFile(reading: "magic", offset: 0, needed: 4, available: 0) = $0 { return true }
            return false
        }
    }

    func testOnlyMagic() {
        let full = TinyFile().bytes()
        XCTAssertNoThrow(try GGUFFile(bytes: full), "control")
        assertGGUFError("only the magic", mentions: ["version", "byte 4"], { try GGUFFile(bytes: Array(full.prefix(4))) }) {
            $0 == .unexpectedEndOfFile(reading: "version", offset: 4, needed: 4, available: 0)
        }
    }

    func testTruncatedInsideHeaderCounts() {
        let full = TinyFile().bytes()
        assertGGUFError("cut in key/value count", mentions: ["key/value count"], { try GGUFFile(bytes: Array(full.prefix(20))) }) {
            $0 == .unexpectedEndOfFile(reading: "key/value count", offset: 16, needed: 8, available: 4)
        }
    }

    func testMissingFile() {
        assertGGUFError("missing file", mentions: ["/nonexistent/x.gguf"], { try GGUFFile(path: "/nonexistent/x.gguf") }) {
            if case .cannotOpen(path: "/nonexistent/x.gguf", _) = $0 { return true }
            return false
        }
    }

    func testDirectoryIsNotAFile() throws {
        let dir = try TestPaths.temporaryDirectory(for: self)
        assertGGUFError("directory", mentions: ["is a directory: allowed a regular file"], { try GGUFFile(url: dir) }) {
            if case .cannotOpen = $0 { return true }
            return false
        }
    }
}

extension XCTestCase {
    /// Asserts `base` parses and `base` modified by `defect` fails with a matching error whose
    /// description mentions each of `mentions`.
    func checkDefect(_ label: String, mentions: [String], base: TinyFile = TinyFile(),
                     file: StaticString = #filePath, line: UInt = #line,
                     defect: (inout TinyFile) -> Void, matches: (GGUFError) -> Bool) {
        XCTAssertNoThrow(try GGUFFile(bytes: base.bytes()), "\(label): control must parse", file: file, line: line)
        var bad = base
        defect(&bad)
        assertGGUFError(label, mentions: mentions, file: file, line: line, { try GGUFFile(bytes: bad.bytes()) },
                        matches: matches)
    }

    /// Asserts `control` parses and `defect` fails with a matching error (for byte-level edits).
    func checkDefectBytes(_ label: String, mentions: [String], control: [UInt8], defect: [UInt8],
                          file: StaticString = #filePath, line: UInt = #line, matches: (GGUFError) -> Bool) {
        XCTAssertNoThrow(try GGUFFile(bytes: control), "\(label): control must parse", file: file, line: line)
        assertGGUFError(label, mentions: mentions, file: file, line: line, { try GGUFFile(bytes: defect) },
                        matches: matches)
    }
}
