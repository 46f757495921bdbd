import CHDF5
import Foundation
import XCTest

@testable import TensorArchive

/// Output-path safety: only a writable regular file is ever replaced, an input is never the
/// output, temporary files are registered for the signal handler, and temporary files of killed
/// writers are recognised by their pid and deleted by the next writer to the same target.
final class OutputTargetTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try makeTemporaryDirectory("output-target") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func writeSmallArchive(_ path: String) throws {
        let writer = try ArchiveWriter(path: path)
        try writer.writeCoordinate("x", values: .ints([1, 2, 3]), units: "1", longName: "x")
        try writer.commit()
    }

    func testSymbolicLinkAtTargetIsRefusedAndLeftAlone() throws {
        let victim = path("victim.txt")
        try Data("keep".utf8).write(to: URL(fileURLWithPath: victim))
        let link = path("link.h5")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: victim)
        assertArchiveError(["'\(link)'", "a symbolic link", "only a regular file"]) { _ = try ArchiveWriter(path: link) }
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "keep")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), victim)
        XCTAssertEqual(try directoryListing(directory), ["link.h5", "victim.txt"], "no temporary file is left")
    }

    func testFIFOAndDevicesAreRefused() throws {
        let fifo = path("pipe.h5")
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        assertArchiveError(["'\(fifo)'", "a FIFO"]) { _ = try ArchiveWriter(path: fifo) }
        var status = stat()
        XCTAssertEqual(lstat(fifo, &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFIFO, "the FIFO is still there")
        // A private device node with /dev/null's numbers (major 1, minor 3 = Linux dev_t 0x103;
        // root only), never /dev/null itself.
        let device = path("null.h5")
        guard mknod(device, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0 else { return }
        assertArchiveError(["'\(device)'", "a character device"]) { _ = try ArchiveWriter(path: device) }
        XCTAssertEqual(lstat(device, &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFCHR)
        XCTAssertEqual(try directoryListing(directory), ["null.h5", "pipe.h5"])
    }

    func testReadOnlyFileIsRefusedEvenForRoot() throws {
        let readOnly = path("ro.h5")
        try Data("old".utf8).write(to: URL(fileURLWithPath: readOnly))
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: readOnly)
        assertArchiveError(["'\(readOnly)'", "read-only"]) { _ = try ArchiveWriter(path: readOnly) }
        XCTAssertEqual(try String(contentsOfFile: readOnly, encoding: .utf8), "old")
    }

    func testWritableRegularFileIsReplaced() throws {
        let target = path("old.h5")
        try Data("old".utf8).write(to: URL(fileURLWithPath: target))
        try writeSmallArchive(target)
        XCTAssertEqual(try ArchiveReader(path: target).readInt64s("/x"), [1, 2, 3])
    }

    func testOutputThatIsAnInputIsRefusedByFileIdentity() throws {
        let input = path("config.json")
        try Data("{}".utf8).write(to: URL(fileURLWithPath: input))
        let hardLink = path("hard.json")
        XCTAssertEqual(link(input, hardLink), 0)
        let softLink = path("soft.json")
        try FileManager.default.createSymbolicLink(atPath: softLink, withDestinationPath: input)
        let dotted = directory.path + "/./config.json"
        for candidate in [input, dotted, hardLink, softLink] {
            XCTAssertThrowsError(try OutputTarget.check(candidate, inputs: ["missing.txt", input])) { error in
                XCTAssertEqual(error as? TensorArchiveError, .targetIsInput(path: candidate, input: input))
            }
        }
        XCTAssertNoThrow(try OutputTarget.check(path("other.h5"), inputs: [input]))
        XCTAssertEqual(try String(contentsOfFile: input, encoding: .utf8), "{}")
    }

    func testTargetReplacedByASymbolicLinkBeforeCommitIsRefused() throws {
        let target = path("late.h5")
        let writer = try ArchiveWriter(path: target)
        try writer.writeCoordinate("x", values: .ints([1]), units: "1", longName: "x")
        try FileManager.default.createSymbolicLink(atPath: target, withDestinationPath: path("elsewhere.h5"))
        assertArchiveError(["a symbolic link"]) { try writer.commit() }
        XCTAssertEqual(try directoryListing(directory), ["late.h5"], "the temporary file is deleted")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: target), path("elsewhere.h5"))
    }

    func testTemporaryFileIsRegisteredWhileItExists() throws {
        let before = TemporaryFileRegistry.registeredCount
        let writer = try ArchiveWriter(path: path("a.h5"))
        XCTAssertEqual(TemporaryFileRegistry.registeredCount, before + 1)
        let name = URL(fileURLWithPath: writer.temporaryPath).lastPathComponent
        XCTAssertTrue(name.hasPrefix(".a.h5.tmp-\(getpid())-"), name)
        try writer.commit()
        XCTAssertEqual(TemporaryFileRegistry.registeredCount, before)
        let discarded = try ArchiveWriter(path: path("b.h5"))
        XCTAssertEqual(TemporaryFileRegistry.registeredCount, before + 1)
        discarded.discard()
        XCTAssertEqual(TemporaryFileRegistry.registeredCount, before)
    }

    /// A pid that belonged to a process which has exited and been reaped.
    private func deadPID() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        let pid = process.processIdentifier
        XCTAssertEqual(kill(pid, 0), -1, "pid \(pid) was reused already")
        return pid
    }

    func testStaleTemporaryOfDeadWriterIsRemovedOthersAreKept() throws {
        let dead = try deadPID()
        let stale = ".out.h5.tmp-\(dead)-0123456789abcdef"
        let live = ".out.h5.tmp-\(getppid())-0123456789abcdef"
        let legacy = ".out.h5.tmp-0123456789abcdef"
        let otherTarget = ".other.h5.tmp-\(dead)-0123456789abcdef"
        for name in [stale, live, legacy, otherTarget] {
            try Data("partial".utf8).write(to: directory.appendingPathComponent(name))
        }
        let writer = try ArchiveWriter(path: path("out.h5"))
        XCTAssertEqual(writer.removedStaleTemporaries, [path(stale)])
        try writer.commit()
        XCTAssertEqual(try directoryListing(directory), [legacy, live, otherTarget, "out.h5"].sorted())
    }
}
