import Foundation
import GGUF
import XCTest

/// Paths that are not regular files are refused before anything opens them: a FIFO with no
/// writer would otherwise block `open` forever.
final class SpecialFileTests: XCTestCase {
    /// Runs `body` on another thread; if it has not returned within `seconds`, calls `unblock`
    /// (so the thread can finish) and fails instead of hanging the suite.
    private func withinTime(_ seconds: Double, unblock: () -> Void, _ body: @escaping @Sendable () -> Void,
                            file: StaticString = #filePath, line: UInt = #line) {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            body()
            done.signal()
        }
        if done.wait(timeout: .now() + seconds) == .timedOut {
            XCTFail("still running after \(seconds) s", file: file, line: line)
            unblock()
            _ = done.wait(timeout: .now() + 10)
        }
    }

    func testFIFOIsRefusedWithoutBlocking() throws {
        let dir = try TestPaths.temporaryDirectory(for: self)
        let fifo = dir.appendingPathComponent("model.gguf").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0, String(cString: strerror(errno)))
        let message = LockedBox("")
        withinTime(5, unblock: {
            let writer = open(fifo, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
        }) {
            do {
                _ = try GGUFFile(path: fifo)
                message.set("opened")
            } catch {
                message.set("\(error)")
            }
        }
        XCTAssert(message.get().contains("is a FIFO (named pipe): allowed a regular file"), message.get())
    }

    func testCharacterDeviceIsRefused() {
        XCTAssertThrowsError(try GGUFFile(path: "/dev/null")) { error in
            XCTAssert("\(error)".contains("is a character device: allowed a regular file"), "\(error)")
        }
    }
}

/// A value shared with a background thread.
final class LockedBox<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func set(_ newValue: Value) { lock.lock(); value = newValue; lock.unlock() }

    func get() -> Value { lock.lock(); defer { lock.unlock() }; return value }
}
