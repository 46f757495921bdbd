import CHDF5
import Foundation
import XCTest

@testable import TensorArchive

/// A fresh empty directory under the system temporary directory.
func makeTemporaryDirectory(_ label: String = "tensorarchive") throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("\(label)-\(UInt64.random(in: 0...UInt64.max))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The names in `directory` (hidden files included), sorted.
func directoryListing(_ directory: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
}

/// Asserts `actual` equals `expected` element-wise within `tolerance` (absolute, symmetric; any
/// NaN or ±inf fails);
/// on failure prints the label, the first mismatches and the maximum difference.
func assertClose(
    _ actual: [Double], _ expected: [Double], tolerance: Double, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    guard actual.count == expected.count else {
        XCTFail("\(label): count \(actual.count) != expected \(expected.count)", file: file, line: line)
        return
    }
    // NaN or ±inf never passes: a non-finite value on either side counts as an infinite difference.
    let differences = zip(actual, expected).map { $0.isFinite && $1.isFinite ? abs($0 - $1) : .infinity }
    let maxDifference = differences.max() ?? 0
    let mismatches = differences.indices.filter { !(differences[$0] <= tolerance) }
    if !mismatches.isEmpty {
        let shown = mismatches.prefix(5).map { "[\($0)] \(actual[$0]) vs \(expected[$0])" }.joined(separator: ", ")
        XCTFail("\(label): \(mismatches.count) mismatches, first: \(shown); max |diff| = \(maxDifference), tolerance \(tolerance)",
                file: file, line: line)
    }
}

/// Runs `body`, expects a `TensorArchiveError`, and checks that its description contains every
/// fragment. Returns the error for further checks.
@discardableResult
func assertArchiveError(
    _ fragments: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void
) -> TensorArchiveError? {
    do {
        try body()
        XCTFail("expected a TensorArchiveError containing \(fragments), got success", file: file, line: line)
        return nil
    } catch let error as TensorArchiveError {
        for fragment in fragments where !error.description.contains(fragment) {
            XCTFail("error description \"\(error.description)\" lacks \"\(fragment)\"", file: file, line: line)
        }
        return error
    } catch {
        XCTFail("expected a TensorArchiveError, got \(error)", file: file, line: line)
        return nil
    }
}

/// Direct HDF5 checks that do not go through `ArchiveReader`.
enum RawHDF5 {
    /// Calls `body` with the file opened read-only (fails the test if it cannot be opened).
    static func withFile<R>(_ path: String, _ body: (hid_t) throws -> R) throws -> R {
        HDF5Errors.silence()
        let file = H5Fopen(path, H5.accessReadOnly, H5.defaultPlist)
        guard file >= 0 else { throw TensorArchiveError.notFound(object: "/", file: path) }
        defer { _ = H5Fclose(file) }
        return try body(file)
    }

    /// H5DSis_attached for the scale at `scale` on `axis` of `variable`.
    static func isAttached(_ path: String, variable: String, scale: String, axis: Int) throws -> Bool {
        try withFile(path) { file in
            let dataset = H5Dopen2(file, variable, H5.defaultPlist)
            let scaleID = H5Dopen2(file, scale, H5.defaultPlist)
            defer { _ = H5Dclose(dataset); _ = H5Dclose(scaleID) }
            return dataset >= 0 && scaleID >= 0 && H5DSis_attached(dataset, scaleID, UInt32(axis)) > 0
        }
    }

    /// (link, attribute) creation-order flags of a group (for the root, as HDF5 reports them for
    /// its root group), or (nil, attribute) flags of a dataset.
    static func creationOrder(_ path: String, object: String) throws -> (link: UInt32?, attribute: UInt32) {
        try withFile(path) { file in
            let id = H5Oopen(file, object, H5.defaultPlist)
            defer { _ = H5Oclose(id) }
            var link: UInt32 = 0
            var attribute: UInt32 = 0
            if H5Iget_type(id) == H5I_DATASET {
                let list = H5Dget_create_plist(id)
                defer { _ = H5Pclose(list) }
                _ = H5Pget_attr_creation_order(list, &attribute)
                return (nil, attribute)
            }
            let list = H5Gget_create_plist(id)
            defer { _ = H5Pclose(list) }
            _ = H5Pget_link_creation_order(list, &link)
            _ = H5Pget_attr_creation_order(list, &attribute)
            return (link, attribute)
        }
    }

    /// (number of filters, chunk shape or nil for non-chunked) of a dataset.
    static func storage(_ path: String, object: String) throws -> (filters: Int, chunk: [Int]?) {
        try withFile(path) { file in
            let dataset = H5Dopen2(file, object, H5.defaultPlist)
            defer { _ = H5Dclose(dataset) }
            let list = H5Dget_create_plist(dataset)
            defer { _ = H5Pclose(list) }
            let filters = Int(H5Pget_nfilters(list))
            guard H5Pget_layout(list) == H5D_CHUNKED else { return (filters, nil) }
            var chunk = [hsize_t](repeating: 0, count: 8)
            let rank = Int(H5Pget_chunk(list, 8, &chunk))
            return (filters, chunk.prefix(rank).map { Int($0) })
        }
    }
}
