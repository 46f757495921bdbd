import Foundation

/// The x86 kernels ("cores") of a `DYNAMIC_ARCH` OpenBLAS and what each needs from the CPU.
///
/// Names and order from OpenBLAS 0.3.21 `driver/others/dynamic.c` (`corename[]`), the spellings
/// `openblas_get_corename()` returns and `OPENBLAS_CORETYPE` accepts (case-insensitively).
/// Two facts of 0.3.21 shape the logic here:
/// - `force_coretype` scans only indices 1…24, so `OPENBLAS_CORETYPE=Cooperlake` is "not found"
///   and OpenBLAS falls to its own feature ladder (Cooperlake if AVX512-BF16, else SkylakeX if
///   AVX-512, else Haswell, Sandybridge, Prescott) — which still yields Cooperlake on a CPU that has
///   BF16. Any unknown name takes that ladder, silently (the "Core not found" warning needs
///   `OPENBLAS_VERBOSE` ≥ 1).
/// - A forced name is not checked against the CPU: `SkylakeX` on a CPU without AVX-512 loads and
///   then dies with SIGILL at the first sgemm. ropescope therefore only requests a kernel whose
///   `requirement` this CPU meets.
/// On 64-bit builds the 32-bit cores (Katmai, Coppermine, Northwood, Banias, Athlon) are replaced
/// by Prescott.
public enum BLASKernel {
    /// Every core name of OpenBLAS 0.3.21 `dynamic.c`, index 1…25 (index 0 is "Unknown").
    public static let openBLASNames = [
        "Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom", "Core2", "Penryn",
        "Dunnington", "Nehalem", "Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Nano",
        "Sandybridge", "Bobcat", "Bulldozer", "Piledriver", "Haswell", "Steamroller", "Excavator",
        "Zen", "SkylakeX", "Cooperlake",
    ]

    /// The generic kernels OpenBLAS falls back to on a CPU model it does not recognise: the SSE-era
    /// cores (no AVX) and Sandybridge (AVX without FMA). Running one of them on a CPU with AVX2 + FMA
    /// wastes most of the machine (issue 13: Prescott runs sgemm at 15 GFLOP/s where Cooperlake runs
    /// 127). The AMD family cores (Bulldozer … Excavator, Zen) and Haswell/SkylakeX/Cooperlake are
    /// deliberate choices of OpenBLAS and are never "corrected".
    public static let genericFallbacks: Set<String> = [
        "Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom", "Core2", "Penryn",
        "Dunnington", "Nehalem", "Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Nano", "Bobcat",
        "Sandybridge",
    ]

    /// What a kernel needs from the CPU before ropescope may request it.
    public enum Requirement: String, Sendable {
        case sse, sse3, ssse3, sse41, sse42, avx, avx2FMA = "avx2+fma", avx512 = "avx512f/bw/vl/dq",
             avx512BF16 = "avx512f/bw/vl/dq+avx512_bf16"

        /// True when `features` meets the requirement.
        public func isMet(by features: CPUFeatures) -> Bool {
            switch self {
            case .sse: features.sse
            case .sse3: features.sse3
            case .ssse3: features.ssse3
            case .sse41: features.sse41
            case .sse42: features.sse42
            case .avx: features.avx
            case .avx2FMA: features.hasAVX2FMA
            case .avx512: features.hasAVX512
            case .avx512BF16: features.hasAVX512 && features.avx512bf16
            }
        }
    }

    /// Kernels a user may select with `ROPESCOPE_BLAS_CORE=<name>`, with their requirement. The AMD
    /// family cores (3DNow!, FMA4, XOP) and Nano are left out: their instruction sets cannot be
    /// checked here, and no current CPU is better served by them.
    public static let selectable: [String: Requirement] = [
        "Katmai": .sse, "Coppermine": .sse, "Northwood": .sse, "Banias": .sse, "Prescott": .sse3,
        "Core2": .ssse3, "Atom": .ssse3, "Penryn": .sse41, "Dunnington": .sse41, "Nehalem": .sse42,
        "Sandybridge": .avx, "Haswell": .avx2FMA, "Zen": .avx2FMA, "SkylakeX": .avx512,
        "Cooperlake": .avx512BF16,
    ]

    /// The spelling of `name` in `openBLASNames` (case-insensitive match), or nil.
    public static func canonicalName(_ name: String) -> String? {
        openBLASNames.first { $0.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// The fastest kernel of this OpenBLAS generation that `features` can run, or nil when the
    /// CPU has no AVX2 + FMA (then OpenBLAS's own choice is as good as any):
    /// AVX-512 F/BW/VL/DQ + BF16 → Cooperlake; AVX-512 → SkylakeX; AVX2 + FMA → Zen on AMD/Hygon,
    /// Haswell otherwise.
    public static func best(for features: CPUFeatures) -> String? {
        if Requirement.avx512BF16.isMet(by: features) { return "Cooperlake" }
        if Requirement.avx512.isMet(by: features) { return "SkylakeX" }
        if Requirement.avx2FMA.isMet(by: features) { return features.isAMD ? "Zen" : "Haswell" }
        return nil
    }
}
