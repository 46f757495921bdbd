import CQuantizedKernels
import Foundation
import GGUF
import Synchronization

/// An implementation of the integer kernels of `CQuantizedKernels`: the dots of decode products
/// over quantized weights and the GEMM of prompt products over K-quant weights. All variants read
/// the same 8-bit activation blocks and compute the same integer sums; they differ only in the
/// order of the float additions across blocks.
public enum QuantizedKernelVariant: String, CaseIterable, Sendable {
    /// Plain C dots: runs everywhere; the reference the SIMD variants are tested against. Prompt
    /// products keep widened panels + sgemm (the portable GEMM is a test reference only).
    case portable
    /// AVX2 + FMA (`vpmaddubsw`/`vpmaddwd`, 32 bytes per instruction) for the dots and the GEMM,
    /// x86-64 only.
    case avx2
    /// AVX2 dots (a VNNI dot was slower on Zen 4) and the AVX-512 VNNI GEMM (`vpdpbusd`, 4 × 32
    /// register tiles), x86-64 CPUs with AVX-512 F/BW/VL/VNNI.
    case avx512vnni

    /// The C library's dot variant code.
    var code: Int32 {
        switch self {
        case .portable: Int32(ROPESCOPE_QDOT_PORTABLE)
        case .avx2, .avx512vnni: Int32(ROPESCOPE_QDOT_AVX2)
        }
    }

    /// The C library's GEMM variant code, nil for `portable` (panels + sgemm).
    var gemmCode: Int32? {
        switch self {
        case .portable: nil
        case .avx2: Int32(ROPESCOPE_QGEMM_AVX2)
        case .avx512vnni: Int32(ROPESCOPE_QGEMM_AVX512VNNI)
        }
    }

    /// Whether this CPU runs the variant.
    public var isAvailable: Bool {
        ropescope_qdot_variant_available(code) != 0 && gemmCode.map { ropescope_qgemm_variant_available($0) != 0 } ?? true
    }

    /// The fastest variant this CPU runs.
    public static var best: QuantizedKernelVariant {
        allCases.last(where: \.isAvailable) ?? .portable
    }
}

/// The process-wide choice of `QuantizedKernelVariant`, from `ROPESCOPE_QUANT_KERNEL`
/// (`auto` (default) = the best available, or a variant name). The CLI validates the variable at
/// start-up (`configure`, exit 64 on a bad value, as `ROPESCOPE_BLAS_CORE`); library users that
/// never call `configure` get the variable's variant if it is valid and available, else the best.
public enum QuantizedKernels {
    /// The environment variable that forces a variant.
    public static let environmentKey = "ROPESCOPE_QUANT_KERNEL"
    /// Values `environmentKey` accepts.
    public static var allowedSettings: [String] { ["auto"] + QuantizedKernelVariant.allCases.map(\.rawValue) }

    private static let chosen = Mutex<QuantizedKernelVariant?>(nil)

    /// The variant the decode products use now.
    public static var active: QuantizedKernelVariant {
        chosen.withLock { value in
            if let value { return value }
            let resolved = (try? resolve(ProcessInfo.processInfo.environment[environmentKey])) ?? .best
            value = resolved
            return resolved
        }
    }

    /// The variant a setting selects: nil or "auto" -> the best available.
    /// - Throws: `InferenceError.invalidConfiguration` naming the variable, the value and the
    ///   allowed values, for an unknown name or a variant this CPU cannot run.
    public static func resolve(_ setting: String?) throws -> QuantizedKernelVariant {
        guard let setting, setting != "auto", !setting.isEmpty else { return .best }
        guard let variant = QuantizedKernelVariant(rawValue: setting) else {
            throw InferenceError.invalidConfiguration(name: environmentKey, value: setting,
                                                      allowed: allowedSettings.joined(separator: ", "))
        }
        guard variant.isAvailable else {
            let usable = QuantizedKernelVariant.allCases.filter(\.isAvailable).map(\.rawValue)
            throw InferenceError.invalidConfiguration(name: environmentKey, value: setting,
                                                      allowed: "a variant this CPU runs: auto, " + usable.joined(separator: ", "))
        }
        return variant
    }

    /// Reads `ROPESCOPE_QUANT_KERNEL` from `environment` and makes its variant the active one.
    /// Returns the active variant. - Throws: as `resolve`.
    @discardableResult
    public static func configure(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> QuantizedKernelVariant {
        let variant = try resolve(environment[environmentKey])
        chosen.withLock { $0 = variant }
        return variant
    }

    /// Runs `body` with `variant` active, restoring the previous choice after (tests, benchmarks;
    /// not for concurrent use with other products).
    public static func withVariant<T>(_ variant: QuantizedKernelVariant, _ body: () throws -> T) rethrows -> T {
        let previous = active
        chosen.withLock { $0 = variant }
        defer { chosen.withLock { $0 = previous } }
        return try body()
    }

    /// The GEMM variant code (`ropescope_qgemm`) for prompt processing over weights of `type`: the
    /// active variant's GEMM for Q4_K, Q5_K and Q6_K; nil for other types and under `portable`
    /// (the products then widen panels for sgemm; the portable GEMM exists as the packed layout's
    /// test reference only, it is slower than sgemm).
    static func gemmVariant(for type: GGMLType) -> Int32? {
        guard ropescope_qgemm_supports(Int32(type.rawValue)) != 0 else { return nil }
        return active.gemmCode
    }

    /// The name of the GEMM that prompt processing over K-quant weights uses now ("avx2",
    /// "avx512vnni"), or nil when those products widen panels for sgemm (`portable` active).
    public static var gemmName: String? { active.gemmCode == nil ? nil : active.rawValue }

    /// Whether weights of `type` have an integer dot kernel (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K,
    /// Q5_K, Q6_K).
    public static func supports(_ type: GGMLType) -> Bool {
        ropescope_qdot_supports(Int32(type.rawValue)) != 0
    }
}
