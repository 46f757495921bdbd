import Foundation
import XCTest
@testable import GGUF

/// `Tests/Fixtures/gguf/model_reference.json`: what `gguf.GGUFReader` (gguf 0.19.0) reads from
/// SmolLM2-135M-Instruct.Q4_1.gguf (schema in the README next to it).
struct ModelReference: Decodable {
    enum Scalar: Decodable, Equatable {
        case string(String), number(Double), bool(Bool), null
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let d = try? c.decode(Double.self) { self = .number(d) }
            else { self = .string(try c.decode(String.self)) }
        }
    }
    struct Entry: Decodable {
        let key: String
        let type: String
        let value: Scalar?
        let element_type: String?
        let count: Int?
        let first: [Scalar]?
        let last: Scalar?
    }
    struct Tensor: Decodable {
        let name: String
        let type: String
        let type_id: UInt32
        let dims: [Int]
        let offset: Int
        let file_offset: Int
        let n_elements: Int
        let n_bytes: Int
    }
    struct Sample: Decodable {
        let tensor: String
        let type: String
        let n_elements: Int
        let raw_base64: String
        let values_f32le_base64: String
    }
    let model_size: Int
    let version: UInt32
    let tensor_count: Int
    let kv_count: Int
    let alignment: Int
    let data_offset: Int
    let metadata: [Entry]
    let tensors: [Tensor]
    let samples: [Sample]
}

/// Tier-3 integration on the real model; skipped with a message when the file is absent.
final class RealModelTests: XCTestCase {
    private func load() throws -> (GGUFFile, ModelReference) {
        let url = TestPaths.model
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("model not found at \(url.path): run scripts/fetch-model.sh or set ROPESCOPE_MODEL")
        }
        let fixtureURL = TestPaths.fixtures.appendingPathComponent("model_reference.json")
        let reference = try JSONDecoder().decode(ModelReference.self, from: Data(contentsOf: fixtureURL))
        let file = try GGUFFile(url: url)
        guard file.fileSize == reference.model_size else {
            throw XCTSkip("\(url.path) has \(file.fileSize) bytes, the fixture describes a \(reference.model_size)-byte file")
        }
        return (file, reference)
    }

    func testHeaderAndTensorTableMatchGGUFReader() throws {
        let (file, ref) = try load()
        XCTAssertEqual(file.version, ref.version)
        XCTAssertEqual(file.metadata.count, ref.kv_count)
        XCTAssertEqual(file.alignment, ref.alignment)
        XCTAssertEqual(file.dataOffset, ref.data_offset)
        XCTAssertEqual(file.tensors.count, ref.tensor_count)
        for (actual, expected) in zip(file.tensors, ref.tensors) {
            XCTAssertEqual(actual.name, expected.name)
            XCTAssertEqual(actual.type.description, expected.type, expected.name)
            XCTAssertEqual(actual.type.rawValue, expected.type_id, expected.name)
            XCTAssertEqual(actual.dimensions, expected.dims, expected.name)
            XCTAssertEqual(actual.offset, expected.offset, expected.name)
            XCTAssertEqual(actual.fileOffset, expected.file_offset, expected.name)
            XCTAssertEqual(actual.elementCount, expected.n_elements, expected.name)
            XCTAssertEqual(actual.byteSize, expected.n_bytes, expected.name)
        }
    }

    func testMetadataMatchesGGUFReader() throws {
        let (file, ref) = try load()
        XCTAssertEqual(file.metadata.keys, ref.metadata.map(\.key), "keys in file order")
        for entry in ref.metadata {
            guard let value = file.value(forKey: entry.key) else { XCTFail("missing \(entry.key)"); continue }
            XCTAssertEqual(value.type.description.uppercased(), entry.type, entry.key)
            if let expected = entry.value {
                XCTAssertEqual(scalar(value), expected, entry.key)
            } else if let elements = value.array {
                XCTAssertEqual(value.arrayElementType?.description.uppercased(), entry.element_type, entry.key)
                XCTAssertEqual(elements.count, entry.count, entry.key)
                XCTAssertEqual(elements.prefix(5).map(scalar), entry.first, entry.key)
                XCTAssertEqual(elements.last.map(scalar), entry.last, entry.key)
            }
        }
        XCTAssertEqual(try file.metadata.double(forKey: "llama.rope.freq_base"), 100_000)
        XCTAssertEqual(try file.metadata.stringArray(forKey: "tokenizer.ggml.tokens").count, 49_152)
    }

    private func scalar(_ value: GGUFValue) -> ModelReference.Scalar {
        if let s = value.string { return .string(s) }
        if let b = value.bool { return .bool(b) }
        if let i = value.int { return .number(Double(i)) }
        if let d = value.double { return .number(d) }
        return .null
    }

    func testFirstBlocksMatchGGUFDequantize() throws {
        let (file, ref) = try load()
        XCTAssertEqual(Set(ref.samples.map(\.type)), Set(file.tensors.map(\.type.description)), "a sample of every type present")
        for sample in ref.samples {
            let tensor = try file.tensor(named: sample.tensor)
            let raw = try decodeBase64(sample.raw_base64)
            XCTAssertEqual(Array(try file.rawBytes(of: tensor).prefix(raw.count)), raw, "\(sample.tensor): raw bytes")
            let rows = (sample.n_elements + tensor.rowLength - 1) / tensor.rowLength
            let values = try file.dequantizeRows(of: tensor, 0..<rows)
            let expected = try decodeFloat32Base64(sample.values_f32le_base64)
            // Bit-identical: see DequantizeFixtureTests for why no rounding slack is needed.
            assertFloatsMatch("\(sample.tensor) (\(sample.type))", Array(values.prefix(expected.count)), expected, maxULPs: 0)
        }
    }

    func testWholeTensorEqualsItsRows() throws {
        let (file, _) = try load()
        let tensor = try file.tensor(named: "blk.0.ffn_down.weight")   // Q4_1 [1536, 576]
        let all = try file.dequantize(tensor)
        XCTAssertEqual(all.count, 1536 * 576)
        XCTAssertTrue(all.allSatisfy(\.isFinite))
        XCTAssertEqual(Array(all[(575 * 1536)...]), try file.dequantizeRows(of: tensor, 575..<576))
        let embedding = try file.tensor(named: "token_embd.weight")    // Q8_0 [576, 49152]
        XCTAssertEqual(try file.dequantizeRows(of: embedding, 49_151..<49_152).count, 576)
    }
}
