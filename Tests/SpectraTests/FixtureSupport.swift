import Foundation
import XCTest

/// Locates and decodes the numpy fixtures in Tests/Fixtures/numpy (see the README there).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("numpy")

    static func load<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(T.self, from: data)
    }
}

struct SpectraFixture: Decodable {
    let rotaryDimension: Int
    let base: Double
    let length: Int
    let inverseFrequency: [Double]
    let weights: [Double]
    let cases: [RegimeCase]

    struct RegimeCase: Decodable {
        let regime: String
        let firstDistance: Int
        let kernel: [Double]
        let decay: Decay
        let spectra: [Spectrum]
        let conditioning: Conditioning
    }

    struct Decay: Decodable {
        let envelope: [Double]
        let upperEnvelope: [Double]
        let threshold: Double
        let firstCrossingDistance: Int?
        let settlingDistance: Int?
    }

    struct Spectrum: Decodable {
        let window: String
        let paddingFactor: Int
        let fftLength: Int
        let halfWidth: Double
        let power: [Double]
        let leakage: [Double]
        let resolvable: [Bool]
        let nearestNeighbourDistance: [Double]
    }
}

struct Conditioning: Decodable {
    let regime: String
    let length: Int
    let pairCount: Int
    let inverseFrequency: [Double]
    let rows: Int
    let columns: Int
    let singularValues: [Double]
    let numericalRank: Int
    let cond: Double
    let effectiveRank: Double
}

struct BasicsFixture: Decodable {
    struct Window: Decodable {
        let window: String
        let length: Int
        let symmetry: String
        let coefficients: [Double]
    }

    struct RawSpectrum: Decodable {
        let window: String
        let paddingFactor: Int
        let fftLength: Int
        let power: [Double]
    }

    let windows: [Window]
    let signal: [Double]
    let rawSpectra: [RawSpectrum]
    let largeConditioning: [Conditioning]
    let wellConditioned: [Conditioning]
}

/// Fails unless |a_j − e_j| ≤ absolute + relative·max(|a_j|, |e_j|) for every j (a symmetric
/// test) and both values are finite. On failure prints the label, the first five mismatches and the largest difference;
/// with SPECTRA_PRINT_DIFFS set in the environment it prints the margins of passing checks too.
func assertClose(
    _ actual: [Double], _ expected: [Double], relative: Double, absolute: Double, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    guard actual.count == expected.count else {
        XCTFail("\(label): count \(actual.count) != expected \(expected.count)", file: file, line: line)
        return
    }
    var mismatches: [String] = []
    var maxDifference = 0.0
    var failures = 0
    var worstRatio = 0.0
    for j in actual.indices {
        // NaN or ±inf never passes (inf − inf is NaN, and an infinite allowance would accept anything).
        let bothFinite = actual[j].isFinite && expected[j].isFinite
        let difference = bothFinite ? abs(actual[j] - expected[j]) : .infinity
        maxDifference = max(maxDifference, difference.isNaN ? .infinity : difference)
        let allowed = absolute + relative * max(abs(actual[j]), abs(expected[j]))
        worstRatio = max(worstRatio, allowed > 0 ? difference / allowed : (difference == 0 ? 0 : .infinity))
        if !bothFinite || !(difference <= allowed) {
            failures += 1
            if mismatches.count < 5 {
                mismatches.append("[\(j)] actual \(actual[j]) expected \(expected[j]) diff \(difference) allowed \(allowed)")
            }
        }
    }
    if ProcessInfo.processInfo.environment["SPECTRA_PRINT_DIFFS"] != nil {
        print("\(label): max |diff| \(maxDifference), worst diff/allowed \(worstRatio)")
    }
    if failures > 0 {
        XCTFail(
            "\(label): \(failures) of \(actual.count) values differ (max |diff| \(maxDifference)); first: "
                + mismatches.joined(separator: "; "), file: file, line: line)
    }
}

/// Scalar form of `assertClose`.
func assertClose(
    _ actual: Double, _ expected: Double, relative: Double, absolute: Double, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    assertClose([actual], [expected], relative: relative, absolute: absolute, label, file: file, line: line)
}
