import GGUF
import Inference
import RoPEScopeTestSupport
import Tokenizers

extension TinyModel {
    static func load(addBOS: Bool = false) throws -> (GGUFFile, BPETokenizer, LlamaModel) {
        let file = try GGUFFile(bytes: try gguf(addBOS: addBOS))
        return (file, try BPETokenizer(vocabulary: BPEVocabulary(gguf: file)), try LlamaGGUFLoader.model(file))
    }
}
