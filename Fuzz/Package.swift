// swift-tools-version:6.0
import PackageDescription

/// libFuzzer targets for ropescope's parsers of untrusted bytes, built by scripts/fuzz.sh with
/// AddressSanitizer and SanitizerCoverage (inline 8-bit counters, PC table, comparison tracing).
///
/// `Sources/GGUF` and `Sources/Tokenizers` are symbolic links to the main package's targets, so the
/// fuzzers exercise exactly the shipped code; this package exists only to build them with
/// instrumentation without touching the main package's flags.
let package = Package(
    name: "ropescope-fuzz",
    targets: [
        .target(name: "GGUF"),
        .target(name: "Tokenizers", dependencies: ["GGUF"]),
        // libFuzzer's driver entry point and the seed-writing option shared by the targets.
        .target(name: "FuzzSupport"),
        .executableTarget(name: "fuzz-gguf", dependencies: ["GGUF", "Tokenizers", "FuzzSupport"]),
        .executableTarget(name: "fuzz-dequantize", dependencies: ["GGUF", "FuzzSupport"]),
        .executableTarget(name: "fuzz-tokenizer", dependencies: ["GGUF", "Tokenizers", "FuzzSupport"]),
    ]
)
