import ArgumentParser
import BLASRuntime
import Foundation
import GGUF
import Inference
import Probes
import RoPE
import Tokenizers

/// `ropescope score MODEL.gguf`: per-token NLL and perplexity over consecutive windows.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a text with the model over consecutive non-overlapping windows (llama.cpp perplexity protocol).",
        discussion: """
            Tokenises the whole file (BOS only if the GGUF sets add_bos_token, then substituted for \
            each window's first token), cuts windows of --context-length tokens, runs each from \
            position 0 and scores every target after the first (or targets L/2+1…L−1 with \
            --score second-half). Bidirectional attention lets each position see its target: the \
            result is then a leakage diagnostic, not a perplexity.
            """)

    @OptionGroup var modelOptions: GGUFModelOptions

    @OptionGroup var input: TextInputOptions

    @Option(parsing: .unconditional, help: "Window length L in tokens (k suffix allowed).", transform: LengthArgument.parse)
    var contextLength: Int

    @OptionGroup var rope: RoPESpecOptions

    @OptionGroup var attentionOptions: AttentionOptions

    @OptionGroup var windowOptions: ScoredWindowOptions

    @Option(help: ArgumentHelp("Comma-separated hook names or globs to capture (needs --output), e.g. 'blocks.*.attn.hook_pattern'.",
                               valueName: "names"))
    var exportHooks: String?

    @Option(help: "Comma-separated layers for hooks (default: all).")
    var hookLayers: String?

    @Option(help: "Comma-separated heads for hook_attn_scores/hook_pattern (default: all).")
    var hookHeads: String?

    @Option(help: ArgumentHelp("Query positions a:b for hook_attn_scores/hook_pattern (default: all).", valueName: "a:b"))
    var hookQueries: String?

    @OptionGroup var outputOptions: OutputOptions

    var model: String { modelOptions.model }
    var output: String? { outputOptions.output }
    var windows: Int? { windowOptions.windows }
    var score: ScoredTargets { windowOptions.span }

    mutating func validate() throws {
        try input.validate()
        guard contextLength >= 2, contextLength <= 1 << 20 else {
            throw ValidationError("invalid --context-length \(contextLength): allowed 2...1048576 tokens")
        }
        try windowOptions.check(contextLength: contextLength)
        guard rope.specs.count <= 1 else {
            throw ValidationError("--rope given \(rope.specs.count) times: score takes one spec (probe perplexity takes several)")
        }
        if exportHooks != nil, output == nil { throw ValidationError("--export-hooks needs --output FILE.h5") }
        if let output { try OutputPath.check(output, inputs: [modelOptions.model, input.textFile]) }
        _ = try hookSelection()
    }

    func hookSelection() throws -> HookSelection {
        guard let exportHooks else { return .none }
        func integers(_ text: String?, _ option: String) throws -> [Int]? {
            try text.map { list in
                try list.split(separator: ",").map { item in
                    guard let value = Int(item.trimmingCharacters(in: .whitespaces)), value >= 0 else {
                        throw ValidationError("invalid \(option) entry '\(item)': allowed non-negative integers, comma-separated")
                    }
                    return value
                }
            }
        }
        var queries: Range<Int>?
        if let hookQueries {
            let parts = hookQueries.split(separator: ":").map { Int($0) }
            guard parts.count == 2, let a = parts[0], let b = parts[1], a >= 0, a < b else {
                throw ValidationError("invalid --hook-queries '\(hookQueries)': allowed a:b with 0 <= a < b")
            }
            queries = a..<b
        }
        let patterns = exportHooks.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return HookSelection(patterns, layers: try integers(hookLayers, "--hook-layers").map(Set.init),
                             heads: try integers(hookHeads, "--hook-heads"), queryPositions: queries)
    }

    func run() throws {
        let text = try input.read()
        let context = try modelOptions.context()
        // Refuse a window whose buffers would not fit beside the weights, before allocating them.
        try probeCall { try ForwardMemory.check(context, contextLength: contextLength) }
        let scaling = try ValidatedRoPE.call { try context.scaling(rope.specs.first, targetLength: contextLength) }
        let frequencies = try ValidatedRoPE.call { try context.frequencies(scaling) }
        let direction = context.attention(attentionOptions.attention)
        if direction == .bidirectional {
            Output.printWarning("bidirectional attention sees each target; the NLL is a leakage diagnostic, not a perplexity")
        }
        let scoring = try probeCall { try ScoringProtocol(contextLength: contextLength, maximumWindows: windows,
                                                          scoredTargets: score, attention: direction) }
        let tokens = context.tokens(text)
        let bos = context.windowBOS
        if let threads = modelOptions.threads { BLASThreading.setThreadCount(threads) }
        let probe = PerplexityProbe(model: context.model, frequencies: frequencies, scoring: scoring)
        let interactive = isatty(STDERR_FILENO) != 0
        let progress = { (done: Int, total: Int, rate: Double) in
            guard interactive else { return }
            let remaining = Double((total - done) * contextLength) / max(rate, 1e-9)
            Output.progress("score: window \(done)/\(total), \(Int(rate)) tokens/s, ETA \(Int(remaining)) s" + (done == total ? "\n" : ""))
        }
        let summary: ScoreSummary
        if let output {
            var result: ScoreSummary?
            let configurationJSON = Export.json([
                "model": model, "spec": scaling.canonicalSpec, "context_length": contextLength,
                "attention": direction.rawValue, "score": score.rawValue, "windows": windows ?? -1,
            ])
            try Export.write(path: output, configurationJSON: configurationJSON) { writer in
                try writer.setAttribute("model_sha256", .string(try probeCall { try context.modelSHA256() }))
                for (key, value) in context.provenanceMetadata { try writer.setAttribute("gguf:\(key)", .string(value)) }
                let archive = try ScoreArchive(container: writer, contextLength: contextLength)
                let run = try probeCall {
                    try probe.run(tokens: tokens, bos: bos, hooks: try hookSelection(), sink: archive,
                                  onWindow: { try archive.finishWindow($0) }, progress: progress)
                }
                for (name, value) in [("mean_nll", run.meanNLL), ("perplexity", run.perplexity)] {
                    try writer.setAttribute(name, .double(value))
                }
                result = run
            }
            guard let result else { throw Failure.writeFailed("no result was written to '\(output)'") }
            summary = result
        } else {
            summary = try probeCall { try probe.run(tokens: tokens, bos: bos, progress: progress) }
        }
        if outputOptions.json {
            try Output.printJSON(ScoreReport(summary: summary, spec: scaling.canonicalSpec, contextLength: contextLength,
                                             attention: direction.rawValue, textTokens: tokens.count))
            return
        }
        print("\(summary.windows) windows × \(contextLength) tokens, \(summary.tokensScored) scored, spec \(scaling.canonicalSpec), "
            + "\(direction.rawValue) attention")
        print("mean NLL \(Output.number(summary.meanNLL, digits: 6)) ± \(Output.number(summary.meanNLLStandardError, digits: 3)) nats, "
            + "PPL \(Output.number(summary.perplexity, digits: 6)) ± \(Output.number(summary.perplexityStandardError, digits: 4)), "
            + "\(Int(summary.tokensPerSecond)) tokens/s")
    }

    /// Text and window problems are data errors (exit 65); hook names and restrictions that the
    /// model does not have are usage errors (exit 64).
    private func probeCall<T>(_ body: () throws -> T) throws -> T {
        try ProbeFailure.call(body)
    }
}

/// JSON of `score`.
struct ScoreReport: Encodable {
    var tokensScored: Int
    var meanNll: Double
    var perplexity: Double
    var meanNllStandardError: Double
    var perplexityStandardError: Double
    var windows: Int
    var tokensPerSecond: Double
    var seconds: Double
    var spec: String
    var contextLength: Int
    var attention: String
    var textTokens: Int

    init(summary: ScoreSummary, spec: String, contextLength: Int, attention: String, textTokens: Int) {
        tokensScored = summary.tokensScored
        meanNll = summary.meanNLL
        perplexity = summary.perplexity
        meanNllStandardError = summary.meanNLLStandardError
        perplexityStandardError = summary.perplexityStandardError
        windows = summary.windows
        tokensPerSecond = summary.tokensPerSecond
        seconds = summary.seconds
        self.spec = spec
        self.contextLength = contextLength
        self.attention = attention
        self.textTokens = textTokens
    }
}
