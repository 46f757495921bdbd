import Foundation
import XCTest

@testable import ropescope
import Analyzers
import ArgumentParser
import GGUF
import Inference
import Probes
import RoPE
import Spectra
import TensorArchive
import Tokenizers

/// The fallback table from error types to README exit codes: every library error type maps to
/// 64, 65, 66, 74 (or 70 for an internal failure), never ArgumentParser's default 1.
final class ExitMappingTests: XCTestCase {
    func testEveryLibraryErrorTypeMapsToAREADMECode() {
        let cases: [(Error, Int32)] = [
            (TensorArchiveError.cannotCreateFile(path: "o.h5", reason: "x"), 74),
            (TensorArchiveError.targetNotRegularFile(path: "o.h5", kind: "a FIFO"), 74),
            (TensorArchiveError.targetIsInput(path: "o.h5", input: "o.h5"), 64),
            (TensorArchiveError.cannotOpenFile(path: "i.h5", reason: "x"), 66),
            (TensorArchiveError.notFound(object: "/x", file: "i.h5"), 65),
            (RoPEError.invalidParameter(name: "factor", value: "0", allowed: "> 0"), 64),
            (SpectraError.invalidParameter(name: "pair count", value: "1025", allowed: "1...1024"), 64),
            (SpectraError.lapackFailed(routine: "dtpqrt", info: -8), 70),
            (AnalyzerError.configUnreadable(path: "c.json", reason: "x"), 66),
            (AnalyzerError.configMalformed(path: "c.json", reason: "x"), 65),
            (AnalyzerError.invalidSpec(path: "--rope", field: "spec", message: "x"), 64),
            (GGUFError.cannotOpen(path: "m.gguf", reason: "x"), 66),
            (GGUFError.badMagic(found: [0, 1, 2, 3]), 65),
            (InferenceError.layerCountMismatch(count: 1, expected: 30), 65),
            (InferenceError.unknownHook(pattern: "x", known: []), 64),
            (ProbeError.textTooShort(tokens: 1, contextLength: 8), 65),
            (ProbeError.invalidParameter(name: "--windows", value: "0", allowed: ">= 1"), 64),
            (TokenizerError.missingBOSToken, 65),
            (CocoaError(.fileReadNoSuchFile), 66),
            (CocoaError(.fileWriteOutOfSpace), 74),
            (POSIXError(.ENOSPC), 74),
            (POSIXError(.ENOENT), 66),
            (NSError(domain: "unknown", code: 1), 70),
        ]
        for (error, code) in cases {
            XCTAssertEqual(ExitMapping.code(for: error), code, "\(error)")
        }
    }

    /// A library error thrown by `validate()` reaches `main` wrapped by ArgumentParser (exit 1
    /// before); the mapping unwraps it.
    func testErrorThrownByValidateIsUnwrapped() throws {
        struct Probe: ParsableCommand {
            func validate() throws { throw RoPEError.invalidParameter(name: "factor", value: "0", allowed: "> 0") }
        }
        XCTAssertThrowsError(try Probe.parseAsRoot([])) { error in
            XCTAssertEqual(Probe.exitCode(for: error), .failure, "ArgumentParser alone exits 1")
            XCTAssertEqual(ExitMapping.underlying(error) as? RoPEError,
                           .invalidParameter(name: "factor", value: "0", allowed: "> 0"))
            XCTAssertEqual((ExitMapping.mapped(error, command: Probe.self) as? ExitCode)?.rawValue, 64)
        }
        XCTAssertEqual((ExitMapping.mapped(ValidationError("x"), command: Probe.self) as? ValidationError)?.message, "x")
    }

    func testArgumentsThatAreNotUTF8AreNamedWithTheirBytes() {
        XCTAssertNil(ArgumentEncoding.problem(in: Array("out-é.h5".utf8), index: 2))
        let message = ArgumentEncoding.problem(in: [0x6F, 0xFF, 0x2E], index: 2)
        XCTAssertEqual(message?.hasPrefix("argument 2 'o\\xFF.' is not valid UTF-8"), true, message ?? "nil")
    }
}
