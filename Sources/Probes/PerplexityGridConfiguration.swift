import Foundation
import Inference

/// `--config grid.json` of `probe perplexity`: the grid's axes and options, read strictly.
///
/// ```json
/// {"text_files": ["a.txt"], "rope": ["none", "yarn:factor=4"], "context_lengths": ["2k", 4096],
///  "estimator": "chain-rule", "scored_span": "last:256", "windows": 4, "attention": "causal",
///  "position_bins": "log"}
/// ```
/// Every key is optional; an unknown key, a wrong type or a bad value is an error naming the key.
/// Relative `text_files` are relative to the config file's directory.
public struct PerplexityGridConfiguration: Equatable, Sendable {
    public var textFiles: [String]?
    public var specs: [String]?
    public var contextLengths: [Int]?
    public var estimator: GridEstimator?
    public var scoredSpan: ScoredTargets?
    public var windows: Int?
    public var attention: AttentionDirection?
    public var positionBins: String?

    public static let keys = ["text_files", "rope", "context_lengths", "estimator", "scored_span", "windows", "attention",
                              "position_bins"]

    /// Parses the file at `path`; throws `ProbeError.invalidConfiguration` naming the key.
    public static func load(path: String) throws -> PerplexityGridConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ProbeError.unreadableFile(path: path, reason: "missing or not readable")
        }
        var result: PerplexityGridConfiguration
        do {
            result = try JSONDecoder().decode(Strict.self, from: data).value
        } catch let error as ProbeError {
            throw ProbeError.invalidConfiguration(path: path, key: error.configurationKey, reason: error.configurationReason)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw ProbeError.invalidConfiguration(path: path, key: context.codingPath.first?.stringValue ?? "(file)",
                                                  reason: "wrong type: \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            throw ProbeError.invalidConfiguration(path: path, key: context.codingPath.first?.stringValue ?? "(file)",
                                                  reason: context.debugDescription)
        } catch {
            throw ProbeError.invalidConfiguration(path: path, key: "(file)", reason: "\(error)")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        result.textFiles = result.textFiles?.map { $0.hasPrefix("/") ? $0 : base.appendingPathComponent($0).path }
        return result
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes with every check; errors are `ProbeError.invalidConfiguration(path: "", …)`.
    private struct Strict: Decodable {
        var value = PerplexityGridConfiguration()

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            func fail(_ key: String, _ reason: String) -> ProbeError { .invalidConfiguration(path: "", key: key, reason: reason) }
            if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !keys.contains($0) }) {
                throw fail(unknown, "unknown key: allowed \(keys.joined(separator: ", "))")
            }
            func list(_ key: String) throws -> [String]? {
                guard let values = try container.decodeIfPresent([String].self, forKey: AnyKey(stringValue: key)) else { return nil }
                guard !values.isEmpty else { throw fail(key, "allowed a non-empty list of strings") }
                return values
            }
            func string(_ key: String) throws -> String? { try container.decodeIfPresent(String.self, forKey: AnyKey(stringValue: key)) }
            value.textFiles = try list("text_files")
            value.specs = try list("rope")
            if let lengths = try container.decodeIfPresent([LengthItem].self, forKey: AnyKey(stringValue: "context_lengths")) {
                guard !lengths.isEmpty else { throw fail("context_lengths", "allowed a non-empty list") }
                value.contextLengths = try lengths.map { item in
                    guard let length = item.value, length >= 2 else {
                        throw fail("context_lengths", "entry \(item.text): allowed integers >= 2 or strings such as \"4k\"")
                    }
                    return length
                }
            }
            if let text = try string("estimator") {
                guard let estimator = GridEstimator(rawValue: text) else {
                    throw fail("estimator", "'\(text)': allowed \(GridEstimator.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                value.estimator = estimator
            }
            if let text = try string("scored_span") {
                guard let span = ScoredTargets(rawValue: text) else { throw fail("scored_span", "'\(text)': allowed all, second-half, last:N") }
                value.scoredSpan = span
            }
            if let windows = try container.decodeIfPresent(Int.self, forKey: AnyKey(stringValue: "windows")) {
                guard windows >= 1 else { throw fail("windows", "\(windows): allowed an integer >= 1") }
                value.windows = windows
            }
            if let text = try string("attention") {
                guard let direction = AttentionDirection(rawValue: text) else { throw fail("attention", "'\(text)': allowed causal, bidirectional") }
                value.attention = direction
            }
            value.positionBins = try string("position_bins")
        }
    }

    /// An integer or a length string ("4k").
    private struct LengthItem: Decodable {
        var value: Int?
        var text: String

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) {
                value = number
                text = "\(number)"
            } else {
                text = try container.decode(String.self)
                value = parseGridLength(text)
            }
        }
    }
}

extension ProbeError {
    fileprivate var configurationKey: String {
        if case let .invalidConfiguration(_, key, _) = self { return key }
        return "(file)"
    }

    fileprivate var configurationReason: String {
        if case let .invalidConfiguration(_, _, reason) = self { return reason }
        return description
    }
}

/// A length with an optional k (×1024) or m (×1024²) suffix.
public func parseGridLength(_ text: String) -> Int? {
    let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
    var multiplier = 1, digits = Substring(trimmed)
    if trimmed.hasSuffix("k") { multiplier = 1024; digits = digits.dropLast() }
    else if trimmed.hasSuffix("m") { multiplier = 1 << 20; digits = digits.dropLast() }
    guard let value = Int(digits), value >= 0 else { return nil }
    let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
    return overflow ? nil : product
}

/// Position-bin edges from `--position-bins`: `log` (1, 2, 4, …) or ascending comma-separated
/// lower edges starting at 1 (e.g. `1,64,512,4096`).
public func positionBinEdges(_ text: String?, maximumLength: Int) throws -> [Int] {
    guard let text, text != "log" else { return PerplexityGridDefinition.logBinEdges(maximumLength: maximumLength) }
    let items = text.split(separator: ",", omittingEmptySubsequences: false).map { parseGridLength(String($0)) }
    guard let edges = items as? [Int], edges.first == 1, zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }),
          let last = edges.last, last < maximumLength || edges.count == 1 else {
        throw ProbeError.invalidParameter(
            name: "--position-bins", value: "'\(text)'",
            allowed: "log, or ascending comma-separated lower edges starting at 1 and below the longest context length \(maximumLength)")
    }
    return edges
}
