import Foundation
import Spectra

// ropescope-bench: timing helper for benchmarks/bench_analyzers.py (not part of the toolkit).
//
//   ropescope-bench fft [--sizes 4096,8192,...] [--repeats N] [--rigor estimate|measure]
//                                                               Spectra.PowerSpectrum per size
//   ropescope-bench phases [--config PATH] [--repeats N]        sweep time split by analysis phase
//   ropescope-bench attention [--length L] [--tilings 128x256,64x512] [--repeats N]
//                                                               tiled causal attention per tiling
//   ropescope-bench diffusion --model GGUF --text-file TXT [--context-length L] [--windows W]
//                   [--samples 8,32,128] [--seeds S] [--mask-count bernoulli|exact] [--mask-token-id ID]
//                                                               masked-diffusion bound: spread vs samples
//   ropescope-bench attention-profile --model GGUF --text-file TXT [--context-length L] [--repeats N]
//                                                               streamed attention profile vs plain scoring
//
// Both print one JSON object on stdout; times are seconds of wall clock, best of `repeats`.

// The same BLAS kernel check as the CLI before any BLAS work (may re-execute this process), so that
// the phases are timed on the kernel `ropescope` itself runs.
do {
    for warning in try BLASStartup.prepare().warnings { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
} catch {
    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
    exit(64)
}

/// Wall-clock seconds of `body` (monotonic clock).
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Value of `--name` in the arguments, if present.
func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: "--" + name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

/// Prints `object` as compact, key-sorted JSON.
func printJSON(_ object: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    let repeats = Int(option("repeats", in: arguments) ?? "") ?? 5
    switch arguments.first {
    case "fft":
        let sizes = (option("sizes", in: arguments) ?? "").split(separator: ",").compactMap { Int($0) }
        let rigor = FFTPlanRigor(rawValue: option("rigor", in: arguments) ?? "estimate") ?? .estimate
        let threads = option("threads", in: arguments).flatMap { Int($0) }
        let threshold = option("threshold", in: arguments).flatMap { Int($0) } ?? (1 << 15)
        try printJSON(try FFTBench.run(sizes: sizes.isEmpty ? (12...20).map { 1 << $0 } : sizes, repeats: repeats,
                                       rigor: rigor, threads: threads, threshold: threshold))
    case "attention":
        let length = Int(option("length", in: arguments) ?? "") ?? 8192
        let tilings = (option("tilings", in: arguments) ?? "128x256").split(separator: ",").compactMap { pair -> (Int, Int)? in
            let sizes = pair.split(separator: "x").compactMap { Int($0) }
            return sizes.count == 2 ? (sizes[0], sizes[1]) : nil
        }
        try printJSON(try AttentionBench.run(length: length, tilings: tilings, repeats: repeats))
    case "diffusion":
        guard let model = option("model", in: arguments), let text = option("text-file", in: arguments) else {
            FileHandle.standardError.write(Data("ropescope-bench diffusion needs --model GGUF and --text-file TXT\n".utf8))
            exit(64)
        }
        let counts = (option("samples", in: arguments) ?? "8,32,128").split(separator: ",").compactMap { Int($0) }
        try printJSON(try DiffusionBench.run(
            modelPath: model, textPath: text, contextLength: Int(option("context-length", in: arguments) ?? "") ?? 256,
            windows: Int(option("windows", in: arguments) ?? "") ?? 2, sampleCounts: counts,
            seeds: Int(option("seeds", in: arguments) ?? "") ?? 5,
            rule: option("mask-count", in: arguments) ?? "bernoulli",
            maskTokenID: option("mask-token-id", in: arguments).flatMap { Int32($0) }))
    case "attention-profile":
        guard let model = option("model", in: arguments), let text = option("text-file", in: arguments) else {
            FileHandle.standardError.write(Data("ropescope-bench attention-profile needs --model GGUF and --text-file TXT\n".utf8))
            exit(64)
        }
        try printJSON(try AttentionProfileBench.run(model: model, textFile: text,
                                                    length: Int(option("context-length", in: arguments) ?? "") ?? 8192, repeats: repeats))
    case "phases":
        try printJSON(try PhaseBench.run(configPath: option("config", in: arguments), repeats: repeats))
    default:
        FileHandle.standardError.write(Data("usage: ropescope-bench fft|phases|attention|diffusion [--sizes A,B] [--config PATH] [--repeats N]\n".utf8))
        exit(64)
    }
} catch {
    FileHandle.standardError.write(Data("ropescope-bench: \(error)\n".utf8))
    exit(1)
}
