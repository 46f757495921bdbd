// CSystemInfo: the x86 CPUID and XGETBV instructions for BLASRuntime's CPU feature detection.
//
// Swift has no intrinsic for either, so these two tiny wrappers are written in C (GCC/Clang
// <cpuid.h>). On other architectures they report "not available" and fill nothing.
#ifndef ROPESCOPE_CSystemInfo_H
#define ROPESCOPE_CSystemInfo_H

#include <stdint.h>

/// Runs CPUID with EAX = leaf, ECX = subleaf and stores EAX, EBX, ECX, EDX in registers[0...3].
/// Returns 1 on x86 when `leaf` is at most the highest leaf of its range (basic 0x0…, extended
/// 0x8000_0000…), 0 otherwise (registers then all zero).
int ropescope_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t registers[4]);

/// XCR0, the register state the operating system saves on context switches (XGETBV with
/// ECX = 0): bits 1-2 SSE/AVX (YMM), bits 5-7 AVX-512 (opmask, ZMM_Hi256, Hi16_ZMM).
/// Returns 0 when CPUID.1:ECX.OSXSAVE[bit 27] is clear or on other architectures.
uint64_t ropescope_xgetbv0(void);

/// The path of the shared object that contains `symbol` (dladdr's dli_fname), or NULL.
/// The string belongs to the dynamic loader; copy it.
const char *ropescope_object_path(const void *symbol);

#endif
