import Foundation
import Probes

/// Documents of a training directory as byte tokens, split by document into training and
/// validation sets, packed into one stream per set with an end-of-document token after each:
/// ```
/// stream = doc₀ bytes, EOD, doc₁ bytes, EOD, …
/// ```
/// Documents are the `*.txt` files of the directory (sorted by name, read as bytes); every
/// `validationEvery`-th document (1-based: the 10th, 20th, …) goes to validation.
public struct TrainingCorpus: Sendable {
    /// Training and validation documents (bytes), in directory order.
    public let trainingSet: [[UInt8]], validationSet: [[UInt8]]
    /// Packed training tokens (`eod` packing).
    public let training: [Int32]
    /// Packed validation tokens (may be empty for a corpus of fewer than `validationEvery` documents).
    public let validation: [Int32]
    /// Documents in each set.
    public var trainingDocuments: Int { trainingSet.count }
    /// Documents in the validation set.
    public var validationDocuments: Int { validationSet.count }

    /// Packs in-memory documents (each a byte string); empty documents are dropped.
    public init(documents: [[UInt8]], validationEvery: Int = 10) {
        var trainingSet: [[UInt8]] = [], validationSet: [[UInt8]] = []
        for (index, document) in documents.enumerated() where !document.isEmpty {
            if validationEvery > 0 && (index + 1) % validationEvery == 0 { validationSet.append(document) }
            else { trainingSet.append(document) }
        }
        self.trainingSet = trainingSet
        self.validationSet = validationSet
        training = PackedStream(documents: trainingSet, strategy: .eod).tokens
        validation = PackedStream(documents: validationSet, strategy: .eod).tokens
    }

    /// Reads every `*.txt` file of `directory`. Throws `TrainingError.invalidCorpus` when the
    /// directory cannot be listed or holds no non-empty `.txt` file.
    public init(directory: URL, validationEvery: Int = 10) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".txt") }.sorted()
        } catch {
            throw TrainingError.unreadableCorpus(path: directory.path, reason: error.localizedDescription)
        }
        var documents: [[UInt8]] = []
        for name in names {
            let url = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw TrainingError.unreadableCorpus(path: url.path, reason: "cannot read the file")
            }
            documents.append([UInt8](data))
        }
        self.init(documents: documents, validationEvery: validationEvery)
        guard trainingDocuments > 0 else {
            throw TrainingError.invalidCorpus(reason: "\(directory.path) holds no non-empty .txt document for training")
        }
    }

    /// Throws `TrainingError.invalidCorpus` unless the training stream holds at least one window of
    /// `contextLength` tokens.
    public func check(contextLength: Int) throws {
        guard training.count >= contextLength else {
            throw TrainingError.invalidCorpus(
                reason: "\(training.count) training tokens in \(trainingDocuments) documents: need at least one window of \(contextLength)")
        }
    }

    /// `count` windows of `length` tokens starting at uniform random offsets of `stream`
    /// (`generator.next() % (stream.count − length + 1)`); empty when the stream is too short.
    public static func windows(_ stream: [Int32], length: Int, count: Int, generator: inout SplitMix64) -> [[Int32]] {
        guard stream.count >= length, length > 0 else { return [] }
        let span = UInt64(stream.count - length + 1)
        return (0..<count).map { _ in
            let start = Int(generator.next() % span)
            return Array(stream[start..<start + length])
        }
    }
}
