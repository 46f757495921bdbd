import Foundation
import XCTest
@testable import ropescope

/// Issue 7: JSON numbers stay numbers; a non-finite value is null, never a string.
final class CLIJSONNumberTests: XCTestCase {
    struct Sample: Encodable {
        var finite = 1.5
        var positive = Double.infinity
        var negative = -Double.infinity
        var nan = Double.nan
        var list = [1.0, .nan]
        var text = "Infinity"
    }

    func testNonFiniteBecomesNull() throws {
        let data = try Output.jsonData(Sample())
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(object["finite"] as? Double, 1.5)
        for key in ["positive", "negative", "nan"] { XCTAssert(object[key] is NSNull, "\(key): \(String(describing: object[key]))") }
        let list = try XCTUnwrap(object["list"] as? [Any])
        XCTAssertEqual(list.first as? Double, 1)
        XCTAssert(list.last is NSNull)
        XCTAssertEqual(object["text"] as? String, "Infinity", "strings are untouched")
    }
}
