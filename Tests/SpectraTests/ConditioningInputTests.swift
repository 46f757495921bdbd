import XCTest
import RoPE
@testable import Spectra

/// Issue 7: "LAPACK dtpqrt failed: argument 8 was invalid" came from NaN in the block B
/// (argument 8), which LAPACKE's NaN check rejects: cos/sin of θ·Δ = ±inf for a finite but huge θ.
/// Inputs are validated first, so LAPACK never sees them.
final class ConditioningInputTests: XCTestCase {
    func testHugeFrequencyIsRefusedBeforeLAPACK() {
        for theta in [1e307, -1e307, FrequencyLimits.maximumInverseFrequency * 2] {
            XCTAssertThrowsError(try PositionFeatureConditioning(
                inverseFrequency: [1, theta], regime: .bidirectional, length: 4096, blockRows: 64)) { error in
                guard case .invalidParameter(let name, _, _)? = error as? SpectraError else { return XCTFail("\(theta): \(error)") }
                XCTAssert(name.contains("θ"), name)
            }
        }
    }

    func testLargestAcceptedFrequencyStillFactors() throws {
        // Control at the bound: finite phases, so the blocked QR succeeds.
        let result = try PositionFeatureConditioning(
            inverseFrequency: [1, FrequencyLimits.maximumInverseFrequency], regime: .bidirectional, length: 4096, blockRows: 64)
        XCTAssert(result.singularValues.allSatisfy(\.isFinite))
    }
}
