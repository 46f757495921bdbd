import Foundation
import GGUF
import RoPEScopeTestSupport
import XCTest

/// `--weights float32|quantized` on `score`: both give the same NLL on the same file, a bad value
/// is a usage error, and a tensor type neither path converts is a data error naming the tensor
/// and the type (exit 65, nothing written).
final class CLIWeightsTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    private func score(_ model: String, _ extra: [String]) -> [String] {
        ["score", model, "--text", String(repeating: "hello world ", count: 4), "--context-length", "8"] + extra
    }

    func testQuantizedAndFloat32ScoreAlike() throws {
        let model = try write(TinyModel.gguf(), "tiny.gguf")
        let float = try CLI.run(score(model, ["--json", "--weights", "float32"]))
        let quantized = try CLI.run(score(model, ["--json", "--weights", "quantized"]))
        XCTAssertEqual(float.status, 0, float.stderr)
        XCTAssertEqual(quantized.status, 0, quantized.stderr)
        let a = try XCTUnwrap(try float.json()["mean_nll"] as? Double)
        let b = try XCTUnwrap(try quantized.json()["mean_nll"] as? Double)
        // Same float32 weights; only sgemm's summation order may differ (see QuantizedModelTests).
        XCTAssertEqual(a, b, accuracy: 1e-4)
        let bad = try CLI.run(score(model, ["--weights", "int4"]))
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssert(bad.stderr.contains("int4"), bad.stderr)
    }

    func testUnconvertibleTensorTypeIsADataErrorOnBothPaths() throws {
        // blk.0.attn_q.weight stored as F64 (a valid GGUF type that no dequantiser converts).
        let base = try GGUFFile(bytes: TinyModel.gguf())
        var writer = try GGUFWriter()
        for entry in base.metadata.entries { try writer.addMetadata(entry.key, entry.value) }
        for tensor in base.tensors {
            if tensor.name == "blk.0.attn_q.weight" {
                let bytes = try base.dequantize(tensor).flatMap { value -> [UInt8] in
                    withUnsafeBytes(of: Double(value).bitPattern.littleEndian) { Array($0) }
                }
                try writer.addTensor(name: tensor.name, type: .f64, dimensions: tensor.dimensions, rawBytes: bytes)
            } else {
                try writer.addTensor(name: tensor.name, dimensions: tensor.dimensions, values: try base.dequantize(tensor))
            }
        }
        let model = try write(writer.serialized(), "f64.gguf")
        for weights in ["float32", "quantized"] {
            let output = directory.appendingPathComponent("out-\(weights).h5").path
            let result = try CLI.run(score(model, ["--weights", weights, "--output", output]))
            XCTAssertEqual(result.status, 65, result.stderr)
            for fragment in ["f64.gguf", "blk.0.attn_q.weight", "F64"] {
                XCTAssert(result.stderr.contains(fragment), "\(weights): stderr lacks '\(fragment)': \(result.stderr)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), "output left behind")
        }
    }
}
