import Foundation
import CSystemInfo

/// The x86 SIMD features that decide which OpenBLAS kernel a CPU can run, read with CPUID.
///
/// A feature counts only when the CPU has it *and* the operating system saves its registers
/// (XGETBV): AVX/AVX2/FMA need XCR0 bits 1-2 (SSE + YMM state), AVX-512 also bits 5-7 (opmask,
/// ZMM_Hi256, Hi16_ZMM). Bits used (Intel SDM vol. 2A, CPUID):
/// ```
/// leaf 1:     ECX bit 0 SSE3, 9 SSSE3, 12 FMA, 19 SSE4.1, 20 SSE4.2, 27 OSXSAVE, 28 AVX; EDX bit 25 SSE
/// leaf 7/0:   EBX bit 5 AVX2, 16 AVX512F, 17 AVX512DQ, 30 AVX512BW, 31 AVX512VL; ECX bit 11 AVX512_VNNI
/// leaf 7/1:   EAX bit 5 AVX512_BF16
/// 0x8000_0002…4: brand string
/// ```
public struct CPUFeatures: Equatable, Sendable {
    /// CPUID vendor string, e.g. "GenuineIntel", "AuthenticAMD"; "" off x86.
    public var vendor: String
    /// CPUID brand string, e.g. "AMD EPYC 7B13"; "" when the CPU has none.
    public var brand: String
    /// Display family and model (family + extended family, model + extended model), 0 off x86.
    public var family: Int
    public var model: Int
    public var sse: Bool
    public var sse3: Bool
    public var ssse3: Bool
    public var sse41: Bool
    public var sse42: Bool
    public var avx: Bool
    public var avx2: Bool
    public var fma: Bool
    public var avx512f: Bool
    public var avx512bw: Bool
    public var avx512vl: Bool
    public var avx512dq: Bool
    public var avx512vnni: Bool
    public var avx512bf16: Bool

    /// A feature set given field by field (tests, and `detect()`); everything false by default.
    public init(vendor: String = "", brand: String = "", family: Int = 0, model: Int = 0,
                sse: Bool = false, sse3: Bool = false, ssse3: Bool = false, sse41: Bool = false,
                sse42: Bool = false, avx: Bool = false, avx2: Bool = false, fma: Bool = false,
                avx512f: Bool = false, avx512bw: Bool = false, avx512vl: Bool = false,
                avx512dq: Bool = false, avx512vnni: Bool = false, avx512bf16: Bool = false) {
        (self.vendor, self.brand, self.family, self.model) = (vendor, brand, family, model)
        (self.sse, self.sse3, self.ssse3, self.sse41, self.sse42) = (sse, sse3, ssse3, sse41, sse42)
        (self.avx, self.avx2, self.fma) = (avx, avx2, fma)
        (self.avx512f, self.avx512bw, self.avx512vl, self.avx512dq) = (avx512f, avx512bw, avx512vl, avx512dq)
        (self.avx512vnni, self.avx512bf16) = (avx512vnni, avx512bf16)
    }

    /// AVX2 and FMA, both usable (the Haswell/Zen kernels' instruction set).
    public var hasAVX2FMA: Bool { avx2 && fma }
    /// AVX-512 F, BW, VL and DQ, all usable (the SkylakeX kernels' instruction set).
    public var hasAVX512: Bool { avx512f && avx512bw && avx512vl && avx512dq }
    /// True for AMD (and Hygon, whose cores are Zen).
    public var isAMD: Bool { vendor == "AuthenticAMD" || vendor == "HygonGenuine" }

    /// Names of the usable features, in the order of the struct (lower case, as in /proc/cpuinfo).
    public var names: [String] {
        let all: [(String, Bool)] = [
            ("sse", sse), ("sse3", sse3), ("ssse3", ssse3), ("sse4_1", sse41), ("sse4_2", sse42),
            ("avx", avx), ("avx2", avx2), ("fma", fma), ("avx512f", avx512f), ("avx512bw", avx512bw),
            ("avx512vl", avx512vl), ("avx512dq", avx512dq), ("avx512_vnni", avx512vnni),
            ("avx512_bf16", avx512bf16),
        ]
        return all.filter(\.1).map(\.0)
    }

    /// The features of the CPU this process runs on (all false off x86).
    public static func detect() -> CPUFeatures {
        var features = CPUFeatures()
        var r: [UInt32] = [0, 0, 0, 0]
        func cpuid(_ leaf: UInt32, _ subleaf: UInt32 = 0) -> Bool {
            r.withUnsafeMutableBufferPointer { ropescope_cpuid(leaf, subleaf, $0.baseAddress) } == 1
        }
        func bit(_ register: UInt32, _ index: UInt32) -> Bool { register & (1 << index) != 0 }
        guard cpuid(0) else { return features }
        let maximumLeaf = r[0]
        features.vendor = ascii([r[1], r[3], r[2]])  // EBX, EDX, ECX: "Genu" "ineI" "ntel"
        guard maximumLeaf >= 1, cpuid(1) else { return features }
        let (eax1, ecx1, edx1) = (r[0], r[2], r[3])
        let baseFamily = Int((eax1 >> 8) & 0xF), baseModel = Int((eax1 >> 4) & 0xF)
        features.family = baseFamily == 0xF ? baseFamily + Int((eax1 >> 20) & 0xFF) : baseFamily
        features.model = (baseFamily == 0x6 || baseFamily == 0xF) ? baseModel + Int((eax1 >> 16) & 0xF) << 4 : baseModel
        features.sse = bit(edx1, 25)
        features.sse3 = bit(ecx1, 0)
        features.ssse3 = bit(ecx1, 9)
        features.sse41 = bit(ecx1, 19)
        features.sse42 = bit(ecx1, 20)
        let xcr0 = ropescope_xgetbv0()
        let osSavesYMM = xcr0 & 0b110 == 0b110
        let osSavesZMM = osSavesYMM && xcr0 & 0b1110_0000 == 0b1110_0000
        features.avx = osSavesYMM && bit(ecx1, 28)
        features.fma = features.avx && bit(ecx1, 12)
        if maximumLeaf >= 7, cpuid(7, 0) {
            let (eax7, ebx7, ecx7) = (r[0], r[1], r[2])
            features.avx2 = features.avx && bit(ebx7, 5)
            features.avx512f = osSavesZMM && bit(ebx7, 16)
            features.avx512dq = features.avx512f && bit(ebx7, 17)
            features.avx512bw = features.avx512f && bit(ebx7, 30)
            features.avx512vl = features.avx512f && bit(ebx7, 31)
            features.avx512vnni = features.avx512f && bit(ecx7, 11)
            if eax7 >= 1, cpuid(7, 1) { features.avx512bf16 = features.avx512f && bit(r[0], 5) }
        }
        if cpuid(0x8000_0000), r[0] >= 0x8000_0004 {
            var words: [UInt32] = []
            for leaf: UInt32 in 0x8000_0002...0x8000_0004 where cpuid(leaf) { words += r }
            features.brand = ascii(words).trimmingCharacters(in: .whitespaces)
        }
        return features
    }

    /// The bytes of `words` (little-endian) as ASCII, stopping at the first NUL.
    private static func ascii(_ words: [UInt32]) -> String {
        var bytes: [UInt8] = []
        for word in words { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((word >> UInt32(shift)) & 0xFF)) } }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}
