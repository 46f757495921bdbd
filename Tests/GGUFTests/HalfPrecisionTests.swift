import XCTest
@testable import GGUF

/// binary16 / bfloat16 conversions: exhaustive round trips and, where the platform has
/// `Float16`, agreement with the compiler's own conversion (IEEE round-to-nearest-even).
final class HalfPrecisionTests: XCTestCase {
    func testEveryFloat16PatternRoundTripsExactly() {
        var failures: [String] = []
        for bits in 0...UInt16.max {
            let value = HalfPrecision.float(fromFloat16Bits: bits)
            let isNaN = bits & 0x7C00 == 0x7C00 && bits & 0x03FF != 0
            if isNaN {
                if !value.isNaN, failures.count < 8 { failures.append("\(bits): NaN became \(value)") }
                continue
            }
            let back = HalfPrecision.float16Bits(from: value)
            if back != bits, failures.count < 8 { failures.append("0x\(String(bits, radix: 16)) → \(value) → 0x\(String(back, radix: 16))") }
        }
        XCTAssertTrue(failures.isEmpty, "f16 round trip: first failures: \(failures)")
    }

    func testFloat16KnownValues() {
        let cases: [(UInt16, Float)] = [(0x3C00, 1), (0xC000, -2), (0x7BFF, 65504), (0x0400, 0x1p-14),
                                        (0x0001, 0x1p-24), (0x03FF, 1023 * 0x1p-24), (0x7C00, .infinity),
                                        (0xFC00, -.infinity), (0x8000, -0.0), (0x3555, 0.333251953125)]
        for (bits, value) in cases {
            XCTAssertEqual(HalfPrecision.float(fromFloat16Bits: bits).bitPattern, value.bitPattern, "0x\(String(bits, radix: 16))")
        }
    }

    func testFloat16RoundingTiesToEvenAndOverflow() {
        XCTAssertEqual(HalfPrecision.float16Bits(from: 1 + 0x1p-11), 0x3C00, "tie between 1 and 1+2⁻¹⁰ goes to even")
        XCTAssertEqual(HalfPrecision.float16Bits(from: 1 + 3 * 0x1p-11), 0x3C02, "tie goes up to even")
        XCTAssertEqual(HalfPrecision.float16Bits(from: 65520), 0x7C00, "65520 rounds to inf")
        XCTAssertEqual(HalfPrecision.float16Bits(from: 65519.996), 0x7BFF)
        XCTAssertEqual(HalfPrecision.float16Bits(from: 0x1p-25), 0x0000, "half the smallest subnormal: tie to even 0")
        XCTAssertEqual(HalfPrecision.float16Bits(from: 0x1.000002p-25), 0x0001)
        XCTAssertEqual(HalfPrecision.float16Bits(from: 0x1.ffcp-15), 0x0400, "subnormal rounding carries into the exponent")
        XCTAssertEqual(HalfPrecision.float16Bits(from: -1e-30), 0x8000)
        XCTAssertTrue(HalfPrecision.float(fromFloat16Bits: HalfPrecision.float16Bits(from: .nan)).isNaN)
    }

    #if !(os(macOS) && arch(x86_64))
    func testFloat16BitsAgreeWithSwiftFloat16() {
        var generator = SystemRandomNumberGenerator()
        var failures: [String] = []
        for i in 0..<200_000 {
            // Random bit patterns cover every exponent; skip NaN (payload handling may differ).
            let value = Float(bitPattern: i < 100_000 ? UInt32.random(in: 0...UInt32.max, using: &generator)
                                          : UInt32.random(in: 0x3300_0000...0x4780_0000, using: &generator))
            if value.isNaN { continue }
            let expected = Float16(value).bitPattern
            let actual = HalfPrecision.float16Bits(from: value)
            if actual != expected, failures.count < 8 { failures.append("\(value): 0x\(String(actual, radix: 16)) vs Float16 0x\(String(expected, radix: 16))") }
        }
        XCTAssertTrue(failures.isEmpty, "f16 rounding vs Float16: \(failures)")
    }
    #endif

    func testEveryBFloat16PatternRoundTripsExactly() {
        var failures: [UInt16] = []
        for bits in 0...UInt16.max {
            let value = HalfPrecision.float(fromBFloat16Bits: bits)
            if value.isNaN { continue }
            if HalfPrecision.bfloat16Bits(from: value) != bits, failures.count < 8 { failures.append(bits) }
        }
        XCTAssertTrue(failures.isEmpty, "bf16 round trip: \(failures)")
    }

    func testBFloat16RoundingMatchesGGML() {
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: 1 + 0x1p-8), 0x3F80, "tie to even (down)")
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: 1 + 3 * 0x1p-8), 0x3F82, "tie to even (up)")
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x7F80_0001)), 0x7FC0, "signalling NaN is quieted")
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: -3e38), 0xFF62, "as gguf.quants BF16.quantize_blocks")
    }
}
