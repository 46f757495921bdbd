import ArgumentParser
import BLASRuntime
import Foundation
import Inference
import Probes
import RoPE

/// `ropescope generate MODEL --prompt TEXT --max-tokens N`: KV-cached causal generation.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Continue a prompt with a causal model (KV cache: one batched prefill, then one cached step per token).",
        discussion: """
            Tokenises the prompt (BOS only if the GGUF sets add_bos_token), runs it at positions 0…P−1 \
            under --rope (default: the GGUF's scaling; target-length defaults to P + --max-tokens), then \
            chooses each next token greedily or, with --temperature > 0, by a seeded draw after top-k and \
            top-p. Stops at the GGUF's EOS token or after --max-tokens. The text goes to stdout, timings \
            to stderr; --json prints both as one object.
            """)

    @OptionGroup var modelOptions: GGUFModelOptions

    @Option(help: "Prompt text.")
    var prompt: String?

    @Option(name: .customLong("prompt-file"),
            help: ArgumentHelp("UTF-8 prompt file (a pipe or '-' for standard input works too).", valueName: "file"))
    var promptFile: String?

    @Option(parsing: .unconditional, help: "Most tokens to generate, 1...1048576 (the EOS token counts).")
    var maxTokens: Int

    @OptionGroup var rope: RoPESpecOptions

    @OptionGroup var sampling: SamplingOptions

    @Option(name: .customLong("kv-cache"),
            help: ArgumentHelp("How the KV cache stores keys and values: float16 (half the memory and the bytes each decode step reads, as llama.cpp's default) or float32 (exactly the full forward pass).", valueName: "float16|float32"))
    var cachePrecision: KeyValuePrecision = .float16

    @Flag(help: "Print JSON (prompt_tokens, token_ids, text, stop_reason, tokens_per_second, ...) instead of text.")
    var json = false

    func validate() throws {
        guard (prompt == nil) != (promptFile == nil) else { throw ValidationError("give exactly one of --prompt TEXT or --prompt-file FILE") }
        guard (1...(1 << 20)).contains(maxTokens) else { throw ValidationError("invalid --max-tokens \(maxTokens): allowed 1...1048576") }
        guard rope.specs.count <= 1 else { throw ValidationError("--rope given \(rope.specs.count) times: generate takes one spec") }
    }

    func run() throws {
        let text = try prompt ?? TextSource.read(promptFile ?? "-")
        let parameters = try sampling.parameters()
        let context = try modelOptions.context()
        guard context.configuration.defaultAttention == .causal else {
            throw Failure.usage("'\(modelOptions.model)' is a bidirectional (masked-diffusion) model: generate runs causal models "
                + "with a KV cache; allowed a causal (llama) GGUF, or `probe passkey` for LLaDA's masked-diffusion sampler")
        }
        var tokens = context.tokens(text)
        if let bos = context.windowBOS { tokens.insert(bos, at: 0) }
        guard !tokens.isEmpty else {
            let message = "the prompt is empty after tokenisation: allowed a prompt of at least one token"
            throw promptFile == nil ? Failure.usage(message) : Failure.malformedInput(message)
        }
        let length = tokens.count + maxTokens
        let scaling = try ValidatedRoPE.call { try context.scaling(rope.specs.first, targetLength: length) }
        let frequencies = try ValidatedRoPE.call { try context.frequencies(scaling) }
        try ProbeFailure.call {
            try Self.checkMemory(context, promptTokens: tokens.count, capacity: length, precision: cachePrecision)
        }
        if let threads = modelOptions.threads { BLASThreading.setThreadCount(threads) }
        var generator = SplitMix64(seed: sampling.seed)
        let result = try ProbeFailure.call {
            try context.model.generate(prompt: tokens, maximumTokens: maxTokens, frequencies: frequencies, sampling: parameters,
                                       stopTokens: Set([context.tokenizer.eosID].compactMap { $0 }),
                                       cachePrecision: cachePrecision, using: &generator)
        }
        let generated = try ProbeFailure.call { try context.tokenizer.decode(result.tokens) }
        let report = GenerateReport(result: result, text: generated, spec: scaling.canonicalSpec, parameters: parameters,
                                    seed: sampling.seed)
        if json {
            try Output.printJSON(report)
            return
        }
        print(generated.split(separator: "\n", omittingEmptySubsequences: false).map { TerminalText.escaped(String($0)) }
            .joined(separator: "\n"))
        let decode = result.decodeTokensPerSecond.map { "\(Output.number($0, digits: 4)) tokens/s" } ?? "n/a"
        FileHandle.standardError.write(Data(("\(result.promptTokens) prompt tokens, \(result.tokens.count) generated "
            + "(stop: \(result.stop.rawValue)), spec \(scaling.canonicalSpec); prefill "
            + "\(Output.number(result.prefillTokensPerSecond, digits: 4)) tokens/s, decode \(decode)\n").utf8))
    }

    /// Refuses (exit 64) a prompt whose prefill activations plus a KV cache of `capacity`
    /// positions would not fit in memory.
    static func checkMemory(_ context: ProbeContext, promptTokens: Int, capacity: Int, precision: KeyValuePrecision) throws {
        let c = context.configuration
        let needed = ForwardMemory.estimate(c, contextLength: promptTokens)
            + KeyValueCache.bytes(capacity: capacity, configuration: c, precision: precision)
        let available = ForwardMemory.available(weights: context.model.weights)
        guard needed <= available else {
            throw ProbeError.insufficientMemory(contextLength: capacity, estimatedBytes: needed, availableBytes: available)
        }
    }
}

/// `generate --json`: every key always present (null when there was no decode step).
struct GenerateReport: Encodable {
    struct Rates: Encodable {
        var prefill: Double
        @EncodeNull var decode: Double?
    }

    struct Sampling: Encodable {
        var temperature: Double
        var topK: Int
        var topP: Double
        var seed: UInt64
    }

    var promptTokens: Int
    var tokenIds: [Int32]
    var text: String
    var stopReason: String
    var spec: String
    var sampling: Sampling
    var tokensPerSecond: Rates
    var seconds: Rates

    init(result: GenerationResult, text: String, spec: String, parameters: SamplingParameters, seed: UInt64) {
        promptTokens = result.promptTokens
        tokenIds = result.tokens
        self.text = text
        stopReason = result.stop.rawValue
        self.spec = spec
        sampling = Sampling(temperature: parameters.temperature, topK: parameters.topK, topP: parameters.topP, seed: seed)
        tokensPerSecond = Rates(prefill: result.prefillTokensPerSecond, decode: result.decodeTokensPerSecond)
        seconds = Rates(prefill: result.prefillSeconds, decode: result.decodeSteps > 0 ? result.decodeSeconds : nil)
    }
}
