import Analyzers
import Foundation
import RoPE

/// `--plan plan.json`: the same settings as the flags, for a run to keep under version control.
///
/// ```json
/// {"description": "LLaMA-2 to 16K", "preset": "llama2-7b", "dim": 128, "base": 10000,
///  "model": "models/m.gguf", "train_length": "4k", "target_length": "16k", "attention": "causal",
///  "rope": ["ntk:factor=4", "critical-ntk"], "thresholds": {"critical-bound-margin": 1.0},
///  "text_files": ["a.txt"], "budget": "10m"}
/// ```
/// Every key is optional. Read strictly (`StrictJSON`: UTF-8, no duplicate keys, no trailing
/// commas); an unknown key, a wrong type or a bad value is `VerdictError.planMalformed` naming the
/// key and its `path:line:column`. Relative `model` and `text_files` paths are relative to the
/// plan's directory.
public struct ValidationPlan: Equatable, Sendable {
    public var description: String?
    public var preset: ModelPreset?
    public var rotaryDimension: Int?
    public var base: Double?
    public var model: String?
    public var trainLength: Int?
    public var targetLength: Int?
    public var attention: String?
    public var rope: [String]?
    public var thresholds: [String: Double]?
    public var textFiles: [String]?
    public var budget: String?

    public init() {}

    /// Keys a plan may hold.
    public static let keys = ["description", "preset", "dim", "base", "model", "train_length", "target_length", "attention",
                              "rope", "thresholds", "text_files", "budget"]

    /// Reads `path`; throws `planUnreadable` or `planMalformed`.
    public static func load(path: String) throws -> ValidationPlan {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a regular file" : "no such file"
            throw VerdictError.planUnreadable(path: path, reason: reason)
        }
        var plan = try decode(data, path: path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolved(_ file: String) -> String { file.hasPrefix("/") ? file : directory.appendingPathComponent(file).path }
        plan.model = plan.model.map(resolved)
        plan.textFiles = plan.textFiles?.map(resolved)
        return plan
    }

    /// Decodes `data`; `path` labels errors as `path:line:column`.
    public static func decode(_ data: Data, path: String) throws -> ValidationPlan {
        let positions: [String: StrictJSON.Position]
        do {
            positions = try StrictJSON.check([UInt8](data))
        } catch let failure as StrictJSON.Failure {
            throw VerdictError.planMalformed(location: "\(path):\(failure.position.line):\(failure.position.column)",
                                             key: "(file)", reason: "not valid JSON: \(failure.reason)")
        }
        func location(_ key: String) -> String {
            let position = positions[key] ?? StrictJSON.Position(line: 1, column: 1)
            return "\(path):\(position.line):\(position.column)"
        }
        do {
            return try JSONDecoder().decode(Strict.self, from: data).plan
        } catch let failure as PlanFailure {
            throw VerdictError.planMalformed(location: location(failure.key), key: failure.key, reason: failure.reason)
        } catch let DecodingError.typeMismatch(type, context) {
            let key = context.codingPath.first?.stringValue ?? "(file)"
            let item = context.codingPath.count > 1 ? " (\(context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined()))" : ""
            throw VerdictError.planMalformed(location: location(key), key: key, reason: "wrong type\(item): expected \(Self.expected(key, type))")
        } catch let DecodingError.valueNotFound(type, context) {
            let key = context.codingPath.first?.stringValue ?? "(file)"
            throw VerdictError.planMalformed(location: location(key), key: key, reason: "null: expected \(Self.expected(key, type))")
        } catch let DecodingError.dataCorrupted(context) {
            let key = context.codingPath.first?.stringValue ?? "(file)"
            throw VerdictError.planMalformed(location: location(key), key: key, reason: context.debugDescription)
        } catch {
            throw VerdictError.planMalformed(location: location(""), key: "(file)", reason: "\(error)")
        }
    }

    /// What key `key` holds, for messages.
    static func expected(_ key: String, _ type: Any.Type) -> String {
        switch key {
        case "rope", "text_files": return "a list of strings"
        case "thresholds": return type is Double.Type ? "a number for each threshold" : "an object of threshold names to numbers"
        case "dim": return "an integer"
        case "base": return "a number"
        default: return "a string"
        }
    }

    private struct PlanFailure: Error {
        var key: String
        var reason: String
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private struct Strict: Decodable {
        var plan = ValidationPlan()

        init(from decoder: Decoder) throws {
            let container: KeyedDecodingContainer<AnyKey>
            do {
                container = try decoder.container(keyedBy: AnyKey.self)
            } catch {
                throw PlanFailure(key: "(file)", reason: "the top level must be a JSON object")
            }
            if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !ValidationPlan.keys.contains($0) }) {
                throw PlanFailure(key: unknown, reason: "unknown key: allowed \(ValidationPlan.keys.joined(separator: ", "))")
            }
            func key(_ name: String) -> AnyKey { AnyKey(stringValue: name) }
            plan.description = try container.decodeIfPresent(String.self, forKey: key("description"))
            if let name = try container.decodeIfPresent(String.self, forKey: key("preset")) {
                guard let preset = ModelPreset(rawValue: name) else {
                    throw PlanFailure(key: "preset", reason: "'\(name)': allowed \(ModelPreset.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                plan.preset = preset
            }
            plan.rotaryDimension = try container.decodeIfPresent(Int.self, forKey: key("dim"))
            plan.base = try container.decodeIfPresent(Double.self, forKey: key("base"))
            plan.model = try container.decodeIfPresent(String.self, forKey: key("model"))
            plan.trainLength = try Self.length(container, "train_length")
            plan.targetLength = try Self.length(container, "target_length")
            plan.attention = try container.decodeIfPresent(String.self, forKey: key("attention"))
            if let attention = plan.attention, !["causal", "bidirectional"].contains(attention) {
                throw PlanFailure(key: "attention", reason: "'\(attention)': allowed causal, bidirectional")
            }
            plan.rope = try container.decodeIfPresent([String].self, forKey: key("rope"))
            if plan.rope?.isEmpty == true { throw PlanFailure(key: "rope", reason: "empty list: allowed one spec or more (omit the key for the standard set)") }
            plan.thresholds = try container.decodeIfPresent([String: Double].self, forKey: key("thresholds"))
            var check = ValidationThresholds()
            for (name, value) in (plan.thresholds ?? [:]).sorted(by: { $0.key < $1.key }) {
                do { try check.set(name, value) } catch let error as VerdictError {
                    throw PlanFailure(key: "thresholds.\(name)", reason: "\(error)")
                }
            }
            plan.textFiles = try container.decodeIfPresent([String].self, forKey: key("text_files"))
            if plan.textFiles?.isEmpty == true { throw PlanFailure(key: "text_files", reason: "empty list: allowed one file or more") }
            plan.budget = try container.decodeIfPresent(String.self, forKey: key("budget"))
        }

        /// An integer or a string with a k/m suffix ("16k"), ≥ 1.
        static func length(_ container: KeyedDecodingContainer<AnyKey>, _ name: String) throws -> Int? {
            let key = AnyKey(stringValue: name)
            guard container.contains(key) else { return nil }
            if let number = try? container.decode(Int.self, forKey: key) {
                guard number >= 1 else { throw PlanFailure(key: name, reason: "\(number): allowed an integer >= 1") }
                return number
            }
            guard let text = try? container.decode(String.self, forKey: key) else {
                throw PlanFailure(key: name, reason: "wrong type: expected an integer or a string such as \"16k\"")
            }
            guard let value = ValidationPlan.parseLength(text) else {
                throw PlanFailure(key: name, reason: "'\(text)': allowed an integer >= 1 with an optional k or m suffix")
            }
            return value
        }
    }

    /// "16k" → 16384, "1m" → 1048576, "4096" → 4096 (RoPE's `parseLength`); nil when not a length ≥ 1.
    public static func parseLength(_ text: String) -> Int? {
        guard let value = RoPE.parseLength(text), value >= 1, value <= RoPESpec.maximumLength else { return nil }
        return value
    }
}
