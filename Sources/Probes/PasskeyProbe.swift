import Dispatch
import Inference
import RoPE

/// The axes and settings of a passkey grid: spec × context length × depth × trial.
public struct PasskeyGridDefinition: Sendable {
    /// `--rope` specs as given (nil = the GGUF's declared scaling), resolved per context length.
    public var specs: [String?]
    /// Prompt lengths L (tokens, BOS included; the answer comes after).
    public var contextLengths: [Int]
    /// Requested needle depths in [0, 1] (0 = right after the task line, 1 = right before the question).
    public var depths: [Double]
    /// Keys per cell, ≥ 1 (the same keys in every cell, so cells are paired).
    public var trials: Int
    /// Seed of the keys and distractors.
    public var seed: UInt64
    /// Random distractor keys per trial, ≥ 0.
    public var distractors: Int
    public var template: PasskeyTemplate

    public init(specs: [String?], contextLengths: [Int], depths: [Double], trials: Int, seed: UInt64, distractors: Int,
                template: PasskeyTemplate) {
        self.specs = specs
        self.contextLengths = contextLengths
        self.depths = depths
        self.trials = trials
        self.seed = seed
        self.distractors = distractors
        self.template = template
    }

    /// Decimal digits of every key.
    public static let keyDigits = 5

    /// The key of trial `t` and its distractors: the SplitMix64 stream seeded with
    /// `SplitMix64.output(seed: seed, index: t + 1)` gives k = 10000 + next() mod 90000 (five
    /// digits; the modulo bias is < 90000/2⁶⁴), first the key, then distractors, skipping repeats
    /// and keys whose answer has another token count (`answerTokens`).
    /// Throws `invalidParameter` when 100000 draws do not give enough distractors.
    public func keys(trial t: Int, answerTokens: (String) -> Int) throws -> (key: String, distractors: [String]) {
        var generator = SplitMix64(seed: SplitMix64.output(seed: seed, index: UInt64(t) + 1))
        func draw() -> String { String(10_000 + generator.next() % 90_000) }
        let key = draw()
        guard template.usesKey, distractors > 0 else { return (key, []) }
        let length = answerTokens(key)
        var chosen: [String] = []
        var seen: Set<String> = [key]
        for _ in 0..<100_000 where chosen.count < distractors {
            let candidate = draw()
            if seen.insert(candidate).inserted, answerTokens(candidate) == length { chosen.append(candidate) }
        }
        guard chosen.count == distractors else {
            throw ProbeError.invalidParameter(name: "--distractors", value: "\(distractors)",
                                              allowed: "at most \(chosen.count) distinct keys of the answer's token count")
        }
        return (key, chosen)
    }
}

/// One trial of one cell: the prompt facts and the scores.
public struct PasskeyTrialResult: Sendable {
    public let key: String
    public let needlePosition: Int
    public let actualDepth: Double
    public let score: PasskeyTrialScore
}

/// One cell (spec × context length × depth) and its trials.
public struct PasskeyCellResult: Sendable {
    public let spec: Int, length: Int, depth: Int
    /// The canonical spec the cell ran with.
    public let resolvedSpec: String
    public let trials: [PasskeyTrialResult]
    public let seconds: Double

    /// Fraction of trials whose generated answer equals the true one.
    public var exactMatch: Double { Double(trials.filter(\.score.exactMatch).count) / Double(trials.count) }
    /// Mean log p(answer | prompt), nats.
    public var meanLogProbability: Double { trials.reduce(0) { $0 + $1.score.answerLogProbability } / Double(trials.count) }
    /// Mean rank of the true key among itself and the distractors (1 = best).
    public var meanRank: Double { Double(trials.reduce(0) { $0 + $1.score.rank }) / Double(trials.count) }
}

/// Runs a passkey grid on one model: prompts are built once per (length, depth, trial) and
/// scored under every spec.
public struct PasskeyProbe: Sendable {
    public let context: ProbeContext
    public let definition: PasskeyGridDefinition
    public let haystack: Haystack
    public let method: PasskeyMethod

    public init(context: ProbeContext, definition: PasskeyGridDefinition, haystack: Haystack, method: PasskeyMethod) {
        self.context = context
        self.definition = definition
        self.haystack = haystack
        self.method = method
    }

    /// The answer token count of `key`.
    public func answerTokens(_ key: String) -> Int {
        context.tokens(PasskeyTemplate.filled(definition.template.answer, key: key)).count
    }

    /// Keys and distractor keys of every trial.
    public func trialKeys() throws -> [(key: String, distractors: [String])] {
        try (0..<definition.trials).map { try definition.keys(trial: $0, answerTokens: answerTokens) }
    }

    /// The prompt of one (length, depth, key).
    public func prompt(contextLength: Int, depth: Double, key: String) throws -> PasskeyPrompt {
        try PasskeyPrompt.build(template: definition.template, key: key, contextLength: contextLength, depth: depth,
                                haystack: haystack, bos: context.windowBOS, tokenize: context.tokens)
    }

    /// Checks every prompt can be built and the sampler fits the answer, before any model pass.
    public func validate() throws {
        let keys = try trialKeys()
        for length in definition.contextLengths {
            for depth in definition.depths {
                for trial in keys {
                    let prompt = try prompt(contextLength: length, depth: depth, key: trial.key)
                    if case let .maskedDiffusion(sampler) = method { try sampler.validate(answerLength: prompt.answer.count) }
                }
            }
        }
    }

    /// Runs every cell in order spec × length × depth; `progress(done, total)` after each cell.
    public func run(progress: (Int, Int) -> Void = { _, _ in }) throws -> [PasskeyCellResult] {
        let keys = try trialKeys()
        let d = definition
        var results: [PasskeyCellResult] = []
        let total = d.specs.count * d.contextLengths.count * d.depths.count
        for (s, spec) in d.specs.enumerated() {
            for (l, length) in d.contextLengths.enumerated() {
                let scaling = try context.scaling(spec, targetLength: length)
                let scorer = PasskeyScorer(model: context.model, frequencies: try context.frequencies(scaling), method: method)
                for (k, depth) in d.depths.enumerated() {
                    let started = DispatchTime.now().uptimeNanoseconds
                    let trials = try keys.map { trial -> PasskeyTrialResult in
                        let prompt = try prompt(contextLength: length, depth: depth, key: trial.key)
                        let distractors = trial.distractors.map {
                            context.tokens(PasskeyTemplate.filled(d.template.answer, key: $0))
                        }
                        let score = try scorer.score(prompt: prompt.tokens, answer: prompt.answer, distractors: distractors)
                        guard score.answerLogProbability.isFinite, score.distractorLogProbabilities.allSatisfy(\.isFinite) else {
                            throw ProbeError.nonFiniteResult(quantity: "answer log-probability",
                                                             location: "spec \(scaling.canonicalSpec), L = \(length), depth \(depth)")
                        }
                        return PasskeyTrialResult(key: trial.key, needlePosition: prompt.needlePosition,
                                                  actualDepth: prompt.actualDepth, score: score)
                    }
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                    results.append(PasskeyCellResult(spec: s, length: l, depth: k, resolvedSpec: scaling.canonicalSpec,
                                                     trials: trials, seconds: seconds))
                    progress(results.count, total)
                }
            }
        }
        return results
    }
}
