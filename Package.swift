// swift-tools-version:6.0
import PackageDescription

/// ropescope: RoPE scaling analysis and a small GGUF inference core.
///
/// One concern per target: `RoPE` is pure math; `Spectra` wraps FFTW and LAPACKE;
/// `TensorArchive` writes netCDF-4 flavoured HDF5; `GGUF` reads the file format only;
/// `Analyzers` combines them into reports and sweeps; `ropescope` is the thin CLI.
let package = Package(
    name: "ropescope",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ropescope", targets: ["ropescope"]),
        .library(name: "RoPE", targets: ["RoPE"]),
        .library(name: "Analyzers", targets: ["Analyzers"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries (Debian: libopenblas-dev, liblapacke-dev, libfftw3-dev, libhdf5-dev).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CLAPACKE", pkgConfig: "lapacke", providers: [.apt(["liblapacke-dev"])]),
        .systemLibrary(name: "CFFTW3", pkgConfig: "fftw3", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),

        // AVX2/FMA builds of the inference core's elementwise loops, chosen at run time.
        .target(name: "CVectorKernels"),
        // Integer dot products of GGUF weight blocks with 8-bit activations (decode), chosen at run time.
        .target(name: "CQuantizedKernels"),
        // CPUID/XGETBV and dladdr for BLASRuntime (CPU features, the loaded OpenBLAS file).
        .target(name: "CSystemInfo"),
        // The one owner of process-wide OpenBLAS state: kernel choice (start-up check) and threads.
        .target(name: "BLASRuntime", dependencies: ["CBLAS", "CSystemInfo"]),

        // The async-signal-safe handler that deletes temporary output files on SIGINT/SIGTERM/SIGHUP.
        .target(name: "CTemporaryFiles"),

        .target(name: "RoPE"),
        .target(name: "Spectra", dependencies: ["RoPE", "BLASRuntime", "CFFTW3", "CLAPACKE"]),
        .target(name: "TensorArchive", dependencies: ["CHDF5", "CTemporaryFiles"]),
        .target(name: "GGUF"),
        .target(name: "Tokenizers", dependencies: ["GGUF"]),
        .target(name: "Inference", dependencies: ["RoPE", "BLASRuntime", "CBLAS", "CVectorKernels", "CQuantizedKernels", "GGUF"]),
        .target(name: "Analyzers", dependencies: ["RoPE", "Spectra", "TensorArchive"]),
        .target(name: "Probes", dependencies: ["RoPE", "Inference", "Tokenizers", "GGUF", "TensorArchive"]),
        // The pre-flight verdict of `validate`: candidates × analytic/empirical checks, ranked.
        .target(name: "Validation", dependencies: ["RoPE", "Spectra", "Analyzers", "Probes", "Inference"]),
        // Self-contained HTML + inline SVG figures drawn by ropescope (the `validate --report`).
        .target(name: "Report", dependencies: ["Validation", "RoPE"]),
        // Training engine: forward with stored activations, backward, objectives, AdamW, GGUF checkpoints.
        .target(name: "Training", dependencies: ["RoPE", "Inference", "Probes", "GGUF", "Tokenizers", "BLASRuntime", "CBLAS"]),
        .executableTarget(
            name: "ropescope",
            dependencies: [
                "RoPE", "Spectra", "TensorArchive", "Analyzers", "GGUF", "Tokenizers", "Inference", "Probes", "Training", "CBLAS", "BLASRuntime",
                "Validation", "Report",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .executableTarget(name: "ropescope-bench", dependencies: ["Spectra", "Analyzers", "RoPE", "Inference", "Probes", "GGUF", "Tokenizers"]),

        .target(name: "RoPEScopeTestSupport", dependencies: ["GGUF", "Tokenizers"], path: "Tests/Support"),
        .testTarget(name: "RoPETests", dependencies: ["RoPE"]),
        .testTarget(name: "BLASRuntimeTests", dependencies: ["BLASRuntime"]),
        .testTarget(name: "SpectraTests", dependencies: ["Spectra", "RoPE"]),
        .testTarget(name: "TensorArchiveTests", dependencies: ["TensorArchive", "CHDF5"]),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF", "RoPEScopeTestSupport"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "GGUF", "RoPEScopeTestSupport"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "CQuantizedKernels", "BLASRuntime", "RoPE", "GGUF", "RoPEScopeTestSupport"]),
        .testTarget(name: "AnalyzersTests", dependencies: ["Analyzers", "RoPE", "TensorArchive"]),
        .testTarget(name: "ProbesTests", dependencies: ["Probes", "RoPEScopeTestSupport", "Inference", "Tokenizers", "GGUF", "TensorArchive", "RoPE"]),
        .testTarget(name: "ValidationTests", dependencies: ["Validation", "Report", "RoPE", "Analyzers", "Probes", "Inference"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Inference", "RoPE", "GGUF", "Tokenizers", "Probes"]),
        .testTarget(name: "CLITests", dependencies: ["ropescope", "Validation", "GGUF", "RoPEScopeTestSupport", "TensorArchive"]),
    ]
)
