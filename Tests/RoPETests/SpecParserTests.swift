import XCTest
@testable import RoPE

final class SpecParserTests: XCTestCase {
    func testParsesEveryMethod() throws {
        XCTAssertEqual(try RoPESpec.parse("none"), .none)
        XCTAssertEqual(try RoPESpec.parse("linear:factor=4"), .linear(factor: 4))
        XCTAssertEqual(try RoPESpec.parse(" NTK:factor=2 "), .ntk(factor: 2))
        XCTAssertEqual(try RoPESpec.parse("base=500000"), .base(500000))
        XCTAssertEqual(try RoPESpec.parse("base:value=1e6"), .base(1e6))
        XCTAssertEqual(
            try RoPESpec.parse("dynamic-ntk:factor=2", defaults: .init(trainLength: 4096, targetLength: 16384)),
            .dynamicNTK(.init(factor: 2, originalContext: 4096, sequenceLength: 16384)))
        guard case let .yarn(p) = try RoPESpec.parse(
            "yarn:factor=4,original-context=4k,beta-fast=16,beta-slow=2,truncate=false,mscale=0.707,mscale-all-dim=1,attention-factor=1.1")
        else { return XCTFail("not yarn") }
        XCTAssertEqual(p.factor, 4)
        XCTAssertEqual(p.originalContext, 4096)
        XCTAssertEqual(p.betaFast, 16)
        XCTAssertEqual(p.betaSlow, 2)
        XCTAssertFalse(p.truncate)
        XCTAssertEqual(p.mscale, 0.707)
        XCTAssertEqual(p.mscaleAllDim, 1)
        XCTAssertEqual(p.attentionFactor, 1.1)
        XCTAssertEqual(p.variant, .hf)
        guard case let .diffusionNTK(d) = try RoPESpec.parse(
            "diffusion-ntk:target-length=128k", defaults: .init(trainLength: 4096)) else { return XCTFail("not diffusion") }
        XCTAssertEqual(d, CriticalNTKParameters(trainLength: 4096, targetLength: 131072, rangeMultiplier: 2, roundUp: false))
        guard case let .criticalNTK(c) = try RoPESpec.parse(
            "critical-ntk:train-length=4096,target-length=8192,round-up=yes") else { return XCTFail("not critical") }
        XCTAssertEqual(c.rangeMultiplier, 1)
        XCTAssertTrue(c.roundUp)
    }

    func testErrorsNameTheProblem() {
        func message(_ spec: String, _ defaults: RoPESpecDefaults = .init()) -> String {
            do {
                _ = try RoPESpec.parse(spec, defaults: defaults)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        XCTAssert(message("bogus:factor=2").contains("unknown RoPE method 'bogus'"))
        XCTAssert(message("bogus").contains("diffusion-ntk"), "lists allowed methods")
        XCTAssert(message("linear:fator=2").contains("unknown key 'fator'"))
        XCTAssert(message("linear:fator=2").contains("allowed keys factor"))
        XCTAssert(message("linear").contains("needs 'factor'"))
        XCTAssert(message("linear:factor=nan").contains("finite"))
        XCTAssert(message("linear:factor=inf").contains("finite"))
        XCTAssert(message("linear:factor=2,factor=3").contains("given twice"))
        XCTAssert(message("linear:factor").contains("not key=value"))
        XCTAssert(message("").contains("empty spec"))
        XCTAssert(message("yarn:factor=4").contains("--train-length"), "missing original-context hints the flag")
        XCTAssert(message("yarn:factor=4,original-context=-5").contains("positive integer"))
        XCTAssert(message("yarn:factor=4,original-context=4096,truncate=maybe").contains("true, false"))
        XCTAssert(message("yarn:factor=4,original-context=4096,variant=vllm").contains("hf, llamacpp"))
        XCTAssert(message("yarn:factor=4,original-context=4096,ext-factor=0.5").contains("variant=llamacpp"))
        XCTAssert(message("critical-ntk:target-length=8192").contains("train-length"))
        XCTAssert(message("longrope:long-factor=1").contains("short-factor"))
    }

    func testInvalidValuesRejectedWhenApplied() throws {
        let geometry = try RotaryGeometry(rotaryDimension: 8, base: 10000)
        XCTAssertThrowsError(try RoPEScaling.linear(factor: 0).frequencies(for: geometry))
        XCTAssertThrowsError(try RoPEScaling.base(1).frequencies(for: geometry))
        XCTAssertThrowsError(try RoPEScaling.dynamicNTK(.init(factor: 0.5, originalContext: 10, sequenceLength: 10)).frequencies(for: geometry))
        XCTAssertThrowsError(try RoPESpec.parse("longrope:short-factor=1;2,long-factor=1,original-context=10,sequence-length=10")
            .frequencies(for: geometry)) { error in
            XCTAssertEqual(error as? RoPEError, .listLengthMismatch(key: "short-factor", count: 2, expected: 4))
        }
    }

    func testGeometryValidation() {
        for d in [0, -2, 3, 65538] { XCTAssertThrowsError(try RotaryGeometry(rotaryDimension: d, base: 10000), "d=\(d)") }
        for b in [1.0, 0.5, -3, .nan, .infinity] { XCTAssertThrowsError(try RotaryGeometry(rotaryDimension: 8, base: b), "b=\(b)") }
        XCTAssertThrowsError(try RoPEScaling.ntk(factor: 2).frequencies(for: RotaryGeometry(rotaryDimension: 2, base: 10)))
    }

    func testLengthSuffixes() {
        XCTAssertEqual(parseLength("4096"), 4096)
        XCTAssertEqual(parseLength("8k"), 8192)
        XCTAssertEqual(parseLength("128K"), 131072)
        XCTAssertEqual(parseLength("1m"), 1 << 20)
        XCTAssertNil(parseLength("12x"))
        XCTAssertNil(parseLength("99999999999999999999k"))
    }
}

final class CanonicalSpecTests: XCTestCase {
    func testCanonicalSpecRoundTrips() throws {
        let defaults = RoPESpecDefaults(trainLength: 4096, targetLength: 32768)
        for text in [
            "none", "linear:factor=4", "ntk:factor=2.5", "dynamic-ntk:factor=2", "base=500000",
            "yarn:factor=4", "yarn:factor=16,beta-fast=8,truncate=false,mscale=0.707,mscale-all-dim=1",
            "yarn:factor=4,variant=llamacpp,ext-factor=0.5,attention-factor=1.2",
            "llama3:factor=8,low-freq-factor=1,high-freq-factor=4",
            "longrope:short-factor=1;1.5,long-factor=2,factor=8",
            "critical-ntk:round-up=true", "diffusion-ntk:range-multiplier=3",
        ] {
            let scaling = try RoPESpec.parse(text, defaults: defaults)
            let canonical = scaling.canonicalSpec
            XCTAssertEqual(try RoPESpec.parse(canonical), scaling, "\(text) → \(canonical)")
        }
        XCTAssertEqual(try RoPESpec.parse("yarn:factor=4", defaults: defaults).canonicalSpec,
                       "yarn:factor=4,original-context=4096,beta-fast=32,beta-slow=1,truncate=true")
    }
}
