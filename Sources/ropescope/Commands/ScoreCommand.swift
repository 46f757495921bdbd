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

    @Argument(help: "GGUF model file.")
    var model: String

    @OptionGroup var input: TextInputOptions

    @Option(help: "Window length L in tokens (k suffix allowed).", transform: LengthArgument.parse)
    var contextLength: Int

    @Option(name: .customLong("rope"), help: ArgumentHelp("RoPE scaling spec (default: what the GGUF declares).", valueName: "spec"))
    var spec: String?

    @Option(help: "Attention: causal or bidirectional (default: the model's).")
    var attention: AttentionDirection?

    @Option(help: "Score at most N windows.")
    var windows: Int?

    @Option(help: "Targets to score: all or second-half.")
    var score: ScoredTargets = .all

    @Option(help: "OpenBLAS threads (default: all cores).")
    var threads: Int?

    @Option(help: ArgumentHelp("Comma-separated hook names or globs to capture (needs --output), e.g. 'blocks.*.attn.hook_pattern'.",
                               valueName: "names"))
    var exportHooks: String?

    @Option(help: "Comma-separated layers for hooks (default: all).")
    var hookLayers: String?

    @Option(help: "Comma-separated heads for hook_attn_scores/hook_pattern (default: all).")
    var hookHeads: String?

    @Option(help: ArgumentHelp("Query positions a:b for hook_attn_scores/hook_pattern (default: all).", valueName: "a:b"))
    var hookQueries: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write per-token NLL (and hooks) to a netCDF-4 HDF5 file.", valueName: "file.h5"))
    var output: String?

    @Flag(help: "Print JSON.")
    var json = false

    mutating func validate() throws {
        try input.validate()
        guard contextLength >= 2, contextLength <= 1 << 20 else {
            throw ValidationError("invalid --context-length \(contextLength): allowed 2...1048576 tokens")
        }
        if let windows, windows < 1 { throw ValidationError("invalid --windows \(windows): allowed an integer >= 1") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("invalid --threads \(threads): allowed 1...256") }
        if exportHooks != nil, output == nil { throw ValidationError("--export-hooks needs --output FILE.h5") }
        if let output { try OutputPath.check(output, inputs: [model, input.textFile]) }
        _ = try hookSelection()
        if let spec { _ = try ValidatedRoPE.call { try RoPESpec.parse(spec, defaults: RoPESpecDefaults(targetLength: contextLength)) } }
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
        let file = try ModelFile.open(model)
        let (tokenizer, llama) = try loadModel(file)
        let configuration = llama.weights.configuration
        let geometry = try ValidatedRoPE.call { try configuration.rotaryGeometry() }
        let scaling = try spec.map { spec in
            try ValidatedRoPE.call {
                try RoPESpec.parse(spec, defaults: RoPESpecDefaults(trainLength: configuration.trainedContextLength,
                                                                    targetLength: contextLength))
            }
        } ?? (try ModelFile.declaredScaling(file, path: model))
        let frequencies = try ValidatedRoPE.call { try scaling.frequencies(for: geometry) }
        let direction = attention ?? configuration.defaultAttention
        if direction == .bidirectional {
            Output.printError("warning: bidirectional attention sees each target; the NLL is a leakage diagnostic, not a perplexity")
        }
        let scoring = try probeCall { try ScoringProtocol(contextLength: contextLength, maximumWindows: windows,
                                                          scoredTargets: score, attention: direction) }
        let tokens = tokenizer.encode(text, addBOS: false)
        let bos = tokenizer.addsBOSByDefault ? tokenizer.bosID : nil
        if let threads { BLASThreading.setThreadCount(threads) }
        let probe = PerplexityProbe(model: llama, frequencies: frequencies, scoring: scoring)
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
        if json {
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

    private func loadModel(_ file: GGUFFile) throws -> (BPETokenizer, LlamaModel) {
        do {
            let tokenizer = try BPETokenizer(vocabulary: BPEVocabulary(gguf: file))
            return (tokenizer, try LlamaGGUFLoader.model(file))
        } catch let error as TokenizerError {
            throw Failure.malformedInput("'\(model)': \(error)")
        } catch let error as InferenceError {
            throw Failure.malformedInput("'\(model)': \(error)")
        }
    }

    /// Text and window problems are data errors (exit 65); hook names and restrictions that the
    /// model does not have are usage errors (exit 64).
    private func probeCall<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ProbeError {
            throw Failure.malformedInput("\(error)")
        } catch let error as InferenceError {
            switch error {
            case .unknownHook, .invalidHookRestriction: throw Failure.usage("\(error)")
            default: throw Failure.malformedInput("\(error)")
            }
        }
    }
}

extension AttentionDirection: ExpressibleByArgument {}
extension ScoredTargets: ExpressibleByArgument {}

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
