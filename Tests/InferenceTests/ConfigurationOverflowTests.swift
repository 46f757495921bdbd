import GGUF
@testable import Inference
import RoPE
import RoPEScopeTestSupport
import XCTest

/// File-supplied sizes: every field is range-checked and every product of fields is computed with
/// overflow-checked arithmetic, so a hostile GGUF gives an error naming the key, never a trap.
final class ConfigurationOverflowTests: XCTestCase {
    private func configuration(vocabulary: Int = 10, embedding: Int = 8, layers: Int = 1, heads: Int = 4, kvHeads: Int = 2,
                               headDimension: Int = 8, feedForward: Int = 4, rotary: Int? = nil, context: Int = 16,
                               tied: Bool = false) throws -> LlamaConfiguration {
        try LlamaConfiguration(
            vocabularySize: vocabulary, embeddingSize: embedding, layerCount: layers, headCount: heads, keyValueHeadCount: kvHeads,
            headDimension: headDimension, feedForwardSize: feedForward, rmsNormEpsilon: 1e-5, ropeBase: 10000,
            rotaryDimension: rotary, trainedContextLength: context, tiedOutput: tied)
    }

    private func assertInvalid(_ name: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line,
                               _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard case let .invalidConfiguration(found, value, allowed)? = error as? InferenceError else {
                return XCTFail("expected invalidConfiguration, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(found, name, file: file, line: line)
            XCTAssert("\(value) \(allowed)".contains(fragment), "\(error)", file: file, line: line)
        }
    }

    func testHugeFieldsAreOutOfRangeNotTraps() {
        assertInvalid("head dimension", "2...65536") { _ = try configuration(headDimension: 1 << 62, rotary: 8) }
        assertInvalid("head count", "1...65536") { _ = try configuration(heads: Int.max, kvHeads: 1) }
        assertInvalid("vocabulary size", "1...16777216") { _ = try configuration(vocabulary: Int.max) }
        assertInvalid("embedding size", "1...1048576") { _ = try configuration(embedding: 1 << 40) }
        assertInvalid("layer count", "1...65536") { _ = try configuration(layers: 1 << 17) }
        assertInvalid("feed-forward size", "1...4194304") { _ = try configuration(feedForward: -1) }
        assertInvalid("trained context length", "1...1073741824") { _ = try configuration(context: 0) }
    }

    func testProductsAreCheckedAgainstTheirLimits() {
        // Each factor is in range; the product is not.
        assertInvalid("query width (head count × head dimension)", "65536 × 65536 = 4294967296") {
            _ = try configuration(heads: 1 << 16, kvHeads: 1, headDimension: 1 << 16, rotary: 8)
        }
        // 2^16 layers of 3·2^22·2^20 MLP weights: 3·2^58, an Int, but above 2^48.
        assertInvalid("parameter count", "1...281474976710656") {
            _ = try configuration(embedding: 1 << 20, layers: 1 << 16, heads: 1, kvHeads: 1, feedForward: 1 << 22)
        }
        XCTAssertNoThrow(try configuration())
    }

    func testCheckedSizeReportsOverflow() {
        struct Overflow: Error {}
        XCTAssertEqual(try CheckedSize.product([3, 5, 7], overflow: { Overflow() }), 105)
        XCTAssertThrowsError(try CheckedSize.product([1 << 32, 1 << 31], overflow: { Overflow() })) { XCTAssert($0 is Overflow) }
        XCTAssertThrowsError(try CheckedSize.product([2, -1], overflow: { Overflow() })) { XCTAssert($0 is Overflow) }
        XCTAssertThrowsError(try CheckedSize.sum([Int.max, 1], overflow: { Overflow() })) { XCTAssert($0 is Overflow) }
        XCTAssertThrowsError(try LlamaConfiguration.checkedProduct([Int.max, 2], .queryWidth)) { error in
            XCTAssert("\(error)".contains("overflows a 64-bit integer"), "\(error)")
        }
    }

    func testSanityBounds() {
        assertInvalid("head count", "1...65536") { _ = try configuration(heads: 0) }
        assertInvalid("key/value head count", "divisor of the head count 4") { _ = try configuration(kvHeads: 3) }
        assertInvalid("key/value head count", "divisor of the head count 4") { _ = try configuration(kvHeads: 8) }
        assertInvalid("rotary dimension", "even integer in 2...7") { _ = try configuration(headDimension: 7) }
        assertInvalid("rotary dimension", "even integer in 2...8") { _ = try configuration(rotary: 10) }
        assertInvalid("vocabulary size", "1...16777216") { _ = try configuration(vocabulary: 0) }
    }

    // MARK: Through the GGUF loader: the message names the key(s)

    private func loaderError(_ overrides: [String: GGUFValue?], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let gguf = try GGUFFile(bytes: TinyModel.variant(metadata: overrides))
        do {
            _ = try LlamaGGUFLoader.configuration(gguf)
            XCTFail("no error for \(overrides)", file: file, line: line)
            return ""
        } catch let error as InferenceError {
            return error.description
        }
    }

    func testLoaderNamesTheKeyAndRange() throws {
        let keyLength = try loaderError(["llama.attention.key_length": .uint64(1 << 62)])
        XCTAssert(keyLength.contains("'llama.attention.key_length'") && keyLength.contains("2...65536"), keyLength)
        let product = try loaderError(["llama.attention.head_count": .uint32(1 << 16), "llama.attention.head_count_kv": .uint32(1),
                                       "llama.attention.key_length": .uint32(1 << 16)])
        XCTAssert(product.contains("'llama.attention.head_count × llama.attention.key_length'") && product.contains("1...1048576"),
                  product)
        let heads = try loaderError(["llama.attention.head_count": .int32(-3)])
        XCTAssert(heads.contains("'llama.attention.head_count'") && heads.contains("-3"), heads)
        let layers = try loaderError(["llama.block_count": .uint64(UInt64(Int.max))])
        XCTAssert(layers.contains("'llama.block_count'") && layers.contains("1...65536"), layers)
        let tooBig = try loaderError(["llama.block_count": .uint64(.max)])
        XCTAssert(tooBig.contains("'llama.block_count'"), tooBig)
        // An absent key is reported with the default it took.
        let rotary = try loaderError(["llama.rope.dimension_count": nil, "llama.attention.key_length": .uint32(7)])
        XCTAssert(rotary.contains("'llama.rope.dimension_count'") && rotary.contains("defaulted to the head dimension"), rotary)
        let vocabulary = try loaderError(["llama.vocab_size": .uint32(0)])
        XCTAssert(vocabulary.contains("'llama.vocab_size'") && vocabulary.contains("1...16777216"), vocabulary)
        let epsilon = try loaderError(["llama.attention.layer_norm_rms_epsilon": .float32(.nan)])
        XCTAssert(epsilon.contains("'llama.attention.layer_norm_rms_epsilon'"), epsilon)
    }

    func testValidFileStillLoadsAndRuns() throws {
        // Success control: the checks reject only bad values.
        let model = try LlamaGGUFLoader.model(GGUFFile(bytes: TinyModel.gguf()))
        let frequencies = try model.frequencies(.none)
        XCTAssertNoThrow(try model.forward(tokens: [1, 2, 3], frequencies: frequencies, logits: .none))
    }
}

/// Keys llama.cpp reads that would change the result are honoured or refused, never ignored.
final class UnsupportedKeyTests: XCTestCase {
    private func error(_ overrides: [String: GGUFValue?]) throws -> String? {
        do {
            _ = try LlamaGGUFLoader.configuration(GGUFFile(bytes: TinyModel.variant(metadata: overrides)))
            return nil
        } catch let error as InferenceError {
            return error.description
        }
    }

    func testResultChangingKeysAreRefused() throws {
        XCTAssertNil(try error([:]))
        XCTAssertNil(try error(["llama.attention.scale": .float32(0), "llama.attention.value_length": .uint32(8),
                                "llama.expert_count": .uint32(0), "llama.rope.scaling.finetuned": .bool(true)]))
        let alpha = try XCTUnwrap(try error(["llama.rope.scaling.alpha": .float32(1000)]))
        XCTAssert(alpha.contains("'llama.rope.scaling.alpha'") && alpha.contains("llama.rope.scaling.type"), alpha)
        let sections = try XCTUnwrap(try error(["llama.rope.dimension_sections": .array(elementType: .int32, elements: [.int32(2)])]))
        XCTAssert(sections.contains("'llama.rope.dimension_sections'"), sections)
        let scale = try XCTUnwrap(try error(["llama.attention.scale": .float32(0.5)]))
        XCTAssert(scale.contains("'llama.attention.scale'") && scale.contains("allowed 0 or absent"), scale)
        let value = try XCTUnwrap(try error(["llama.attention.value_length": .uint32(16)]))
        XCTAssert(value.contains("'llama.attention.value_length'") && value.contains("allowed 8"), value)
        let experts = try XCTUnwrap(try error(["llama.expert_count": .uint32(8)]))
        XCTAssert(experts.contains("'llama.expert_count'"), experts)
    }
}
