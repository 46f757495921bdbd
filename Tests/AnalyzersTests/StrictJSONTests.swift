import Foundation
import XCTest
@testable import Analyzers

/// Issue 7: sweep configurations are strict JSON and every configuration error says where.
final class StrictJSONTests: XCTestCase {
    private func failure(_ text: String) -> StrictJSON.Failure? {
        failure(bytes: Array(text.utf8))
    }

    private func failure(bytes: [UInt8]) -> StrictJSON.Failure? {
        do {
            _ = try StrictJSON.check(bytes)
            return nil
        } catch {
            return error as? StrictJSON.Failure
        }
    }

    func testAcceptsStandardJSONAndRecordsPositions() throws {
        let text = "{\n  \"a\": [1, -2.5e3, true, null, \"x\\u00e9\\n\"],\n  \"b\": {\"c\": {}}, \"é\": []\n}"
        let positions = try StrictJSON.check(Array(text.utf8))
        XCTAssertEqual(positions["a"], .init(line: 2, column: 3))
        XCTAssertEqual(positions["a[1]"], .init(line: 2, column: 12))
        XCTAssertEqual(positions["b.c"], .init(line: 3, column: 9))
        XCTAssertEqual(positions["é"], .init(line: 3, column: 19), "columns count characters, not bytes")
        // The same text parses in Foundation (the checker is not stricter than the standard).
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(text.utf8)))
    }

    func testRefusesWhatFoundationLetsThroughWithLineAndColumn() {
        let cases: [(String, String, Int, Int)] = [
            ("{\"a\": 1,\n \"a\": 2}", "duplicate key 'a'", 2, 2),
            ("{\"a\": [1, 2,]}", "trailing comma before ']'", 1, 13),
            ("{\"a\": 1,\n}", "trailing comma before '}'", 2, 1),
            ("{\"a\": NaN}", "expected a JSON value", 1, 7),
            ("{\"a\": 01}", "expected ',' or '}'", 1, 8),
            ("{\"a\": 1} x", "after the top-level value", 1, 10),
            ("{\"a\": \"tab\there\"}", "control character", 1, 11),
            ("// c\n{}", "expected a JSON value", 1, 1),
            ("{\"a\": 1", "expected ',' or '}'", 1, 8),
            (String(repeating: "[", count: 300), "nesting deeper", 1, 257),
        ]
        for (text, reason, line, column) in cases {
            guard let f = failure(text) else { XCTFail("accepted: \(text)"); continue }
            XCTAssert(f.reason.contains(reason), "\(text): \(f.reason)")
            XCTAssertEqual(f.position, .init(line: line, column: column), "\(text): \(f.reason)")
        }
    }

    func testRefusesLatin1Bytes() {
        var bytes = Array("{\"name\": \"caf".utf8)
        bytes += [0xE9, UInt8(ascii: "\""), UInt8(ascii: "}")]  // Latin-1 é
        let f = failure(bytes: bytes)
        XCTAssertEqual(f?.position, .init(line: 1, column: 14))
        XCTAssert(f?.reason.contains("0xE9 is not UTF-8") ?? false, "\(String(describing: f))")
        XCTAssertNotNil(failure(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22]), "encoded surrogate")
        XCTAssertNotNil(failure(bytes: [0x22, 0xC0, 0xAF, 0x22]), "overlong")
    }

    func testEveryConfigurationErrorCarriesLineAndColumn() {
        func message(_ json: String) -> String {
            do {
                let data = Data(json.utf8)
                let configuration = try SweepConfiguration.decode(data, path: "x.json")
                do {
                    _ = try SweepGrid(configuration, path: "x.json")
                } catch let error as AnalyzerError {
                    throw SweepConfiguration.locate(error, in: data)
                }
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let base = "\"preset\": \"smollm2-135m\", \"name\": \"t\",\n"
        let cases: [(String, String)] = [
            ("{\(base)\"target_lengths\": [16384], \"methods\": [{\"spec\": \"none\"}], \"colour\": 1}", "x.json:2:59"),
            ("{\(base)\"target_lengths\": [16384],\n\"methods\": [{\"spec\": \"none\", \"factor\": 2}]}", "x.json:3:30"),
            ("{\(base)\"target_lengths\": [16384],\n\"methods\": [{\"spec\": \"linear\", \"factors\": [0]}]}", "x.json:3:14"),
            ("{\(base)\"target_lengths\": [\"16k\"], \"methods\": []}", "x.json:2:20"),
            ("{\(base)\"target_lengths\": [16384], \"methods\": [{\"spec\": \"none\"}],\n\"spectrum\": {\"length\": 1}}", "x.json:3:14"),
            ("{\(base)\"target_lengths\": [16384], \"methods\": [{\"spec\": \"none\"}], \"name\": \"u\"}", "x.json:2:59"),
        ]
        for (json, where_) in cases {
            let text = message(json)
            XCTAssert(text.contains(where_), "\(json)\n→ \(text)")
        }
    }
}
