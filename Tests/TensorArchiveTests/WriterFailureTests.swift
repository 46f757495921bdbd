import Foundation
import XCTest

@testable import TensorArchive

/// Failure cases: every error names what is wrong and where, and no failure leaves a partial file.
final class WriterFailureTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testMissingDirectoryFailsAtCreationNamingThePath() {
        let path = directory.appendingPathComponent("missing/out.h5").path
        assertArchiveError(["cannot create archive '\(path)'", "does not exist"]) { _ = try ArchiveWriter(path: path) }
    }

    func testTargetThatIsADirectoryFails() throws {
        let path = directory.appendingPathComponent("sub").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        assertArchiveError(["'\(path)'", "is a directory"]) { _ = try ArchiveWriter(path: path) }
        XCTAssertEqual(try directoryListing(directory), ["sub"])
    }

    func testParentThatIsAFileFails() throws {
        let parent = directory.appendingPathComponent("plain")
        try Data("x".utf8).write(to: parent)
        let path = parent.appendingPathComponent("out.h5").path
        assertArchiveError(["cannot create archive '\(path)'", "is not a directory"]) { _ = try ArchiveWriter(path: path) }
    }

    func testUnwritableDirectoryFails() throws {
        try XCTSkipIf(geteuid() == 0, "root ignores directory permissions, so this case cannot fail here")
        let locked = directory.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked.path) }
        let path = locked.appendingPathComponent("out.h5").path
        assertArchiveError(["cannot create archive '\(path)'", "Permission denied"]) { _ = try ArchiveWriter(path: path) }
    }

    func testReleasingWithoutCommitLeavesNothingAndKeepsTheOldTarget() throws {
        let target = directory.appendingPathComponent("result.h5")
        try Data("old".utf8).write(to: target)
        var writer: ArchiveWriter? = try ArchiveWriter(path: target.path)
        try writer?.writeCoordinate("x", values: .float64([1, 2]), units: "1", longName: "x")
        XCTAssertEqual(try directoryListing(directory).count, 2, "target + temporary file while writing")
        writer = nil
        XCTAssertEqual(try directoryListing(directory), ["result.h5"])
        XCTAssertEqual(try Data(contentsOf: target), Data("old".utf8))
    }

    func testCommitReplacesTheTargetAndRemovesTheTemporaryFile() throws {
        let target = directory.appendingPathComponent("result.h5")
        try Data("old".utf8).write(to: target)
        let writer = try ArchiveWriter(path: target.path)
        XCTAssertTrue(writer.temporaryPath.hasPrefix(directory.appendingPathComponent(".result.h5.tmp-").path))
        try writer.writeCoordinate("x", values: .float64([1, 2]), units: "1", longName: "x")
        try writer.commit()
        XCTAssertEqual(try directoryListing(directory), ["result.h5"])
        XCTAssertEqual(try ArchiveReader(path: target.path).readDoubles("/x"), [1, 2])
        assertArchiveError(["already committed or discarded", target.path]) {
            try writer.writeCoordinate("y", values: .float64([1]), units: "1", longName: "y")
        }
    }

    func testDiscardDeletesTheTemporaryFile() throws {
        let writer = try ArchiveWriter(path: directory.appendingPathComponent("d.h5").path)
        writer.discard()
        XCTAssertEqual(try directoryListing(directory), [])
        assertArchiveError(["aborted", "discard() was called"]) { try writer.commit() }
    }

    func testDuplicateVariableNameAbortsTheWriter() throws {
        let path = directory.appendingPathComponent("dup.h5").path
        let writer = try ArchiveWriter(path: path)
        try writer.defineDimension("x", length: 1)
        try writer.writeVariable("v", dimensions: ["x"], values: .float64([1]), units: "1", longName: "v")
        assertArchiveError(["name 'v' is already used in group '/'", path]) {
            try writer.writeVariable("v", dimensions: ["x"], values: .float64([2]), units: "1", longName: "v")
        }
        XCTAssertEqual(try directoryListing(directory), [], "the failed write deleted the temporary file")
        assertArchiveError(["was aborted by an earlier error", "name 'v' is already used"]) { try writer.commit() }
        XCTAssertEqual(try directoryListing(directory), [])
    }

    func testUnknownDimensionListsTheKnownOnes() throws {
        let path = directory.appendingPathComponent("dims.h5").path
        let writer = try ArchiveWriter(path: path)
        try writer.defineDimension("position", length: 2)
        try writer.defineDimension("pair", length: 2)
        assertArchiveError(["variable 'v'", "unknown dimension 'head'", "defined dimensions: position, pair", path]) {
            try writer.writeVariable("v", dimensions: ["position", "head"], values: .float64([1, 2, 3, 4]), units: "1", longName: "v")
        }
    }

    func testShapeMismatchSaysWhatWasNeeded() throws {
        let path = directory.appendingPathComponent("shape.h5").path
        let writer = try ArchiveWriter(path: path)
        try writer.defineDimension("position", length: 2)
        try writer.defineDimension("pair", length: 3)
        assertArchiveError(["'/v'", "has 5 values", "(position=2, pair=3) need 6", path]) {
            try writer.writeVariable("v", dimensions: ["position", "pair"], values: .float32([1, 2, 3, 4, 5]), units: "1", longName: "v")
        }
    }

    func testInvalidNamesAndAttributes() throws {
        func fresh() throws -> ArchiveWriter {
            let writer = try ArchiveWriter(path: directory.appendingPathComponent("n.h5").path)
            try writer.defineDimension("x", length: 1)
            return writer
        }
        assertArchiveError(["invalid name 'a/b'", "'/' separates groups"]) {
            try fresh().writeVariable("a/b", dimensions: ["x"], values: .float64([1]), units: "1", longName: "v")
        }
        assertArchiveError(["invalid name ''", "must not be empty"]) { _ = try fresh().group("") }
        assertArchiveError(["attribute name 'CLASS'", "reserved"]) {
            try fresh().writeVariable("v", dimensions: ["x"], values: .float64([1]), units: "1", longName: "v", attributes: ["CLASS": "x"])
        }
        assertArchiveError(["attribute 'units' is given twice", "'/v'"]) {
            try fresh().writeVariable("v", dimensions: ["x"], values: .float64([1]), units: "1", longName: "v", attributes: ["units": "m"])
        }
        assertArchiveError(["string variables must have exactly one dimension"]) {
            try fresh().writeVariable("s", dimensions: [], values: .strings(["a"]), units: "1", longName: "s")
        }
        assertArchiveError(["contains a NUL character"]) {
            try fresh().writeVariable("s", dimensions: ["x"], values: .strings(["a\u{0}b"]), units: "1", longName: "s")
        }
        assertArchiveError(["dimension 'y'", "has length -1"]) { try fresh().defineDimension("y", length: -1) }
        assertArchiveError(["no object '/nothing'"]) { try fresh().setAttribute("a", "b", onVariable: "nothing") }
        XCTAssertEqual(try directoryListing(directory), [], "every aborted writer removed its temporary file")
    }

    func testReaderErrorsNameTheObjectAndFile() throws {
        let path = directory.appendingPathComponent("r.h5").path
        let writer = try ArchiveWriter(path: path)
        try writer.defineDimension("x", length: 1)
        try writer.writeVariable("s", dimensions: ["x"], values: .strings(["a"]), units: "1", longName: "s")
        try writer.commit()
        let reader = try ArchiveReader(path: path)
        assertArchiveError(["no object '/missing'", path]) { _ = try reader.readDoubles("/missing") }
        assertArchiveError(["'/s'", "is a string; expected numbers"]) { _ = try reader.readDoubles("/s") }
        let missing = directory.appendingPathComponent("nothing.h5").path
        assertArchiveError(["cannot open archive '\(missing)': no such file"]) { _ = try ArchiveReader(path: missing) }
        let text = directory.appendingPathComponent("text.h5")
        try Data("not hdf5".utf8).write(to: text)
        let notHDF5 = assertArchiveError(["cannot open archive '\(text.path)'", "H5Fopen"]) { _ = try ArchiveReader(path: text.path) }
        print("example HDF5 error: \(notHDF5?.description ?? "none")")
    }
}
