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
/// Reports every repeat's wall and CPU seconds (user + system of every thread, `getrusage`: on a
/// shared machine the CPU time is the steadier measure of the work done), their medians and the
/// ratios profiled/plain.
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
        var times: [String: [Double]] = [:], cpu: [String: [Double]] = [:]
        func measure(_ name: String, _ body: () throws -> Void) rethrows {
            let before = cpuSeconds()
            times[name, default: []].append(try seconds(body))
            cpu[name, default: []].append(cpuSeconds() - before)
        }
        for _ in 0..<(2 * repeats + 1) {
            try measure("kernel_plain") {
                _ = try Attention.scaledDotProduct(query: query, key: key, value: value, shape: shape, mask: .causal)
            }
            try measure("kernel_profiled") {
                _ = try Attention.profiled(query: query, key: key, value: value, shape: shape, mask: .causal, layout: layout)
            }
        }
        for _ in 0..<repeats {
            try measure("forward_plain") {
                _ = try context.model.forward(tokens: window, frequencies: frequencies, logits: .none, targets: targets)
            }
            try measure("forward_profiled") {
                _ = try context.model.forward(tokens: window, frequencies: frequencies, logits: .none, targets: targets,
                                              attentionProfile: AttentionProfileRecorder(layout: layout))
            }
        }
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        let medians = times.mapValues(median), cpuMedians = cpu.mapValues(median)
        func ratio(_ values: [String: Double], _ name: String) -> Double {
            (values[name + "_profiled"] ?? .nan) / (values[name + "_plain"] ?? .nan)
        }
        return ["length": length, "repeats": repeats, "kernel_repeats": 2 * repeats + 1, "seconds": times,
                "cpu_seconds": cpu, "median_seconds": medians, "median_cpu_seconds": cpuMedians,
                "forward_ratio": ratio(medians, "forward"), "kernel_ratio": ratio(medians, "kernel"),
                "forward_cpu_ratio": ratio(cpuMedians, "forward"), "kernel_cpu_ratio": ratio(cpuMedians, "kernel"),
                "distance_bins": layout.distanceBins]
    }

    /// User + system CPU seconds of this process so far (all threads).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)  // glibc imports RUSAGE_SELF as an enum case
        func value(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return value(usage.ru_utime) + value(usage.ru_stime)
    }
}
