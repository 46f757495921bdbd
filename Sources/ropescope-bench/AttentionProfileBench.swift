import Foundation
import GGUF
import Inference
import Probes

/// Overhead of the streamed attention profile over plain scoring, measured interleaved in one
/// process (plain, profiled, plain, profiled, …) so that a shared machine's load hits both alike:
/// - `forward`: one `score` window (next-token NLL of every position, no logits returned) without
///   and with an `AttentionProfileRecorder` (log bins, sink 4, local 128), on the model and text;
/// - `kernel`: the attention kernel alone (`Attention.scaledDotProduct` vs `Attention.profiled`)
///   on random inputs of the model's shape.
/// Reports every repeat's seconds, the medians and the ratios profiled/plain.
enum AttentionProfileBench {
    static func run(model path: String, textFile: String, length: Int, repeats: Int) throws -> [String: Any] {
        let context = try ProbeContext(file: try GGUFFile(path: path), path: path)
        guard let data = FileManager.default.contents(atPath: textFile) else { throw ProbeError.unreadableFile(path: textFile, reason: "missing") }
        let window = try ScoringProtocol(contextLength: length, maximumWindows: 1)
            .windows(of: context.tokens(String(decoding: data, as: UTF8.self)), bos: context.windowBOS)[0]
        let frequencies = try context.frequencies(context.declaredScaling)
        let layout = try AttentionProfileLayout(distanceEdges: AttentionProfileLayout.logDistanceEdges(maximumLength: length),
                                                sinkTokens: 4, localWindow: 128)
        let targets = TokenTarget.nextTokens(window)
        let c = context.configuration
        let shape = try AttentionShape(validatingLength: length, heads: c.headCount, keyValueHeads: c.keyValueHeadCount,
                                       headDimension: c.headDimension)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random(_ count: Int) -> [Float] {
            (0..<count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 500
            }
        }
        let d = c.headDimension
        let query = random(length * c.headCount * d), key = random(length * c.keyValueHeadCount * d)
        let value = random(length * c.keyValueHeadCount * d)
        var times: [String: [Double]] = ["forward_plain": [], "forward_profiled": [], "kernel_plain": [], "kernel_profiled": []]
        for _ in 0..<repeats {
            times["kernel_plain"]?.append(try seconds {
                _ = try Attention.scaledDotProduct(query: query, key: key, value: value, shape: shape, mask: .causal)
            })
            times["kernel_profiled"]?.append(try seconds {
                _ = try Attention.profiled(query: query, key: key, value: value, shape: shape, mask: .causal, layout: layout)
            })
        }
        for _ in 0..<repeats {
            times["forward_plain"]?.append(try seconds {
                _ = try context.model.forward(tokens: window, frequencies: frequencies, logits: .none, targets: targets)
            })
            times["forward_profiled"]?.append(try seconds {
                _ = try context.model.forward(tokens: window, frequencies: frequencies, logits: .none, targets: targets,
                                              attentionProfile: AttentionProfileRecorder(layout: layout))
            })
        }
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        let medians = times.mapValues(median)
        return ["length": length, "repeats": repeats, "seconds": times, "median_seconds": medians,
                "forward_ratio": (medians["forward_profiled"] ?? .nan) / (medians["forward_plain"] ?? .nan),
                "kernel_ratio": (medians["kernel_profiled"] ?? .nan) / (medians["kernel_plain"] ?? .nan),
                "distance_bins": layout.distanceBins]
    }
}
