import Foundation

/// The masks of a masked-diffusion run with the options that drew them, as JSON, so that an
/// independent reference (scripts/fixtures/numpy_masked_diffusion_reference.py) can recompute
/// the bound and the masked CE from the same windows.
///
/// JSON (snake_case keys): `format` ("ropescope.masks.v1"), `context_length` L, `scored_positions`
/// [m] (the maskable window positions), `samples` n, `seed`, `rule` ("bernoulli" | "exact"),
/// `ratio_floor` ε, `mask_token_id`, `shift_logits`, `records` [{`window`, `sample`, `ratio`,
/// `masked_positions`}] in run order. Window tokens are not included: they are the text's
/// windows under the same `ScoringProtocol`.
public struct MaskExport: Equatable, Sendable, Codable {
    public static let formatName = "ropescope.masks.v1"

    public let format: String
    public let contextLength: Int
    public let scoredPositions: [Int]
    public let samples: Int
    public let seed: UInt64
    public let rule: MaskRule
    public let ratioFloor: Double
    public let maskTokenID: Int32
    public let shiftLogits: Bool
    public var records: [MaskRecord]

    /// An export of `records` drawn under `options` for windows of `scoring`.
    public init(options: MaskedDiffusionOptions, scoring: ScoringProtocol, records: [MaskRecord] = []) {
        format = Self.formatName
        contextLength = scoring.contextLength
        scoredPositions = Array(scoring.scoredTargets.targetPositions(contextLength: scoring.contextLength))
        samples = options.samples
        seed = options.seed
        rule = options.rule
        ratioFloor = options.ratioFloor
        maskTokenID = options.maskTokenID
        shiftLogits = options.shiftLogits
        self.records = records
    }

    /// The options the masks were drawn with (throws `ProbeError` when the file holds invalid ones).
    public func options() throws -> MaskedDiffusionOptions {
        try MaskedDiffusionOptions(samples: samples, seed: seed, rule: rule, maskTokenID: maskTokenID,
                                   shiftLogits: shiftLogits, ratioFloor: ratioFloor)
    }

    /// Compact, key-sorted JSON bytes (stable for identical runs).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    /// Decodes an export; throws `ProbeError.invalidParameter` for another format.
    public static func decode(_ data: Data) throws -> MaskExport {
        let export = try JSONDecoder().decode(MaskExport.self, from: data)
        guard export.format == formatName else {
            throw ProbeError.invalidParameter(name: "mask export format", value: export.format, allowed: formatName)
        }
        return export
    }

    enum CodingKeys: String, CodingKey {
        case format, contextLength = "context_length", scoredPositions = "scored_positions", samples, seed, rule
        case ratioFloor = "ratio_floor", maskTokenID = "mask_token_id", shiftLogits = "shift_logits", records
    }
}
