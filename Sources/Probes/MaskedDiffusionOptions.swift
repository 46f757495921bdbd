/// Which masked-diffusion number a `MaskedDiffusionProbe` reports.
public enum MaskedDiffusionEstimator: String, CaseIterable, Sendable, Codable {
    /// The Monte Carlo upper bound on the NLL (LLaDA, SMDM, MDLM): Σ masked CE / t, per token.
    case bound = "masked-diffusion"
    /// LongLLaDA's curve: mean CE over the masked tokens of each sample, without the 1/t weight
    /// (equal to `.bound` under exact counts; a biased ratio estimator under Bernoulli masks).
    case maskedCrossEntropy = "masked-ce"
}

/// How the tokens of one sample are masked, given its ratio.
public enum MaskRule: String, CaseIterable, Sendable, Codable {
    /// Each candidate token is masked independently with probability t (SMDM `mc`, MDLM); a
    /// sample may mask no token at all.
    case bernoulli
    /// LLaDA's stratified exact count: sample i masks exactly l_i of the m candidates, chosen
    /// uniformly (a random permutation), and is weighted by m / l_i (see `MaskSampler`).
    case exactCount = "exact"
}

/// Settings of the masked-diffusion estimators (see `MaskedDiffusionProbe` for the estimator and
/// `MaskSampler` for how masks are drawn).
public struct MaskedDiffusionOptions: Equatable, Sendable, Codable {
    /// Samples suggested when a caller has no better idea; the standard error the probe reports
    /// tells whether it suffices (it scales as 1/√n).
    public static let defaultSamples = 32
    /// ε of SMDM/MDLM's map t = (1 − ε)·s + ε that keeps ratios away from 0.
    public static let defaultRatioFloor = 1e-3

    /// n, masked samples (one bidirectional forward pass each) per window, ≥ 1.
    public var samples: Int
    /// Seed of the SplitMix64 streams every mask is drawn from (same seed ⇒ same masks).
    public var seed: UInt64
    /// Bernoulli masking at ratio t, or LLaDA's exact count.
    public var rule: MaskRule
    /// Token id written at masked positions, 0…V−1 (checked against the model by the probe).
    public var maskTokenID: Int32
    /// False: logits row j predicts token j (LLaDA). True: row j−1 predicts token j (Dream).
    public var shiftLogits: Bool
    /// ε in t = (1 − ε)·s + ε, in [0, 1); the smallest Bernoulli ratio (and largest weight 1/ε).
    public var ratioFloor: Double

    /// Throws `ProbeError.invalidParameter` for samples < 1, a negative mask token id or ε outside [0, 1).
    public init(samples: Int = MaskedDiffusionOptions.defaultSamples, seed: UInt64 = 0, rule: MaskRule = .bernoulli,
                maskTokenID: Int32, shiftLogits: Bool = false,
                ratioFloor: Double = MaskedDiffusionOptions.defaultRatioFloor) throws {
        guard samples >= 1 else {
            throw ProbeError.invalidParameter(name: "samples", value: "\(samples)", allowed: "an integer >= 1")
        }
        guard maskTokenID >= 0 else {
            throw ProbeError.invalidParameter(name: "mask token id", value: "\(maskTokenID)", allowed: "a token id >= 0")
        }
        guard ratioFloor >= 0, ratioFloor < 1 else {
            throw ProbeError.invalidParameter(name: "ratio floor ε", value: "\(ratioFloor)", allowed: "a number in [0, 1)")
        }
        self.samples = samples
        self.seed = seed
        self.rule = rule
        self.maskTokenID = maskTokenID
        self.shiftLogits = shiftLogits
        self.ratioFloor = ratioFloor
    }

    /// Options with the mask token and logits shift a GGUF declares (`maskTokenOverride` wins over
    /// the file); throws `ProbeError.missingMaskToken` naming `tokenizer.ggml.mask_token_id` when
    /// neither gives a mask token.
    public init(metadata: DiffusionMetadata, samples: Int = MaskedDiffusionOptions.defaultSamples, seed: UInt64 = 0,
                rule: MaskRule = .bernoulli, maskTokenOverride: Int32? = nil,
                ratioFloor: Double = MaskedDiffusionOptions.defaultRatioFloor) throws {
        try self.init(samples: samples, seed: seed, rule: rule, maskTokenID: try metadata.maskToken(override: maskTokenOverride),
                      shiftLogits: metadata.shiftLogits, ratioFloor: ratioFloor)
    }
}
