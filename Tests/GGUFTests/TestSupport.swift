import Foundation
import XCTest
@testable import GGUF

/// Paths of the repository, located from this source file (no SwiftPM resources).
enum TestPaths {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let repositoryRoot = testsDirectory.deletingLastPathComponent()
    static let fixtures = testsDirectory.appendingPathComponent("Fixtures/gguf")

    /// The real model: `$ROPESCOPE_MODEL`, else `models/SmolLM2-135M-Instruct.Q4_1.gguf`.
    static var model: URL {
        if let path = ProcessInfo.processInfo.environment["ROPESCOPE_MODEL"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return repositoryRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
    }

    /// A fresh temporary directory, removed when the test ends.
    static func temporaryDirectory(for testCase: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ggufTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

/// A fixture that cannot be read or decoded.
struct FixtureError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Decodes little-endian float32 bit patterns from base64.
func decodeFloat32Base64(_ text: String) throws -> [Float] {
    let bytes = try decodeBase64(text)
    var builder: [Float] = []
    builder.reserveCapacity(bytes.count / 4)
    for i in stride(from: 0, to: bytes.count - 3, by: 4) {
        let bits = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
        builder.append(Float(bitPattern: bits))
    }
    return builder
}

/// Decodes base64 to bytes, failing the test on malformed input.
func decodeBase64(_ text: String) throws -> [UInt8] {
    guard let data = Data(base64Encoded: text) else { throw FixtureError(message: "malformed base64 in a fixture") }
    return Array(data)
}

/// Distance in units in the last place between two finite floats of the same sign class
/// (the number of representable floats between them); `Int.max` if exactly one is NaN.
func ulpDistance(_ a: Float, _ b: Float) -> Int {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN ? 0 : Int.max }
    func ordered(_ x: Float) -> Int {
        let bits = Int(Int32(bitPattern: x.bitPattern))
        return bits < 0 ? Int(Int32.min) - bits : bits   // monotone in x, -0 and +0 both map to 0
    }
    return abs(ordered(a) - ordered(b))
}

/// Asserts `actual` matches `expected` element-wise within `maxULPs` units in the last place
/// (0 = identical values; NaN matches NaN). On failure prints the label, the first mismatches
/// and the maximum difference.
func assertFloatsMatch(_ label: String, _ actual: [Float], _ expected: [Float], maxULPs: Int,
                       file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        XCTFail("\(label): \(actual.count) values, expected \(expected.count)", file: file, line: line)
        return
    }
    var mismatches: [String] = []
    var worstULPs = 0
    var worstAbs: Float = 0
    for i in expected.indices {
        let ulps = ulpDistance(actual[i], expected[i])
        worstULPs = max(worstULPs, ulps)
        if !actual[i].isNaN, !expected[i].isNaN { worstAbs = max(worstAbs, abs(actual[i] - expected[i])) }
        if ulps > maxULPs, mismatches.count < 8 {
            mismatches.append("[\(i)] got \(actual[i]) expected \(expected[i]) (\(ulps == Int.max ? "NaN" : "\(ulps)") ulp)")
        }
    }
    if !mismatches.isEmpty {
        XCTFail("\(label): max |Δ| = \(worstAbs), max ulp = \(worstULPs) > \(maxULPs); first mismatches: "
                + mismatches.joined(separator: "; "), file: file, line: line)
    }
}

/// Runs `body` expecting a `GGUFError` that satisfies `matches` and whose description contains
/// every string in `mentions`.
func assertGGUFError<T>(_ label: String, mentions: [String] = [], file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws -> T, matches: (GGUFError) -> Bool) {
    do {
        _ = try body()
        XCTFail("\(label): expected a GGUFError, but it succeeded", file: file, line: line)
    } catch let error as GGUFError {
        XCTAssertTrue(matches(error), "\(label): unexpected error case: \(error)", file: file, line: line)
        for text in mentions {
            XCTAssertTrue(error.description.contains(text),
                          "\(label): description does not mention '\(text)': \(error.description)", file: file, line: line)
        }
    } catch {
        XCTFail("\(label): expected a GGUFError, got \(error)", file: file, line: line)
    }
}
