import Foundation
import RoPEScopeTestSupport
import XCTest

/// A CLI test case with a fresh temporary `directory` holding the tiny random model
/// (`TinyModel.gguf()`, byte-level vocabulary) at `model`; the directory is removed afterwards.
class TinyModelCLITestCase: XCTestCase {
    var directory: URL!
    var model: String!

    override func setUpWithError() throws {
        directory = try CLI.temporaryDirectory()
        model = directory.appendingPathComponent("tiny.gguf").path
        try Data(TinyModel.gguf()).write(to: URL(fileURLWithPath: model))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }
}
