import Foundation
import GGUF
import Inference
import Probes
import RoPEScopeTestSupport
import TensorArchive
import XCTest

/// The inputs of `probe interference`: documents from files, a directory or a split file, the
/// errors for unusable documents and a missing end-of-document token, the archive's layout, and
/// the mask + restart invariance on SmolLM2 (skipped when the model is absent).
final class InterferenceInputTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("interference-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func write(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testSplitTrimsPiecesAndDropsEmptyOnes() throws {
        let file = try write("fortunes", "First fortune.\n%\n  Second,\ntwo lines.\n%\n%\n\nThird.\n%\n")
        let documents = try InterferenceDocuments.load(.split(file: file, separator: "%"))
        XCTAssertEqual(documents.map(\.text), ["First fortune.", "Second,\ntwo lines.", "Third."])
        XCTAssertEqual(documents.map(\.label), ["\(file)#0", "\(file)#1", "\(file)#2"])
        XCTAssertThrowsError(try InterferenceDocuments.load(.split(file: file, separator: ""))) {
            guard case .invalidDocument? = $0 as? ProbeError else { return XCTFail("\($0)") }
        }
        let one = try write("one", "only one\n%\n")
        XCTAssertThrowsError(try InterferenceDocuments.load(.split(file: one, separator: "%"))) {
            guard case .tooFewDocuments(count: 1, _)? = $0 as? ProbeError else { return XCTFail("\($0)") }
        }
    }

    func testDirectoryTakesRegularVisibleFilesInNameOrder() throws {
        let folder = directory.appendingPathComponent("docs")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("nested"), withIntermediateDirectories: true)
        for (name, text) in [("b.txt", "bee"), ("a.txt", "ay"), (".hidden", "no"), ("c", "sea")] {
            try Data(text.utf8).write(to: folder.appendingPathComponent(name))
        }
        let documents = try InterferenceDocuments.load(.directory(folder.path))
        XCTAssertEqual(documents.map(\.text), ["ay", "bee", "sea"])
        XCTAssertEqual(documents.map(\.label), ["a.txt", "b.txt", "c"].map { folder.appendingPathComponent($0).path })
        XCTAssertThrowsError(try InterferenceDocuments.load(.directory(folder.appendingPathComponent("missing").path))) {
            guard case .unreadableFile? = $0 as? ProbeError else { return XCTFail("\($0)") }
        }
    }

    func testDocumentsThatTokeniseToNothingAreNamed() throws {
        let context = try InterferenceTests.context()
        let documents = [InterferenceDocument(label: "full.txt", text: "some words"), InterferenceDocument(label: "empty.txt", text: "")]
        XCTAssertThrowsError(try InterferenceDocuments.tokenize(documents, context: context)) { error in
            XCTAssertEqual(error as? ProbeError, .invalidDocument(
                label: "empty.txt",
                reason: "tokenises to nothing: allowed documents of at least 2 tokens (the first is context, the rest are scored)"))
            XCTAssertTrue("\(error)".contains("document 'empty.txt'"), "\(error)")
        }
        XCTAssertThrowsError(try InterferenceDocuments.tokenize([InterferenceDocument(label: "x", text: "x")], context: context)) {
            XCTAssertTrue("\($0)".contains("tokenises to 1 token"), "\($0)")
        }
        // A GGUF that adds BOS puts it before every document.
        let withBOS = try ProbeContext(file: try GGUFFile(bytes: try TinyModel.gguf(addBOS: true)), path: "bos.gguf")
        XCTAssertEqual(try InterferenceDocuments.tokenize([documents[0]], context: withBOS)[0],
                       [1] + withBOS.tokens("some words"))
    }

    func testEndOfDocumentTokenComesFromTheGGUFOrTheOverride() throws {
        let plain = try InterferenceTests.context()
        XCTAssertThrowsError(try EndOfDocument.token(context: plain, override: nil)) { error in
            XCTAssertEqual(error as? ProbeError, .missingEndOfDocumentToken(key: "tokenizer.ggml.eos_token_id"))
            XCTAssertTrue("\(error)".contains("--eod-token"), "\(error)")
        }
        XCTAssertEqual(try EndOfDocument.token(context: plain, override: 12), 12)
        XCTAssertThrowsError(try EndOfDocument.token(context: plain, override: 256)) {
            guard case .invalidParameter? = $0 as? ProbeError else { return XCTFail("\($0)") }
        }
        let withEOS = try InterferenceTests.context(bytes: try TinyModel.variant(metadata: ["tokenizer.ggml.eos_token_id": .uint32(9)]))
        XCTAssertEqual(try EndOfDocument.token(context: withEOS, override: nil), 9)
        XCTAssertEqual(try EndOfDocument.token(context: withEOS, override: 4), 4)
    }

    /// The archive holds the cells' own numbers under named coordinates, and its binned curves
    /// are the per-token values regrouped.
    func testArchiveHoldsTheCellsAndTheirBins() throws {
        let runner = try InterferenceTests.runner(try InterferenceTests.context(), packings: [.direct, .mask], positions: [.restart])
        let result = try runner.run()
        let path = directory.appendingPathComponent("interference.h5").path
        let writer = try ArchiveWriter(path: path)
        try InterferenceArchive.write(runner.definition, result: result, modelPath: "tiny.gguf", metadata: [("k", "v")], to: writer)
        try writer.commit()
        let reader = try ArchiveReader(path: path)
        XCTAssertEqual(try reader.readStrings("packing"), ["direct", "mask"])
        XCTAssertEqual(try reader.readStrings("positions"), ["restart"])
        XCTAssertEqual(try reader.readDoubles("mean_delta_nll"), result.cells.map(\.meanDeltaNLL))
        XCTAssertEqual(try reader.readDoubles("max_abs_delta_nll"), result.cells.map(\.maxAbsDeltaNLL))
        XCTAssertEqual(try reader.readDoubles("token_delta_nll"), result.cells.flatMap(\.deltaNLL))
        XCTAssertEqual(try reader.readInt64s("token_count"), result.cells.map { Int64($0.tokens) })
        let bins = runner.definition.positionBinEdges.count
        let byPosition = try reader.readDoubles("delta_nll_by_document_position")
        let counts = try reader.readInt64s("tokens_by_document_position")
        XCTAssertEqual(byPosition.count, 2 * bins)
        let direct = result.cells[0]
        for bin in 0..<bins {
            let members = zip(direct.deltaNLL, direct.documentPosition).filter {
                InterferenceCell.bin(Int($0.1), edges: runner.definition.positionBinEdges) == bin
            }.map(\.0)
            XCTAssertEqual(Int(counts[bin]), members.count)
            if !members.isEmpty { XCTAssertEqual(byPosition[bin], members.reduce(0, +) / Double(members.count), accuracy: 1e-12) }
        }
        XCTAssertEqual(try reader.readInt64s("document_window").count, runner.tokens.count)
        XCTAssertEqual(try reader.attribute("interference_hash", of: "/").stringValue, runner.definition.hash)
    }

    /// SmolLM2: under mask + restart a document's NLL does not change when packed (30 float32 layers;
    /// measured max 1.3e-5 nats, tolerance 1e-3), while direct concatenation changes it (measured max 12 nats).
    func testSmolLM2MaskRestartInvariance() throws {
        let path = ProcessInfo.processInfo.environment["ROPESCOPE_MODEL"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) is absent: run scripts/fetch-model.sh for the SmolLM2 interference check")
        }
        let context = try ProbeContext(file: try GGUFFile(path: path), path: path)
        let texts = ["The river flooded the valley in spring, and the farmers moved their sheep to the hills.",
                     "def add(a, b):\n    return a + b\n\nprint(add(2, 3))",
                     "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.",
                     "Chess openings such as the Sicilian Defence trade space for counterplay."]
        let runner = try InterferenceTests.runner(context, texts: texts, lengths: [96], packings: [.direct, .mask],
                                                  positions: [.restart])
        let result = try runner.run()
        XCTAssertGreaterThanOrEqual(result.layouts[0].windows.filter { $0.count > 1 }.count, 1)
        XCTAssertEqual(try InterferenceTests.cell(result, .mask, .restart).maxAbsDeltaNLL, 0, accuracy: 1e-3)
        XCTAssertGreaterThan(try InterferenceTests.cell(result, .direct, .restart).maxAbsDeltaNLL, 0.05)
    }
}
