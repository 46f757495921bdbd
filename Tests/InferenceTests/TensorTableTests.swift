import GGUF
import Inference
import RoPEScopeTestSupport
import XCTest

/// The tensor table must be exactly what the declared architecture reads: a `block_count` smaller
/// than the blocks present, bias or unknown tensors, and missing blocks are errors naming the
/// tensors, never a silently smaller or different model.
final class TensorTableTests: XCTestCase {
    private func loadError(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> InferenceError? {
        let gguf = try GGUFFile(bytes: bytes)
        do {
            _ = try LlamaGGUFLoader.model(gguf)
            return nil
        } catch let error as InferenceError {
            return error
        }
    }

    func testSuccessControl() throws {
        XCTAssertNil(try loadError(TinyModel.gguf()))
    }

    func testBlocksBeyondBlockCountAreRefused() throws {
        // Two blocks of tensors, block_count 1: scoring with one block would be another model.
        let bytes = try TinyModel.variant(extraTensors: TinyModel.blockTensors(layer: 1))
        let error = try XCTUnwrap(try loadError(bytes))
        guard case let .unusedTensors(names, layerCount, highestBlock) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(names.count, 9)
        XCTAssertEqual(names.first, "blk.1.attn_norm.weight")
        XCTAssertEqual(layerCount, 1)
        XCTAssertEqual(highestBlock, 1)
        XCTAssert(error.description.contains("blocks up to blk.1 but declares block_count 1"), error.description)
        XCTAssert(error.description.contains("'blk.1.attn_norm.weight'"), error.description)
        // With block_count 2 the same file is a valid two-block model.
        let two = try TinyModel.variant(metadata: ["llama.block_count": .uint32(2)], extraTensors: TinyModel.blockTensors(layer: 1))
        XCTAssertNil(try loadError(two))
    }

    func testMissingBlocksAreRefused() throws {
        let error = try loadError(TinyModel.variant(metadata: ["llama.block_count": .uint32(30)]))
        XCTAssertEqual(error, .missingTensor(name: "blk.1.attn_norm.weight"))
        let dropped = try loadError(TinyModel.variant(dropTensors: ["blk.0.ffn_up.weight"]))
        XCTAssertEqual(dropped, .missingTensor(name: "blk.0.ffn_up.weight"))
    }

    func testBiasAndUnknownTensorsAreRefused() throws {
        let bias = try loadError(TinyModel.variant(extraTensors: [("blk.0.attn_q.bias", [16], Array(repeating: 0.5, count: 16))]))
        XCTAssertEqual(bias, .unusedTensors(names: ["blk.0.attn_q.bias"], layerCount: 1, highestBlock: 0))
        let unknown = try loadError(TinyModel.variant(extraTensors: [("mystery", [4], [1, 2, 3, 4])]))
        XCTAssertEqual(unknown, .unusedTensors(names: ["mystery"], layerCount: 1, highestBlock: 0))
    }

    func testFrequencyFactorsTensorIsAllowed() throws {
        // rope_freqs.weight is read by declaredScaling (DeclaredScalingTests), so the model loads.
        let bytes = try TinyModel.variant(extraTensors: [("rope_freqs.weight", [4], [1, 1, 2, 4])])
        XCTAssertNil(try loadError(bytes))
    }
}
