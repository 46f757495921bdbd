#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include "CSystemInfo.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

int ropescope_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t registers[4]) {
    registers[0] = registers[1] = registers[2] = registers[3] = 0;
    // __get_cpuid_max returns the highest leaf of the range `leaf` belongs to (0 if none).
    unsigned int highest = __get_cpuid_max(leaf & 0x80000000u, 0);
    if (highest == 0 || leaf > highest) return 0;
    unsigned int a, b, c, d;
    __cpuid_count(leaf, subleaf, a, b, c, d);
    registers[0] = a; registers[1] = b; registers[2] = c; registers[3] = d;
    return 1;
}

uint64_t ropescope_xgetbv0(void) {
    uint32_t registers[4];
    if (!ropescope_cpuid(1, 0, registers) || !(registers[2] & (1u << 27))) return 0;
    uint32_t low, high;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    return ((uint64_t)high << 32) | low;
}

#else

int ropescope_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t registers[4]) {
    (void)leaf; (void)subleaf;
    registers[0] = registers[1] = registers[2] = registers[3] = 0;
    return 0;
}

uint64_t ropescope_xgetbv0(void) { return 0; }

#endif

const char *ropescope_object_path(const void *symbol) {
    Dl_info info;
    if (symbol == NULL || dladdr(symbol, &info) == 0) return NULL;
    return info.dli_fname;
}
