import ArgumentParser
import Foundation
import Probes

/// Options of the masked-diffusion estimators (`probe perplexity --estimator masked-diffusion |
/// masked-ce`): samples per window, mask rule, seed, mask token override and the mask export.
struct MaskedEstimatorOptions: ParsableArguments {
    @Option(parsing: .unconditional,
            help: "Masked samples per window (one bidirectional forward pass each; the SE of the bound scales as 1/√n; default 32).")
    var samples: Int?

    @Option(help: ArgumentHelp("Mask rule: bernoulli (each scored token masked with probability t) or exact (LLaDA's stratified exact count).",
                               valueName: "rule"))
    var maskCount: MaskRule?

    @Option(parsing: .unconditional, help: "Seed of the masks (same seed, same masks; default 0); probe interference also orders its documents by it.")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Mask token id when the GGUF has no tokenizer.ggml.mask_token_id (or to override it).")
    var maskTokenId: Int32?

    @Option(help: ArgumentHelp("Write the masks of the run as JSON (ropescope.masks.v1), one file per context length: PATH.L<length>.json.",
                               valueName: "path"))
    var exportMasks: String?

    /// True when any masked-estimator option was given.
    var isSet: Bool { samples != nil || maskCount != nil || seed != nil || maskTokenId != nil || exportMasks != nil }

    func validate() throws {
        if let samples, !(1...1_000_000).contains(samples) {
            throw ValidationError("invalid --samples \(samples): allowed 1...1000000 (2 or more for a standard error)")
        }
        if let maskTokenId, maskTokenId < 0 { throw ValidationError("invalid --mask-token-id \(maskTokenId): allowed a token id >= 0") }
    }

    /// The estimator options for `context`'s GGUF (mask token and logits shift from its metadata,
    /// `--mask-token-id` winning); a missing mask token is a usage error naming the key.
    func options(context: ProbeContext) throws -> MaskedDiffusionOptions {
        do {
            let options = try MaskedDiffusionOptions(
                metadata: try DiffusionMetadata(file: context.file), samples: samples ?? MaskedDiffusionOptions.defaultSamples,
                seed: seed ?? 0, rule: maskCount ?? .bernoulli, maskTokenOverride: maskTokenId)
            guard Int(options.maskTokenID) < context.configuration.vocabularySize else {
                throw Failure.usage("mask token id \(options.maskTokenID) is outside the vocabulary: allowed 0...\(context.configuration.vocabularySize - 1)")
            }
            return options
        } catch let error as ProbeError {
            if case .missingMaskToken = error {
                throw Failure.usage("\(error) (give --mask-token-id for a file without it)")
            }
            throw ProbeFailure.mapped(error)
        }
    }

    /// Writes `PATH.L<length>.json` for every context length: the masks of windows 0…W−1 (W the
    /// most windows any text gives at that length), drawn by `MaskSampler` exactly as the cells
    /// draw them, so a reference can recompute every cell's estimate from the text's windows.
    static func exportMasks(to path: String, options: MaskedDiffusionOptions, definition: PerplexityGridDefinition) throws {
        let sampler = MaskSampler(options: options)
        for length in definition.contextLengths {
            let scoring = try ProbeFailure.call {
                try ScoringProtocol(contextLength: length, maximumWindows: definition.maximumWindows,
                                    scoredTargets: definition.scoredSpan, attention: definition.attention)
            }
            let candidates = Array(scoring.scoredTargets.targetPositions(contextLength: length))
            let windows = definition.texts.map { min($0.tokenCount / length, definition.maximumWindows ?? .max) }.max() ?? 0
            let records = (0..<windows).flatMap { sampler.masks(window: $0, candidates: candidates) }
            let target = "\(path).L\(length).json"
            try OutputPath.check(target)
            do {
                try MaskExport(options: options, scoring: scoring, records: records).jsonData()
                    .write(to: URL(fileURLWithPath: target), options: .atomic)
            } catch {
                throw Failure.writeFailed("could not write the masks to '\(target)': \(error.localizedDescription)")
            }
        }
    }
}

extension MaskRule: ExpressibleByArgument {}
