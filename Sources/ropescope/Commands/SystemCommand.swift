import ArgumentParser
import BLASRuntime
import Foundation
import Inference

/// `ropescope system`: the BLAS library, its kernel and threads, and the CPU — what to paste into
/// a bug report.
struct SystemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "system",
        abstract: "Show the BLAS library, the kernel it runs (and whether ropescope corrected it), threads and CPU features.",
        discussion: """
            At start-up ropescope checks which kernel OpenBLAS chose. When OpenBLAS fell back to a \
            generic kernel (Prescott, Core2, Nehalem, Sandybridge, ...) on a CPU with AVX2+FMA or \
            AVX-512, ropescope re-executes itself once with OPENBLAS_CORETYPE set to the best kernel \
            for the CPU (Cooperlake, SkylakeX, Haswell or Zen), verifies it with a small sgemm \
            against a naive product, and falls back to OpenBLAS's own choice on any mismatch. \
            A user's own OPENBLAS_CORETYPE is always kept. ROPESCOPE_BLAS_CORE=auto (default), \
            keep (never correct) or a kernel name (run that kernel if the CPU can). \
            `ropescope --verbose COMMAND` or ROPESCOPE_VERBOSE=1 prints one line saying what was done. \
            Decode products over quantized weights (--weights quantized) use integer dot kernels, \
            prompt products over K-quant weights an integer GEMM; ROPESCOPE_QUANT_KERNEL=auto \
            (default, the fastest this CPU runs), portable (C dots, prompts on float panels), avx2 \
            or avx512vnni (AVX2 dots, AVX-512 VNNI GEMM) picks them.
            """)

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let report = SystemReport.current()
        if json {
            try Output.printJSON(report)
            return
        }
        let blas = report.blas, cpu = report.cpu
        let lines: [(String, String)] = [
            ("BLAS library", blas.library ?? "unknown"),
            ("BLAS version", blas.version ?? "unknown"),
            ("BLAS build", blas.configuration),
            ("BLAS kernel", blas.kernel),
            ("kernel choice", "\(blas.action): \(blas.reason)"),
            ("OpenBLAS's own choice", blas.openblasChoice ?? "unknown"),
            ("sgemm self-check", "\(blas.selfCheck.passed ? "passed" : "FAILED"), \(blas.selfCheck.summary)"),
            ("BLAS threads", String(blas.threads)),
            ("quantized dot kernel", "\(report.quantizedKernel.active) (available: \(report.quantizedKernel.available.joined(separator: ", ")))"),
            ("K-quant prompt GEMM", report.quantizedKernel.gemm ?? "none (widened panels + sgemm)"),
            ("CPU", cpu.model),
            ("CPU vendor", "\(cpu.vendor) (family \(cpu.family), model \(cpu.modelNumber))"),
            ("CPU features", cpu.features.joined(separator: " ")),
            ("logical cores", "\(cpu.logicalCores) (\(cpu.activeCores) active)"),
        ]
        let width = lines.map(\.0.count).max() ?? 0
        for (key, value) in lines { print(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value) }
    }
}

/// `ropescope system --json` (keys in snake case).
struct SystemReport: Encodable {
    struct BLAS: Encodable {
        /// Resolved path of the loaded OpenBLAS.
        var library: String?
        var version: String?
        /// `openblas_get_config()`.
        var configuration: String
        var dynamicArch: Bool
        /// `openblas_get_corename()`.
        var kernel: String
        /// kept, corrected, forced, fell-back or user-set.
        var action: String
        var reason: String
        var openblasChoice: String?
        /// Whether the kernel is one of OpenBLAS's generic fallbacks.
        var kernelIsGenericFallback: Bool
        /// The best kernel for this CPU (nil without AVX2+FMA).
        var bestKernelForCPU: String?
        var openblasCoretype: String?
        var ropescopeBlasCore: String?
        var threads: Int
        var selfCheck: SelfCheck
        var warnings: [String]

        private enum CodingKeys: String, CodingKey {
            case library, version, configuration, dynamicArch, kernel, action, reason, openblasChoice,
                 kernelIsGenericFallback, bestKernelForCPU, openblasCoretype, ropescopeBlasCore, threads, selfCheck, warnings
        }

        /// Absent values are written as null (the synthesised encoding would drop the key).
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(library, forKey: .library)
            try container.encode(version, forKey: .version)
            try container.encode(configuration, forKey: .configuration)
            try container.encode(dynamicArch, forKey: .dynamicArch)
            try container.encode(kernel, forKey: .kernel)
            try container.encode(action, forKey: .action)
            try container.encode(reason, forKey: .reason)
            try container.encode(openblasChoice, forKey: .openblasChoice)
            try container.encode(kernelIsGenericFallback, forKey: .kernelIsGenericFallback)
            try container.encode(bestKernelForCPU, forKey: .bestKernelForCPU)
            try container.encode(openblasCoretype, forKey: .openblasCoretype)
            try container.encode(ropescopeBlasCore, forKey: .ropescopeBlasCore)
            try container.encode(threads, forKey: .threads)
            try container.encode(selfCheck, forKey: .selfCheck)
            try container.encode(warnings, forKey: .warnings)
        }
    }

    struct SelfCheck: Encodable {
        var passed: Bool
        var maxError: Double
        var worstRatio: Double
        var summary: String
    }

    struct CPU: Encodable {
        var model: String
        var vendor: String
        var family: Int
        var modelNumber: Int
        var features: [String]
        var hasAvx2Fma: Bool
        var hasAvx512: Bool
        var logicalCores: Int
        var activeCores: Int
    }

    /// The integer dot kernels of decode products over quantized weights.
    struct QuantizedKernel: Encodable {
        /// The variant in use (`QuantizedKernels.active`).
        var active: String
        /// Variants this CPU runs.
        var available: [String]
        /// `ROPESCOPE_QUANT_KERNEL` as set, if set.
        var setting: String?
        /// The integer GEMM of many-row products over K-quant weights (`QuantizedKernels.gemmName`),
        /// nil when they widen panels for sgemm.
        var gemm: String?
    }

    var blas: BLAS
    var quantizedKernel: QuantizedKernel
    var cpu: CPU

    static func current() -> SystemReport {
        let status = BLASStartup.status
        let features = CPUFeatures.detect()
        let check = BLASSelfCheck.run()
        let environment = ProcessInfo.processInfo.environment
        let kernel = BLASKernel.canonicalName(status.kernel) ?? status.kernel
        let blas = BLAS(
            library: BLASLibrary.path, version: BLASLibrary.version, configuration: BLASLibrary.configuration,
            dynamicArch: BLASLibrary.isDynamicArch, kernel: status.kernel, action: status.action.rawValue,
            reason: status.reason, openblasChoice: status.openBLASChoice,
            kernelIsGenericFallback: BLASKernel.genericFallbacks.contains(kernel),
            bestKernelForCPU: BLASKernel.best(for: features),
            openblasCoretype: environment[BLASEnvironment.openBLASCoreType],
            ropescopeBlasCore: environment[BLASEnvironment.coreSetting],
            threads: BLASThreading.configuredThreadCount,
            selfCheck: SelfCheck(passed: check.passed, maxError: check.maximumError, worstRatio: check.worstRatio,
                                 summary: check.summary),
            warnings: status.warnings)
        let cpu = CPU(
            model: features.brand.isEmpty ? procCPUInfoModelName() ?? "unknown" : features.brand,
            vendor: features.vendor, family: features.family, modelNumber: features.model,
            features: features.names, hasAvx2Fma: features.hasAVX2FMA, hasAvx512: features.hasAVX512,
            logicalCores: ProcessInfo.processInfo.processorCount,
            activeCores: ProcessInfo.processInfo.activeProcessorCount)
        let quantized = QuantizedKernel(active: QuantizedKernels.active.rawValue,
                                        available: QuantizedKernelVariant.allCases.filter(\.isAvailable).map(\.rawValue),
                                        setting: environment[QuantizedKernels.environmentKey],
                                        gemm: QuantizedKernels.gemmName)
        return SystemReport(blas: blas, quantizedKernel: quantized, cpu: cpu)
    }

    /// The first "model name" of /proc/cpuinfo (Linux), for CPUs without a CPUID brand string.
    static func procCPUInfoModelName() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") { return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }
}
