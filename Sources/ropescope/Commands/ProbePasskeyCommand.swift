import ArgumentParser
import BLASRuntime
import Foundation
import Inference
import Probes
import RoPE

/// `ropescope probe passkey MODEL --context-length 1k,2k --depth 0,0.5,1 ...`: retrieval of a
/// planted key at each depth of a filler haystack, over spec × context length × depth × trial.
struct ProbePasskeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passkey",
        abstract: "Passkey / needle retrieval over a grid of RoPE specs × context lengths × needle depths × trials.",
        discussion: """
            Each prompt has exactly --context-length tokens: task line, haystack (the classic filler, \
            repeated, or --haystack-file used once), the needle at the sentence boundary nearest each \
            depth, and the question. Scores per cell: exact match of the generated answer (causal: \
            greedy KV-cached decoding; masked diffusion: LLaDA's sampler over --steps in blocks of \
            --block-length), the answer's log-probability, and its rank among --distractors random keys.
            """)

    @OptionGroup var modelOptions: GGUFModelOptions

    @Option(name: .customLong("context-length"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Comma-separated prompt lengths in tokens (k suffix allowed), e.g. 1k,2k (repeatable).", valueName: "lengths"))
    var contextLengthLists: [String] = []

    @Option(parsing: .unconditional, help: ArgumentHelp("Comma-separated needle depths in [0, 1] (default 0,0.1,...,1).", valueName: "depths"))
    var depth: String?

    @OptionGroup var rope: RoPESpecOptions

    @Option(parsing: .unconditional, help: "Keys per cell, 1...10000 (default 5; the same keys in every cell).")
    var trials: Int = 5

    @Option(parsing: .unconditional, help: "Seed of the keys and distractors (default 0).")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Random distractor keys per trial for the rank score, 0...1000 (default 9).")
    var distractors: Int = 9

    @Option(help: ArgumentHelp("UTF-8 filler text, used once (default: the passkey filler, repeated).", valueName: "file"))
    var haystackFile: String?

    @Option(help: "Needle text; {key} is replaced by each trial's key (default: the passkey needle).")
    var needle: String?

    @Option(help: "Question text ending where the answer starts (default: ' What is the pass key? The pass key is').")
    var question: String?

    @Option(help: "Expected answer; {key} is replaced by the key (default: ' {key}').")
    var answer: String?

    @Option(parsing: .unconditional, help: "Masked diffusion: denoising steps for the answer (default: the answer length).")
    var steps: Int?

    @Option(parsing: .unconditional, help: "Masked diffusion: semi-autoregressive block length, dividing the answer length (default: the answer length).")
    var blockLength: Int?

    @Option(parsing: .unconditional, help: "Mask token id when the GGUF has no tokenizer.ggml.mask_token_id (or to override it).")
    var maskTokenId: Int32?

    @OptionGroup var attentionOptions: AttentionOptions

    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        _ = try lengths()
        _ = try depths()
        guard (1...10_000).contains(trials) else { throw ValidationError("invalid --trials \(trials): allowed 1...10000") }
        guard (0...1000).contains(distractors) else { throw ValidationError("invalid --distractors \(distractors): allowed 0...1000") }
        if let steps, steps < 1 { throw ValidationError("invalid --steps \(steps): allowed an integer >= 1") }
        if let blockLength, blockLength < 1 { throw ValidationError("invalid --block-length \(blockLength): allowed an integer >= 1") }
        if let maskTokenId, maskTokenId < 0 { throw ValidationError("invalid --mask-token-id \(maskTokenId): allowed a token id >= 0") }
        if let output = outputOptions.output { try OutputPath.check(output, inputs: [modelOptions.model, haystackFile]) }
        if distractors > 0, !template.usesKey {
            throw ValidationError("--distractors \(distractors) needs '{key}' in --answer (distractors are other keys): allowed --distractors 0")
        }
    }

    func lengths() throws -> [Int] {
        guard !contextLengthLists.isEmpty else { throw ValidationError("missing --context-length") }
        let lengths = try contextLengthLists.flatMap { list in
            try list.split(separator: ",", omittingEmptySubsequences: false).map { item in
                guard let length = parseGridLength(String(item)), (2...(1 << 20)).contains(length) else {
                    throw ValidationError("invalid --context-length entry '\(item)': allowed 2...1048576 tokens (k suffix allowed), comma-separated")
                }
                return length
            }
        }
        guard Set(lengths).count == lengths.count else { throw ValidationError("a --context-length is given twice: allowed distinct lengths") }
        return lengths
    }

    func depths() throws -> [Double] {
        guard let depth else { return (0...10).map { Double($0) / 10 } }
        let values = try depth.split(separator: ",", omittingEmptySubsequences: false).map { item in
            guard let value = Double(item.trimmingCharacters(in: .whitespaces)), value.isFinite, (0...1).contains(value) else {
                throw ValidationError("invalid --depth entry '\(item)': allowed numbers in [0, 1] (0 = start of the haystack, 1 = its end), comma-separated")
            }
            return value
        }
        guard Set(values).count == values.count else { throw ValidationError("a --depth is given twice: allowed distinct depths") }
        return values
    }

    var template: PasskeyTemplate {
        let base = PasskeyTemplate.passkey
        return PasskeyTemplate(task: needle == nil && question == nil && answer == nil ? base.task : "",
                               needle: needle ?? base.needle, question: question ?? base.question, answer: answer ?? base.answer)
    }

    func run() throws {
        let lengths = try lengths(), depths = try depths()
        let haystackText = try haystackFile.map(TextSource.read)
        let context = try modelOptions.context()
        let attention = context.attention(attentionOptions.attention)
        let method = try self.method(context: context, attention: attention)
        let haystack = try ProbeFailure.call {
            do {
                return try Haystack(text: haystackText ?? Haystack.defaultFiller, label: haystackFile ?? "default filler",
                                    repeats: haystackFile == nil, tokenize: context.tokens)
            } catch ProbeError.emptyText {
                throw Failure.malformedInput("haystack file '\(haystackFile ?? "")' has no words: nothing to fill the prompt with")
            }
        }
        let definition = PasskeyGridDefinition(
            specs: rope.specs.isEmpty ? [nil] : rope.specs, contextLengths: lengths, depths: depths, trials: trials, seed: seed,
            distractors: distractors, template: template)
        let probe = PasskeyProbe(context: context, definition: definition, haystack: haystack, method: method)
        for spec in rope.specs {
            for length in lengths { _ = try ValidatedRoPE.call { try context.scaling(spec, targetLength: length) } }
        }
        try ProbeFailure.call { try probe.validate() }
        for length in lengths {
            try ProbeFailure.call {
                try GenerateCommand.checkMemory(context, promptTokens: length + 64, capacity: length + 64, precision: .float32)
            }
        }
        if let threads = modelOptions.threads { BLASThreading.setThreadCount(threads) }
        let interactive = isatty(STDERR_FILENO) != 0
        let cells = try ProbeFailure.call {
            try probe.run { done, total in
                if interactive { Output.progress("probe passkey: cell \(done)/\(total)" + (done == total ? "\n" : "")) }
            }
        }
        if let output = outputOptions.output {
            let configuration = Export.json([
                "context_lengths": lengths, "depths": depths, "specs": rope.specs, "trials": trials, "seed": seed,
                "distractors": distractors, "haystack": haystack.label, "needle": template.needle, "question": template.question,
                "answer": template.answer, "task": template.task,
            ])
            try Export.write(path: output, configurationJSON: configuration) { writer in
                try PasskeyArchive.write(definition, cells: cells, haystack: haystack, method: method, modelPath: modelOptions.model,
                                         metadata: context.provenanceMetadata, to: writer)
            }
        }
        let report = PasskeyReport(cells: cells.map { PasskeyReport.Cell($0, definition) })
        if outputOptions.json {
            try Output.printJSON(report)
            return
        }
        var table = TextTable("spec", "L", "depth", "trials", "exact", "mean log p", "mean rank")
        for cell in report.cells {
            table.add([cell.spec, "\(cell.contextLength)", Output.number(cell.depth, digits: 3), "\(cell.trials)",
                       Output.number(cell.exactMatch, digits: 3), Output.number(cell.meanLogProb, digits: 5),
                       Output.number(cell.meanRank, digits: 3)])
        }
        print(table.render())
    }

    /// Causal models decode greedily; bidirectional runs use LLaDA's sampler with the mask token.
    private func method(context: ProbeContext, attention: AttentionDirection) throws -> PasskeyMethod {
        guard attention == .bidirectional else {
            if steps != nil || blockLength != nil || maskTokenId != nil {
                throw Failure.usage("--steps, --block-length and --mask-token-id apply to masked-diffusion (bidirectional) runs; "
                    + "this run is causal (the model's default or --attention)")
            }
            return .causal
        }
        let metadata = try ProbeFailure.call { try DiffusionMetadata(file: context.file) }
        let mask: Int32
        do {
            mask = try metadata.maskToken(override: maskTokenId)
        } catch let error as ProbeError {
            throw Failure.usage("\(error) (give --mask-token-id for a file without it)")
        }
        guard Int(mask) < context.configuration.vocabularySize else {
            throw Failure.usage("mask token id \(mask) is outside the vocabulary: allowed 0...\(context.configuration.vocabularySize - 1)")
        }
        let answerLength = context.tokens(PasskeyTemplate.filled(template.answer, key: "12345")).count
        return .maskedDiffusion(DiffusionSampler(steps: steps ?? answerLength, blockLength: blockLength ?? answerLength,
                                                 maskTokenID: mask, shiftLogits: metadata.shiftLogits))
    }
}

/// `probe passkey --json`: exactly the issue's keys.
struct PasskeyReport: Encodable {
    struct Cell: Encodable {
        var spec: String
        var contextLength: Int
        var depth: Double
        var trials: Int
        var exactMatch: Double
        var meanLogProb: Double
        var meanRank: Double

        init(_ cell: PasskeyCellResult, _ definition: PasskeyGridDefinition) {
            spec = cell.resolvedSpec
            contextLength = definition.contextLengths[cell.length]
            depth = definition.depths[cell.depth]
            trials = cell.trials.count
            exactMatch = cell.exactMatch
            meanLogProb = cell.meanLogProbability
            meanRank = cell.meanRank
        }
    }

    var cells: [Cell]
}
