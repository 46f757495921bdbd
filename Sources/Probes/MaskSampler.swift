/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA
/// 2014; the constants of Vigna's public-domain `splitmix64.c`): a 64-bit state advanced by the
/// golden-ratio increment γ = 0x9E3779B97F4A7C15, each output a bijective mix of the state.
/// Chosen because it is one line to reproduce in any language.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose first output is `SplitMix64.output(seed: seed, index: 1)`.
    public init(seed: UInt64) { state = seed }

    /// The `index`-th output (1-based) of a generator seeded with `seed`, without stepping:
    /// mix(seed + index·γ).
    public static func output(seed: UInt64, index: UInt64) -> UInt64 {
        mix(seed &+ index &* 0x9E37_79B9_7F4A_7C15)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// A double uniform in [0, 1): the top 53 bits of `next()` times 2⁻⁵³.
    public mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One masked sample of one window: which positions were replaced by the mask token and the
/// ratio t whose reciprocal weights them in the bound. What a run exports so that an independent
/// reference can recompute its numbers (see `MaskExport`).
public struct MaskRecord: Equatable, Sendable, Codable {
    /// Window index (0-based, as `ScoringProtocol.windows(of:bos:)` orders them).
    public let window: Int
    /// Sample index i, 0…n−1.
    public let sample: Int
    /// t in (0, 1]: the Bernoulli masking probability, or l/m for an exact count l of m candidates.
    public let ratio: Double
    /// Masked window positions, ascending, each one of the window's scored positions.
    public let maskedPositions: [Int]

    public init(window: Int, sample: Int, ratio: Double, maskedPositions: [Int]) {
        self.window = window
        self.sample = sample
        self.ratio = ratio
        self.maskedPositions = maskedPositions
    }

    enum CodingKeys: String, CodingKey {
        case window, sample, ratio, maskedPositions = "masked_positions"
    }
}

/// Draws the masks of the masked-diffusion estimators, deterministically from the seed.
///
/// Per window w (independently of every other window, so a shard or a resumed run draws the same
/// masks), the generator is `SplitMix64(seed: SplitMix64.output(seed: seed, index: w + 1))`, and
/// its draws are used in this order:
/// 1. u = `nextUnitInterval()` ∈ [0, 1).
/// 2. Ratios, the low-discrepancy set of Kingma et al., *Variational Diffusion Models* (App. I.1),
///    as SMDM `evaluate_diff.py` (`mc` mode) and MDLM `diffusion.py` (`_sample_t`) draw them,
///    with their map away from 0 (ε = `ratioFloor`, default 10⁻³):
///    ```
///    s_i = (u + i/n) mod 1,   t_i = (1 − ε)·s_i + ε,   i = 0…n−1
///    ```
/// 3. `.bernoulli`: for i = 0…n−1, for each candidate position c in ascending order, c is masked
///    iff `nextUnitInterval()` < t_i. The record's ratio is t_i.
///
///    `.exactCount` (LLaDA `get_log_likelihood.py`, `forward_process`): with m candidates,
///    ```
///    k = 1 + min(m − 1, ⌊u·m⌋)          (uniform on 1…m)
///    l_i = ((round(k + i·m/n) − 1) mod m) + 1   (round half to even, as torch.round)
///    ```
///    and for i = 0…n−1 the l_i masked positions are the first l_i of a Fisher–Yates permutation
///    of the candidates (for k = m−1 down to 1: swap k with `next() % (k+1)`; the modulo bias is
///    below m/2⁶⁴), sorted ascending. The record's ratio is l_i/m.
///
/// Masks do not depend on token values, only on the window index, the candidates and the options.
public struct MaskSampler: Sendable {
    public let options: MaskedDiffusionOptions

    public init(options: MaskedDiffusionOptions) {
        self.options = options
    }

    /// t_i = (1 − ε)·((u + i/n) mod 1) + ε for i = 0…n−1; `offset` u in [0, 1), n ≥ 1.
    public static func ratios(offset u: Double, samples n: Int, ratioFloor epsilon: Double) -> [Double] {
        (0..<n).map { i in
            let stratified = (u + Double(i) / Double(n)).truncatingRemainder(dividingBy: 1)
            return (1 - epsilon) * stratified + epsilon
        }
    }

    /// LLaDA's stratified counts l_i = ((round(k + i·m/n) − 1) mod m) + 1, each in 1…m; `first`
    /// k in 1…m, n ≥ 1, m ≥ 1.
    public static func exactCounts(first k: Int, samples n: Int, candidates m: Int) -> [Int] {
        (0..<n).map { i in
            let rounded = Int((Double(k) + Double(i) * Double(m) / Double(n)).rounded(.toNearestOrEven))
            return ((rounded - 1) % m + m) % m + 1
        }
    }

    /// The n masks of window `window`; `candidates` are the maskable (scored) window positions.
    /// With no candidates every record masks nothing (ratio t_i, or 1 for an exact count).
    public func masks(window: Int, candidates: [Int]) -> [MaskRecord] {
        var generator = SplitMix64(seed: SplitMix64.output(seed: options.seed, index: UInt64(window) + 1))
        let u = generator.nextUnitInterval()
        let n = options.samples, m = candidates.count
        switch options.rule {
        case .bernoulli:
            let ratios = Self.ratios(offset: u, samples: n, ratioFloor: options.ratioFloor)
            return ratios.enumerated().map { i, t in
                let masked = candidates.filter { _ in generator.nextUnitInterval() < t }
                return MaskRecord(window: window, sample: i, ratio: t, maskedPositions: masked)
            }
        case .exactCount:
            guard m > 0 else {
                return (0..<n).map { MaskRecord(window: window, sample: $0, ratio: 1, maskedPositions: []) }
            }
            let counts = Self.exactCounts(first: 1 + min(m - 1, Int(u * Double(m))), samples: n, candidates: m)
            return counts.enumerated().map { i, count in
                var order = candidates
                for k in stride(from: m - 1, to: 0, by: -1) {
                    order.swapAt(k, Int(generator.next() % UInt64(k + 1)))
                }
                return MaskRecord(window: window, sample: i, ratio: Double(count) / Double(m),
                                  maskedPositions: order.prefix(count).sorted())
            }
        }
    }
}
