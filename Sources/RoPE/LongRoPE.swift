import Foundation

/// LongRoPE / Phi-3 scaling (transformers `_compute_longrope_parameters`).
///
/// ```
/// ext = long_factor if S > L_orig else short_factor          (per pair, [d/2])
/// θ'_i = 1/(ext_i·b^(2i/d)) = θ_i/ext_i
/// attention factor = given, else sqrt(1 + ln s/ln L_orig) for s > 1, else 1
/// ```
/// `factor` s defaults to 1 (no attention scaling) when not given; HF derives it from
/// max_position_embeddings/original_max_position_embeddings when the config has both.
enum LongRoPE {
    static func frequencies(_ p: LongRoPEParameters, geometry: RotaryGeometry) throws -> RoPEFrequencies {
        try Check.positive(p.originalContext, "longrope original-context")
        try Check.positive(p.sequenceLength, "longrope sequence-length")
        // Both lists are checked whichever one the sequence length selects: a bad list must not
        // pass because today's length happens not to use it.
        let short = try perPair(p.shortFactor, key: "short-factor", pairCount: geometry.pairCount)
        let long = try perPair(p.longFactor, key: "long-factor", pairCount: geometry.pairCount)
        for (key, list) in [("short-factor", short), ("long-factor", long)] {
            for value in list { try Check.within(value, 1e-3...1e6, "longrope \(key) entry") }
        }
        let factors = p.sequenceLength > p.originalContext ? long : short
        if let s = p.factor { try Check.positive(s, "longrope factor") }
        if let a = p.attentionFactor { try Check.positive(a, "longrope attention-factor") }

        let inverseFrequency = zip(geometry.inverseFrequency, factors).map { $0 / $1 }
        let attention: Double
        if let explicit = p.attentionFactor {
            attention = explicit
        } else if let s = p.factor, s > 1 {
            attention = (1 + Foundation.log(s) / Foundation.log(Double(p.originalContext))).squareRoot()
        } else {
            attention = 1
        }
        return RoPEFrequencies(inverseFrequency: inverseFrequency, attentionFactor: attention, effectiveBase: nil, criticalRule: nil)
    }

    static func perPair(_ values: [Double], key: String, pairCount: Int) throws -> [Double] {
        if values.count == pairCount { return values }
        if values.count == 1 { return Array(repeating: values[0], count: pairCount) }
        throw RoPEError.listLengthMismatch(key: key, count: values.count, expected: pairCount)
    }
}
