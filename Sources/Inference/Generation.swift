import RoPE
import Dispatch

/// Why `generate` stopped.
public enum GenerationStop: String, Sendable {
    /// A stop token (end of sequence) was produced; it is the last generated token.
    case endOfSequence = "eos"
    /// `maximumTokens` were generated.
    case maximumTokens = "max_tokens"
}

/// Tokens and timings of one `generate` call.
public struct GenerationResult: Sendable {
    /// The generated ids (a stop token included as the last one), count 1…maximumTokens.
    public let tokens: [Int32]
    public let stop: GenerationStop
    /// Prompt tokens run in the prefill.
    public let promptTokens: Int
    /// Seconds of the prefill (one batched pass over the prompt and the first choice).
    public let prefillSeconds: Double
    /// Decode steps (one cached single-token pass and one choice each): tokens.count − 1.
    public let decodeSteps: Int
    /// Seconds of all decode steps.
    public let decodeSeconds: Double

    /// Prompt tokens per second of the prefill.
    public var prefillTokensPerSecond: Double { Double(promptTokens) / max(prefillSeconds, 1e-9) }
    /// Decode steps per second; nil when there was none.
    public var decodeTokensPerSecond: Double? { decodeSteps > 0 ? Double(decodeSteps) / max(decodeSeconds, 1e-9) : nil }
}

extension LlamaModel {
    /// Causal generation with a KV cache: one batched prefill of `prompt` (positions 0…P−1), then
    /// one cached step per token (position P + t), each next token chosen from the last logits row
    /// by `TokenSampler.sample`; stops after a token in `stopTokens` or `maximumTokens` tokens.
    /// - Parameters:
    ///   - prompt: P ≥ 1 token ids (a BOS included when the model wants one).
    ///   - maximumTokens: ≥ 1.
    ///   - frequencies: the RoPE table (any spec) for every position.
    ///   - sampling: greedy or seeded sampling; `generator` is used only when sampling.
    ///   - cachePrecision: how the KV cache stores keys and values (binary16 halves the bytes a
    ///     decode step reads, at a relative error ≤ 2⁻¹¹ per cached value).
    ///   - onToken: called with each generated token as it is chosen (streaming output).
    /// - Throws: `InferenceError` for an empty prompt, an out-of-range token, `maximumTokens` < 1
    ///   or unusable frequencies.
    public func generate<Generator: RandomNumberGenerator>(
        prompt: [Int32], maximumTokens: Int, frequencies: RoPEFrequencies, sampling: SamplingParameters,
        stopTokens: Set<Int32> = [], cachePrecision: KeyValuePrecision = .float32, using generator: inout Generator,
        onToken: (Int32) -> Void = { _ in }
    ) throws -> GenerationResult {
        guard maximumTokens >= 1 else {
            throw InferenceError.invalidConfiguration(name: "maximum tokens", value: "\(maximumTokens)", allowed: "an integer >= 1")
        }
        guard !prompt.isEmpty else { throw InferenceError.emptyWindow }
        let cache = try KeyValueCache(model: self, capacity: prompt.count + maximumTokens - 1, frequencies: frequencies,
                                      precision: cachePrecision)
        func choose(_ result: ForwardResult) -> Int32 {
            result.logits.withUnsafeBufferPointer { TokenSampler.sample($0, parameters: sampling, using: &generator) }
        }
        let clock = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
        var started = clock()
        var tokens = [choose(try extend(cache, tokens: prompt))]
        let prefillSeconds = clock() - started
        onToken(tokens[0])
        started = clock()
        while tokens.count < maximumTokens, let last = tokens.last, !stopTokens.contains(last) {
            let next = choose(try extend(cache, tokens: [last]))
            tokens.append(next)
            onToken(next)
        }
        let decodeSeconds = clock() - started
        let stop: GenerationStop = tokens.last.map(stopTokens.contains) == true ? .endOfSequence : .maximumTokens
        return GenerationResult(tokens: tokens, stop: stop, promptTokens: prompt.count, prefillSeconds: prefillSeconds,
                                decodeSteps: tokens.count - 1, decodeSeconds: decodeSeconds)
    }
}
