import XCTest
@testable import RoPE

/// Issue 7: one validation of θ' and the attention factor for every command, spec key ranges at
/// parse time, LongRoPE lists checked whether or not they are active, and messages that name the key.
final class FrequencyValidationTests: XCTestCase {
    private var geometry: RotaryGeometry {
        get throws { try RotaryGeometry(rotaryDimension: 128, base: 10000) }
    }

    private func message(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    /// Values built directly (bypassing the parser's ranges) still meet the θ' check.
    func testNonFiniteAndNegativeFrequenciesAreRefusedNamingPairValueAndKey() throws {
        XCTAssertThrowsError(try RoPEScaling.linear(factor: 5e-324).frequencies(for: try geometry)) { error in
            guard case let .invalidFrequency(pairIndex, value, key) = error as? RoPEError else { return XCTFail("\(error)") }
            XCTAssertEqual(pairIndex, 0)
            XCTAssertEqual(value, .infinity)
            XCTAssertEqual(key, "linear factor")
        }
        var yarn = YaRNParameters(factor: 4, originalContext: 4096)
        yarn.variant = .llamacpp
        yarn.extrapolationFactor = -1e308
        XCTAssertThrowsError(try RoPEScaling.yarn(yarn).frequencies(for: try geometry)) { error in
            guard case let .invalidFrequency(_, value, key) = error as? RoPEError else { return XCTFail("\(error)") }
            XCTAssertFalse(value > 0, "θ' \(value) should be the offending non-positive value")
            XCTAssert(key.contains("ext-factor"), key)
        }
        // A geometry whose plain θ underflows: the culprit is the base, not a spec key.
        let extreme = try RotaryGeometry(rotaryDimension: 65536, base: 1e308)
        let text = message { try RoPEScaling.none.frequencies(for: extreme) }
        XCTAssert(text.contains("--base") && text.contains("1e-300"), text)
    }

    func testAttentionFactorMustBeFinitePositive() {
        var p = YaRNParameters(factor: Foundation.exp(10), originalContext: 4096)
        p.mscale = 1
        p.mscaleAllDim = -1  // 0.1·(−1)·ln s + 1 = 0 → ratio ±inf
        XCTAssertThrowsError(try RoPEScaling.yarn(p).frequencies(for: try geometry)) { error in
            guard case let .invalidAttentionFactor(_, key) = error as? RoPEError else { return XCTFail("\(error)") }
            XCTAssert(key.contains("mscale"), key)
        }
    }

    func testValidSpecsPassTheCheck() throws {
        for spec in ["none", "linear:factor=4", "ntk:factor=8", "yarn:factor=4,original-context=4096",
                     "yarn:factor=4,original-context=4096,variant=llamacpp,ext-factor=0.5",
                     "llama3:factor=8,low-freq-factor=1,high-freq-factor=4,original-context=8192",
                     "critical-ntk:train-length=4096,target-length=32768", "base=500000", "linear:factor=0.001"] {
            let f = try RoPESpec.parse(spec).frequencies(for: try geometry)
            XCTAssert(f.inverseFrequency.allSatisfy { $0.isFinite && $0 > 0 }, spec)
        }
    }

    func testSpecRangesAreCheckedAtParseTimeNamingKeyAndRange() {
        let cases: [(String, [String])] = [
            ("linear:factor=5e-324", ["linear factor", "0.001", "1000000"]),
            ("linear:factor=1e308", ["linear factor", "1000000"]),
            ("ntk:factor=-2", ["ntk factor"]),
            ("yarn:factor=4,original-context=4096,variant=llamacpp,ext-factor=-1e308", ["ext-factor", "0.0...1.0"]),
            ("yarn:factor=4,original-context=4096,beta-fast=0", ["beta-fast"]),
            ("yarn:factor=4,original-context=4096,attention-factor=0", ["attention-factor"]),
            ("llama3:factor=8,low-freq-factor=4,high-freq-factor=1,original-context=8192", ["high-freq-factor", "low-freq-factor"]),
            ("critical-ntk:train-length=4096,target-length=8192,range-multiplier=0", ["range-multiplier"]),
            ("yarn:factor=4,original-context=2000000m", ["original-context", "1099511627776"]),
        ]
        for (spec, fragments) in cases {
            let text = message { try RoPESpec.parse(spec) }
            for fragment in fragments { XCTAssert(text.contains(fragment), "\(spec): '\(text)' lacks '\(fragment)'") }
        }
    }

    func testLongRoPEListsAreCheckedEvenWhenInactive() {
        let defaults = RoPESpecDefaults(trainLength: 4096, targetLength: 2048)  // short factors active
        let negative = message { try RoPESpec.parse("longrope:short-factor=1,long-factor=1;-2", defaults: defaults) }
        XCTAssert(negative.contains("long-factor"), negative)
        let wrongLength = message {
            try RoPESpec.parse("longrope:short-factor=1,long-factor=1;2;3", defaults: defaults).frequencies(for: try geometry)
        }
        XCTAssert(wrongLength.contains("'long-factor' has 3 values") && wrongLength.contains("64"), wrongLength)
        // Built directly: a bad inactive list is still refused by the computation.
        let p = LongRoPEParameters(shortFactor: [1], longFactor: [-1], originalContext: 4096, sequenceLength: 2048)
        let direct = message { try RoPEScaling.longrope(p).frequencies(for: try self.geometry) }
        XCTAssert(direct.contains("long-factor"), direct)
        // Control: good lists of length 1 and d/2 pass.
        XCTAssertNoThrow(try RoPESpec.parse(
            "longrope:short-factor=1,long-factor=\(Array(repeating: "2", count: 64).joined(separator: ";"))",
            defaults: defaults).frequencies(for: try geometry))
    }

    func testMessagesNameTheKey() {
        let none = message { try RoPESpec.parse("none:factor=2") }
        XCTAssert(none.contains("method 'none' takes no keys"), none)
        XCTAssertFalse(none.contains("allowed keys none"), none)
        let critical = message {
            try RoPESpec.parse("critical-ntk:target-length=1", defaults: .init(trainLength: 4096)).frequencies(for: try geometry)
        }
        XCTAssert(critical.contains("target-length") && critical.contains(">= 7"), critical)
        XCTAssertFalse(critical.contains("effective base"), critical)
        // Control at the boundary: 7 > 2π is accepted.
        XCTAssertNoThrow(try RoPESpec.parse("critical-ntk:train-length=4096,target-length=7").frequencies(for: try geometry))
    }
}
