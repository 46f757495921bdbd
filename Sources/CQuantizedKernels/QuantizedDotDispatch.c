// Variant availability and the row loop of ropescope_qdot_matrix.
#include "QuantizedDotInternal.h"

int ropescope_qdot_variant_available(int variant) {
    switch (variant) {
    case ROPESCOPE_QDOT_PORTABLE: return 1;
#ifdef RQ_X86
    case ROPESCOPE_QDOT_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#endif
    default: return 0;
    }
}

static rq_dot_fn lookup(int variant, int ggml_type) {
#ifdef RQ_X86
    if (variant == ROPESCOPE_QDOT_AVX2) {
        switch (ggml_type) {
        case 2: return rq_dot_q4_0_avx2;
        case 3: return rq_dot_q4_1_avx2;
        case 6: return rq_dot_q5_0_avx2;
        case 7: return rq_dot_q5_1_avx2;
        case 8: return rq_dot_q8_0_avx2;
        case 12: return rq_dot_q4_K_avx2;
        case 13: return rq_dot_q5_K_avx2;
        case 14: return rq_dot_q6_K_avx2;
        default: return NULL;
        }
    }
#endif
    if (variant != ROPESCOPE_QDOT_PORTABLE) return NULL;
    switch (ggml_type) {
    case 2: return rq_dot_q4_0_portable;
    case 3: return rq_dot_q4_1_portable;
    case 6: return rq_dot_q5_0_portable;
    case 7: return rq_dot_q5_1_portable;
    case 8: return rq_dot_q8_0_portable;
    case 12: return rq_dot_q4_K_portable;
    case 13: return rq_dot_q5_K_portable;
    case 14: return rq_dot_q6_K_portable;
    default: return NULL;
    }
}

int ropescope_qdot_matrix(int variant, int ggml_type, ptrdiff_t count,
                          const void *weight, size_t weight_stride, ptrdiff_t out_rows,
                          const void *activations, size_t activation_stride, ptrdiff_t x_rows,
                          float *y, ptrdiff_t ldy, int accumulate) {
    if (!ropescope_qdot_variant_available(variant)) return -1;
    rq_dot_fn dot = lookup(variant, ggml_type);
    if (dot == NULL) return -1;
    const uint8_t *w = weight;
    const uint8_t *a = activations;
    // Weight row outer, activation rows inner: each weight row is read from memory once. A decode
    // step streams every weight from memory (SmolLM2: ~100 MB per token, beyond the L3 cache), so
    // the row RQ_PREFETCH_ROWS ahead is requested before each dot: the hardware prefetcher alone
    // left the loop waiting on memory (2048-token decode on Zen 4, 2 cores: +8-10 % tokens/s at a
    // distance of 2 to 8 rows; 4 chosen).
    enum { RQ_PREFETCH_ROWS = 4 };
    for (ptrdiff_t o = 0; o < out_rows; o++) {
        const uint8_t *row = w + (size_t)o * weight_stride;
        if (o + RQ_PREFETCH_ROWS < out_rows) {
            const uint8_t *ahead = row + (size_t)RQ_PREFETCH_ROWS * weight_stride;
            for (size_t line = 0; line < weight_stride; line += 64) __builtin_prefetch(ahead + line, 0, 0);
        }
        for (ptrdiff_t r = 0; r < x_rows; r++) {
            float value = dot(count, row, a + (size_t)r * activation_stride);
            float *target = y + r * ldy + o;
            *target = accumulate ? *target + value : value;
        }
    }
    return 0;
}
