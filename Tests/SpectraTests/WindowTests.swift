import XCTest

@testable import Spectra

final class WindowTests: XCTestCase {
    func testCoefficientsMatchNumpyAndScipy() throws {
        let basics: BasicsFixture = try Fixtures.load("spectra_basics.json")
        XCTAssertEqual(basics.windows.count, 32)
        for reference in basics.windows {
            let window = try XCTUnwrap(SpectralWindow(rawValue: reference.window))
            let symmetry = try XCTUnwrap(WindowSymmetry(rawValue: reference.symmetry))
            let computed = try window.coefficients(length: reference.length, symmetry: symmetry)
            // numpy evaluates cos(πn/(M−1)) on n = 1−M … M−1 step 2, we use cos(2πn/D): the
            // same angles rounded differently, |Δw| ≲ 4ε.
            assertClose(
                computed, reference.coefficients, relative: 0, absolute: 1e-15,
                "\(reference.window) \(reference.symmetry) M=\(reference.length)")
        }
    }

    func testMainLobeHalfWidths() {
        XCTAssertEqual(SpectralWindow.rectangular.mainLobeHalfWidth(length: 64), 1.0 / 64)
        XCTAssertEqual(SpectralWindow.hann.mainLobeHalfWidth(length: 64), 2.0 / 64)
        XCTAssertEqual(SpectralWindow.hamming.mainLobeHalfWidth(length: 50), 2.0 / 50)
        XCTAssertEqual(SpectralWindow.blackman.mainLobeHalfWidth(length: 30), 3.0 / 30)
    }

    func testInvalidLengthThrows() {
        XCTAssertThrowsError(try SpectralWindow.hann.coefficients(length: 0)) { error in
            XCTAssertEqual(error as? SpectraError, .invalidParameter(name: "window length", value: "0", allowed: "an integer >= 1"))
        }
    }

    func testCacheReturnsIdenticalCoefficients() throws {
        let first = try SpectralWindow.blackman.coefficients(length: 333)
        let second = try SpectralWindow.blackman.coefficients(length: 333)
        XCTAssertEqual(first, second)
        XCTAssertEqual(first, SpectralWindow.blackman.computeCoefficients(length: 333, symmetry: .symmetric))
    }
}
