import Foundation
import XCTest
@testable import Analyzers
import RoPE

/// Issue 7 siblings: configuration values that used to fail only while the sweep ran (exit 64 or 1)
/// are refused when the grid is built, naming the field.
final class SweepGridLimitTests: XCTestCase {
    private func configuration(_ edit: (inout SweepConfiguration) -> Void) -> SweepConfiguration {
        var c = SweepConfiguration(name: "t", targetLengths: [16384], methods: [SweepMethod(spec: "none")])
        c.rotaryDimensions = [64]
        c.bases = [10000]
        c.trainLength = 4096
        edit(&c)
        return c
    }

    private func error(_ c: SweepConfiguration) -> String {
        do {
            _ = try SweepGrid(c, path: "x.json")
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func testConditioningPairLimitIsAConfigurationError() {
        let bad = configuration { $0.rotaryDimensions = [64, 4096]; $0.conditioning = ConditioningSettings(length: 64) }
        XCTAssert(error(bad).contains("rotary_dimensions[1] 4096"), error(bad))
        let fine = configuration { $0.rotaryDimensions = [64, 4096] }  // control: no conditioning, no limit
        XCTAssertEqual(error(fine), "no error")
    }

    func testLengthsAreBounded() {
        XCTAssert(error(configuration { $0.targetLengths = [16384, 1 << 41] }).contains("target_lengths[1]"))
        XCTAssert(error(configuration { $0.trainLength = 0 }).contains("train_length"))
    }

    func testFrequencyCheckReachesSweepRows() {
        let text = error(configuration { $0.rotaryDimensions = [2048]; $0.bases = [1e308] })
        XCTAssert(text.contains("θ'[") && text.contains("methods[0].spec"), text)
    }

    func testRangeMultiplierIsBounded() throws {
        let geometry = try RotaryGeometry(rotaryDimension: 64, base: 10000)
        let p = CriticalNTKParameters(trainLength: 4096, targetLength: 8192, rangeMultiplier: 1e308, roundUp: false)
        XCTAssertThrowsError(try RoPEScaling.criticalRule(p, geometry: geometry)) { error in
            XCTAssert("\(error)".contains("range-multiplier"), "\(error)")
        }
    }
}
