import Probes
import RoPEScopeTestSupport
import XCTest

final class MaskSamplerTests: XCTestCase {
    /// SplitMix64 is the published generator: the test support's independent copy and the
    /// first output for seed 0 from Vigna's splitmix64.c (0xE220A8397B1DCDAF).
    func testSplitMix64IsTheReferenceGenerator() {
        var zero = SplitMix64(seed: 0)
        XCTAssertEqual(zero.next(), 0xE220_A839_7B1D_CDAF)
        var mine = SplitMix64(seed: 12345), theirs = SeededGenerator(seed: 12345)
        for index in 1...100 {
            let value = mine.next()
            XCTAssertEqual(value, theirs.next())
            XCTAssertEqual(value, SplitMix64.output(seed: 12345, index: UInt64(index)))
        }
    }

    /// The ratios are the low-discrepancy set: sorted, the stratified s_i = (t_i − ε)/(1 − ε)
    /// are u mod 1/n, u mod 1/n + 1/n, … (spacing exactly 1/n), all in [ε, 1).
    func testRatiosAreTheLowDiscrepancySetDrawnFromTheDocumentedStream() throws {
        let options = try MaskedDiffusionOptions(samples: 7, seed: 99, rule: .bernoulli, maskTokenID: 0)
        let sampler = MaskSampler(options: options)
        for window in [0, 1, 5] {
            let records = sampler.masks(window: window, candidates: Array(1..<20))
            // The documented stream: window w's generator is seeded with output w+1 of the run seed.
            var generator = SeededGenerator(seed: SeededGenerator.output(seed: 99, index: window + 1))
            let u = Double(generator.next() >> 11) * 0x1p-53
            let expected = MaskSampler.ratios(offset: u, samples: 7, ratioFloor: 1e-3)
            XCTAssertEqual(records.map(\.ratio), expected, "window \(window)")
            XCTAssertEqual(records.map(\.sample), Array(0..<7))
            XCTAssertEqual(expected[0], (1 - 1e-3) * u + 1e-3, accuracy: 1e-15)
            let stratified = expected.map { ($0 - 1e-3) / (1 - 1e-3) }.sorted()
            XCTAssert(stratified.allSatisfy { $0 >= 0 && $0 < 1 })
            XCTAssert(expected.allSatisfy { $0 >= 1e-3 && $0 < 1 })
            XCTAssertEqual(stratified[0], u.truncatingRemainder(dividingBy: 1.0 / 7), accuracy: 1e-12)
            for (a, b) in zip(stratified, stratified.dropFirst()) {
                XCTAssertEqual(b - a, 1.0 / 7, accuracy: 1e-12)
            }
            // Bernoulli masks use the same stream afterwards: candidate c is masked iff its draw < t_i.
            for record in records {
                let masked = Array(1..<20).filter { _ in Double(generator.next() >> 11) * 0x1p-53 < record.ratio }
                XCTAssertEqual(record.maskedPositions, masked)
            }
        }
    }

    /// LLaDA's stratified counts, worked by hand: m = 10, n = 4 gives k + i·2.5, rounded half to
    /// even (torch.round), wrapped into 1…m.
    func testExactCountsByHand() {
        XCTAssertEqual(MaskSampler.exactCounts(first: 3, samples: 4, candidates: 10), [3, 6, 8, 10])   // 3, 5.5→6, 8, 10.5→10
        XCTAssertEqual(MaskSampler.exactCounts(first: 9, samples: 4, candidates: 10), [9, 2, 4, 6])    // 9, 11.5→12, 14, 16.5→16
        XCTAssertEqual(MaskSampler.exactCounts(first: 1, samples: 1, candidates: 1), [1])
        XCTAssertEqual(MaskSampler.exactCounts(first: 5, samples: 5, candidates: 5), [5, 1, 2, 3, 4])
    }

    /// Each exact-count sample masks exactly l_i distinct candidates, ascending, with ratio l_i/m.
    func testExactCountMasksHaveExactlyTheStratifiedCount() throws {
        let candidates = Array(3..<40)
        let options = try MaskedDiffusionOptions(samples: 9, seed: 5, rule: .exactCount, maskTokenID: 0)
        for window in 0..<4 {
            let records = MaskSampler(options: options).masks(window: window, candidates: candidates)
            var generator = SeededGenerator(seed: SeededGenerator.output(seed: 5, index: window + 1))
            let u = Double(generator.next() >> 11) * 0x1p-53
            let counts = MaskSampler.exactCounts(first: 1 + Int(u * 37), samples: 9, candidates: 37)
            XCTAssertEqual(records.map(\.maskedPositions.count), counts, "window \(window)")
            for (record, count) in zip(records, counts) {
                XCTAssertEqual(record.ratio, Double(count) / 37, accuracy: 0)
                XCTAssertEqual(Set(record.maskedPositions).count, count)
                XCTAssertEqual(record.maskedPositions, record.maskedPositions.sorted())
                XCTAssert(record.maskedPositions.allSatisfy(candidates.contains))
            }
        }
    }

    /// Same seed ⇒ same masks; another seed or another window ⇒ other masks; a window's masks do
    /// not depend on which other windows were drawn.
    func testDeterministicFromTheSeedPerWindow() throws {
        for rule in MaskRule.allCases {
            let a = MaskSampler(options: try MaskedDiffusionOptions(samples: 6, seed: 42, rule: rule, maskTokenID: 0))
            let b = MaskSampler(options: try MaskedDiffusionOptions(samples: 6, seed: 42, rule: rule, maskTokenID: 0))
            let c = MaskSampler(options: try MaskedDiffusionOptions(samples: 6, seed: 43, rule: rule, maskTokenID: 0))
            let candidates = Array(1..<64)
            _ = a.masks(window: 0, candidates: candidates)
            XCTAssertEqual(a.masks(window: 3, candidates: candidates), b.masks(window: 3, candidates: candidates), "\(rule)")
            XCTAssertNotEqual(a.masks(window: 3, candidates: candidates).map(\.maskedPositions),
                              c.masks(window: 3, candidates: candidates).map(\.maskedPositions), "\(rule)")
            XCTAssertNotEqual(a.masks(window: 3, candidates: candidates).map(\.maskedPositions),
                              a.masks(window: 4, candidates: candidates).map(\.maskedPositions), "\(rule)")
        }
    }

    /// Bernoulli masking rate: over 4000 candidates the masked fraction is t within 5 binomial
    /// standard deviations (a wrong comparison, e.g. masking with probability 1 − t, is off by
    /// |1 − 2t|·4000 ≫ 5σ for t away from 1/2).
    func testBernoulliMasksAtTheDrawnRate() throws {
        let candidates = Array(1...4000)
        let options = try MaskedDiffusionOptions(samples: 5, seed: 11, rule: .bernoulli, maskTokenID: 0)
        for record in MaskSampler(options: options).masks(window: 2, candidates: candidates) {
            let t = record.ratio
            let sigma = (Double(candidates.count) * t * (1 - t)).squareRoot()
            XCTAssertEqual(Double(record.maskedPositions.count), Double(candidates.count) * t, accuracy: 5 * sigma + 1,
                           "t = \(t)")
        }
    }

    func testOptionsValidation() {
        XCTAssertThrowsError(try MaskedDiffusionOptions(samples: 0, maskTokenID: 1)) { error in
            XCTAssertEqual(error as? ProbeError, .invalidParameter(name: "samples", value: "0", allowed: "an integer >= 1"))
        }
        XCTAssertThrowsError(try MaskedDiffusionOptions(maskTokenID: -1))
        XCTAssertThrowsError(try MaskedDiffusionOptions(maskTokenID: 1, ratioFloor: 1))
        XCTAssertThrowsError(try MaskedDiffusionOptions(maskTokenID: 1, ratioFloor: -0.1))
        XCTAssertThrowsError(try MaskedDiffusionOptions(maskTokenID: 1, ratioFloor: .nan))
    }
}

extension SeededGenerator {
    /// The `index`-th output (1-based) of SplitMix64 seeded with `seed`, by stepping.
    static func output(seed: UInt64, index: Int) -> UInt64 {
        var generator = SeededGenerator(seed: seed)
        var value: UInt64 = 0
        for _ in 0..<index { value = generator.next() }
        return value
    }
}
