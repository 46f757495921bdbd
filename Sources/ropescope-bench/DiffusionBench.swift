import Foundation
import GGUF
import Inference
import Probes
import Tokenizers

/// How many samples the masked-diffusion bound needs: for each n, runs the `.bound` estimator
/// with `seeds` different seeds on the same windows and reports the mean bound, the seed-to-seed
/// standard deviation of the bound (the real Monte Carlo error, stratification included), the
/// mean standard error the probe reports (the i.i.d. formula) and seconds per forward pass.
/// A model without `tokenizer.ggml.mask_token_id` needs `maskTokenID` (e.g. an AR model run
/// bidirectionally, which is not a diffusion model: the numbers then only show the estimator's noise).
enum DiffusionBench {
    static func run(modelPath: String, textPath: String, contextLength: Int, windows: Int, sampleCounts: [Int],
                    seeds: Int, rule ruleName: String, maskTokenID: Int32?) throws -> [String: Any] {
        guard let rule = MaskRule(rawValue: ruleName) else {
            throw ProbeError.invalidParameter(name: "--mask-count", value: ruleName, allowed: "bernoulli or exact")
        }
        let file = try GGUFFile(path: modelPath)
        let model = try LlamaGGUFLoader.model(file)
        let tokenizer = try BPETokenizer(vocabulary: BPEVocabulary(gguf: file))
        let tokens = tokenizer.encode(try String(contentsOfFile: textPath, encoding: .utf8))
        let metadata = try DiffusionMetadata(file: file)
        let scoring = try ScoringProtocol(contextLength: contextLength, maximumWindows: windows, attention: .bidirectional)
        let frequencies = try model.frequencies(try LlamaGGUFLoader.declaredScaling(file))
        var rows: [[String: Any]] = []
        for samples in sampleCounts {
            var bounds: [Double] = [], errors: [Double] = [], seconds = 0.0, passes = 0
            for seed in 0..<seeds {
                let options = try MaskedDiffusionOptions(metadata: metadata, samples: samples, seed: UInt64(seed), rule: rule,
                                                         maskTokenOverride: maskTokenID)
                let summary = try MaskedDiffusionProbe(model: model, frequencies: frequencies, scoring: scoring, options: options)
                    .run(tokens: tokens, bos: nil)
                bounds.append(summary.meanNLL)
                errors.append(summary.standardError ?? .nan)
                seconds += summary.seconds
                passes += summary.windows * summary.samples
            }
            let mean = bounds.reduce(0, +) / Double(bounds.count)
            let spread = (bounds.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, bounds.count - 1))).squareRoot()
            rows.append(["samples": samples, "mean_bound": mean, "seed_sd": spread,
                         "reported_se": errors.reduce(0, +) / Double(errors.count), "seconds_per_pass": seconds / Double(passes)])
        }
        return ["model": modelPath, "context_length": contextLength, "windows": windows, "seeds": seeds,
                "rule": rule.rawValue, "results": rows]
    }
}
