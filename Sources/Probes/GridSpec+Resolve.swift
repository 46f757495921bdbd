import Foundation
import RoPE

extension GridSpec {
    /// The spec axis of a probe grid: `--rope` texts (labelled by their canonical spec when it
    /// does not depend on the window length), else the GGUF's own scaling plus, when a length
    /// exceeds the trained context T, the standard candidates (`linear`/`ntk`/`yarn` at factor L/T,
    /// `critical-ntk`/`diffusion-ntk` at target L), as `probe perplexity` builds it. The text
    /// `declared` (`ProbeContext.declaredKeyword`) is the GGUF's own scaling alone: a grid of
    /// checkpoints that were trained at their target length needs no training-free candidates.
    public static func axis(_ texts: [String], lengths: [Int], context: ProbeContext) -> [GridSpec] {
        guard texts.isEmpty else {
            return texts.map { text in
                if ProbeContext.isDeclaredKeyword(text) {
                    return GridSpec(label: context.declaredScaling.canonicalSpec, source: .declared)
                }
                let label = (try? RoPESpec.parse(text, defaults: RoPESpecDefaults(trainLength: context.trainedContextLength)))?
                    .canonicalSpec ?? text.trimmingCharacters(in: .whitespaces)
                return GridSpec(label: label, source: .user(text))
            }
        }
        var specs = [GridSpec(label: context.declaredScaling.canonicalSpec, source: .declared)]
        if let longest = lengths.max(), longest > context.trainedContextLength {
            let train = context.trainedContextLength
            specs += candidateMethods.map { method in
                let label = ["critical-ntk", "diffusion-ntk"].contains(method) ? "\(method):target-length=L" : "\(method):factor=L/\(train)"
                return GridSpec(label: label, source: .candidate(method))
            }
        }
        return specs
    }

    /// The scaling of this spec at window length `length` on `context`'s model, or why the cell
    /// is skipped (a candidate at L ≤ T_train). Throws `RoPEError` for a spec the parser rejects.
    public func resolve(in context: ProbeContext, length: Int) throws -> Result<RoPEScaling, CellSkip> {
        switch source {
        case let .user(text):
            return .success(try context.scaling(text, targetLength: length))
        case .declared:
            return .success(context.declaredScaling)
        case let .candidate(method):
            let train = context.trainedContextLength
            guard length > train else {
                return .failure(CellSkip(reason: "the \(method) candidate applies only past the trained context: "
                    + "L = \(length) <= T_train = \(train)"))
            }
            let factor = Double(length) / Double(train)
            let text = ["critical-ntk", "diffusion-ntk"].contains(method) ? method : "\(method):factor=\(factor)"
            return .success(try context.scaling(text, targetLength: length))
        }
    }
}
