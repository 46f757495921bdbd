import Foundation

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The body run on each input; set once by `runFuzzer` before the driver starts.
nonisolated(unsafe) private var fuzzBody: ((UnsafeBufferPointer<UInt8>) -> Void)?

/// Runs libFuzzer (`LLVMFuzzerRunDriver` from `libclang_rt.fuzzer_no_main`) with the process's
/// arguments, calling `body` on every input, and exits with the driver's status.
///
/// `-write-seeds=DIR` (handled here, before libFuzzer sees the arguments) instead writes
/// `seeds()` into DIR, one file per seed named by its index, and exits.
/// A violated invariant inside `body` must trap (`fatalError`), which libFuzzer reports as a
/// crash and saves the input.
public func runFuzzer(seeds: () throws -> [[UInt8]], _ body: @escaping (UnsafeBufferPointer<UInt8>) -> Void) -> Never {
    if let option = CommandLine.arguments.dropFirst().first(where: { $0.hasPrefix("-write-seeds=") }) {
        let directory = URL(fileURLWithPath: String(option.dropFirst("-write-seeds=".count)))
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (index, seed) in try seeds().enumerated() {
                try Data(seed).write(to: directory.appendingPathComponent(String(format: "seed-%03d", index)))
            }
        } catch {
            FileHandle.standardError.write(Data("cannot write seeds: \(error)\n".utf8))
            exit(1)
        }
        exit(0)
    }
    fuzzBody = body
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let body = fuzzBody else { return 0 }
        if let data {
            body(UnsafeBufferPointer(start: data, count: size))
        } else {
            body(UnsafeBufferPointer(start: nil, count: 0))
        }
        return 0
    }
    exit(status)
}

/// Stops the process with `message` (a violated invariant: libFuzzer saves the input).
public func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}
