import Foundation
import Inference
import RoPE

/// The identity of an attention-profile grid (`probe attention`): one text, specs × context
/// lengths × attention directions, and the statistics' layout. Equal definitions (equal `hash`)
/// give equal values cell by cell.
public struct AttentionProfileGridDefinition: Codable, Equatable, Sendable {
    public var modelSHA256: String
    public var text: GridText
    public var specs: [GridSpec]
    /// Window lengths L, tokens, in the order given.
    public var contextLengths: [Int]
    public var attentions: [AttentionDirection]
    /// Lower edges of the distance bins (tokens, first 0); the last bin ends at the longest L.
    public var distanceEdges: [Int]
    public var sinkTokens: Int
    public var localWindow: Int
    /// Lower edges of the query-position bins (first 0).
    public var queryEdges: [Int]
    public var maximumWindows: Int?

    public init(modelSHA256: String, text: GridText, specs: [GridSpec], contextLengths: [Int], attentions: [AttentionDirection],
                layout: AttentionProfileLayout, maximumWindows: Int?) {
        self.modelSHA256 = modelSHA256
        self.text = text
        self.specs = specs
        self.contextLengths = contextLengths
        self.attentions = attentions
        distanceEdges = layout.distanceEdges
        sinkTokens = layout.sinkTokens
        localWindow = layout.localWindow
        queryEdges = layout.queryEdges
        self.maximumWindows = maximumWindows
    }

    /// The statistics' layout (checked when the definition was built).
    public func layout() throws -> AttentionProfileLayout {
        try AttentionProfileLayout(distanceEdges: distanceEdges, sinkTokens: sinkTokens, localWindow: localWindow, queryEdges: queryEdges)
    }

    /// Distance-bin edges including the upper end of the last bin (the longest L): count bins + 1.
    public var distanceBinBounds: [Int] { distanceEdges + [max(contextLengths.max() ?? 1, (distanceEdges.last ?? 0) + 1)] }

    /// Cells, specs × lengths × attentions.
    public var cellCount: Int { specs.count * contextLengths.count * attentions.count }

    /// The cell at flat index `(spec·C + length)·A + attention`.
    public func cell(_ flat: Int) -> AttentionCellKey {
        let a = attentions.count, c = contextLengths.count
        return AttentionCellKey(spec: flat / (c * a), length: flat / a % c, attention: flat % a)
    }

    public func flatIndex(_ key: AttentionCellKey) -> Int { (key.spec * contextLengths.count + key.length) * attentions.count + key.attention }

    /// SHA-256 of the sorted-key JSON of the definition (the text by its hash, not its label).
    public var hash: String {
        var copy = self
        copy.text.label = ""
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return SHA256.hex((try? encoder.encode(copy)) ?? Data())
    }

    /// One-line JSON (stored in the archive).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// Indices of one cell into the spec, context-length and attention coordinates.
public struct AttentionCellKey: Hashable, Codable, Sendable {
    public var spec: Int
    public var length: Int
    public var attention: Int

    public init(spec: Int, length: Int, attention: Int) {
        self.spec = spec
        self.length = length
        self.attention = attention
    }
}

/// One cell's outcome: the profile summed over its windows, or why it was skipped.
public struct AttentionCellResult: Sendable {
    public enum Status: Sendable {
        case done(profile: AttentionProfile, windows: Int, seconds: Double)
        case skipped(reason: String)
    }

    public var key: AttentionCellKey
    /// The resolved canonical spec (empty when skipped before resolution).
    public var resolvedSpec: String
    public var status: Status

    public var profile: AttentionProfile? {
        if case let .done(profile, _, _) = status { return profile }
        return nil
    }

    public var skipReason: String? {
        if case let .skipped(reason) = status { return reason }
        return nil
    }
}

/// Runs the cells of an attention-profile grid.
///
/// Estimator: each window of L tokens (the `score` windows: consecutive, non-overlapping, BOS
/// substituted as the GGUF asks, positions 0…L−1) is run once under the cell's spec and attention
/// mask; every query row's softmax over its allowed keys contributes its distance histogram,
/// distance, entropy, sink and local mass with weight 1 (`AttentionProfile`), and a cell reports
/// the mean over all rows of all windows, per layer × head. Assumptions: distances are window
/// positions (equal to RoPE distances here, since positions run 0…L−1); the statistics describe
/// the text given, not attention in general.
public struct AttentionProfileRunner: Sendable {
    public let context: ProbeContext
    public let definition: AttentionProfileGridDefinition
    public let tokens: [Int32]

    public init(context: ProbeContext, definition: AttentionProfileGridDefinition, tokens: [Int32]) {
        self.context = context
        self.definition = definition
        self.tokens = tokens
    }

    /// Resolves every spec at every length before anything runs (throws `RoPEError`).
    public func validateSpecs() throws {
        for spec in definition.specs {
            for length in definition.contextLengths { _ = try spec.resolve(in: context, length: length) }
        }
    }

    /// Runs one cell; `progress(done, total)` after each window.
    public func run(_ key: AttentionCellKey, progress: (Int, Int) -> Void = { _, _ in }) throws -> AttentionCellResult {
        let length = definition.contextLengths[key.length], attention = definition.attentions[key.attention]
        let scaling: RoPEScaling
        switch try definition.specs[key.spec].resolve(in: context, length: length) {
        case let .failure(skip): return AttentionCellResult(key: key, resolvedSpec: "", status: .skipped(reason: skip.reason))
        case let .success(value): scaling = value
        }
        guard tokens.count >= length else {
            return AttentionCellResult(key: key, resolvedSpec: scaling.canonicalSpec, status: .skipped(
                reason: "text '\(definition.text.label)' has \(tokens.count) tokens, fewer than one window of \(length)"))
        }
        let scoring = try ScoringProtocol(contextLength: length, maximumWindows: definition.maximumWindows, attention: attention)
        let windows = try scoring.windows(of: tokens, bos: context.windowBOS)
        let frequencies = try context.frequencies(scaling)
        let recorder = AttentionProfileRecorder(layout: try definition.layout())
        var seconds = 0.0
        for (index, window) in windows.enumerated() {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try context.model.forward(tokens: window, mask: AttentionMask(attention), frequencies: frequencies, logits: .none,
                                          attentionProfile: recorder)
            seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            progress(index + 1, windows.count)
        }
        guard let profile = recorder.profile else { throw ProbeError.emptyText }
        if let bad = (profile.mass + profile.distance + profile.entropy).firstIndex(where: { !$0.isFinite }) {
            throw ProbeError.nonFiniteResult(quantity: "an attention statistic (entry \(bad))",
                                             location: "spec \(scaling.canonicalSpec), L = \(length), \(attention.rawValue) attention")
        }
        return AttentionCellResult(key: key, resolvedSpec: scaling.canonicalSpec,
                                   status: .done(profile: profile, windows: windows.count, seconds: seconds))
    }

    /// Every cell in flat order; `progress(flat, window, windows)`.
    public func run(progress: (Int, Int, Int) -> Void = { _, _, _ in }) throws -> [AttentionCellResult] {
        try (0..<definition.cellCount).map { flat in try run(definition.cell(flat)) { progress(flat, $0, $1) } }
    }
}
