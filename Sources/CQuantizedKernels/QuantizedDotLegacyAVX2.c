// AVX2 dot kernels of the legacy 32-element blocks (formulas: QuantizedDotLegacy.c). Per block
// the 32 integer products are summed with maddubs/madd into 8 int32 lanes, converted and folded
// into 8 float lanes with one FMA by d_w·d_x; minimum terms m_w·s_x are summed in a scalar. Two
// blocks per iteration with two accumulators hide the FMA latency.
#include "QuantizedDotInternal.h"

#ifdef RQ_X86
#include "QuantizedDotAVX2.h"

/// The 32 weight bytes of block `w` as the first operand of rq_dot_u8s8/_s8s8, per type.
RQ_AVX2 static inline __m256i q4_0_quants(const uint8_t *w) { return _mm256_sub_epi8(rq_nibbles(w + 2), _mm256_set1_epi8(8)); }
RQ_AVX2 static inline __m256i q4_1_quants(const uint8_t *w) { return rq_nibbles(w + 4); }
RQ_AVX2 static inline __m256i q5_0_quants(const uint8_t *w) {
    __m256i q = _mm256_or_si256(rq_nibbles(w + 6), rq_bit4_from_bits(rq_u32(w + 2)));
    return _mm256_sub_epi8(q, _mm256_set1_epi8(16));
}
RQ_AVX2 static inline __m256i q5_1_quants(const uint8_t *w) {
    return _mm256_or_si256(rq_nibbles(w + 8), rq_bit4_from_bits(rq_u32(w + 4)));
}
RQ_AVX2 static inline __m256i q8_0_quants(const uint8_t *w) { return _mm256_loadu_si256((const __m256i *)(w + 2)); }

/// One kernel per type: SIGNED selects rq_dot_s8s8 (quants with sign) or rq_dot_u8s8 (0..31),
/// MIN adds m_w·s_x with m_w the f16 at byte 2.
#define RQ_LEGACY_KERNEL(NAME, BYTES, QUANTS, SIGNED, MIN)                                            \
    RQ_AVX2 float NAME(ptrdiff_t n, const void *weight, const void *activation) {                    \
        const uint8_t *w = weight;                                                                    \
        const rq_q8_32 *x = activation;                                                               \
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();                               \
        float minimums = 0.0f;                                                                        \
        ptrdiff_t blocks = n / 32, b = 0;                                                             \
        for (; b + 1 < blocks; b += 2, w += 2 * (BYTES)) {                                            \
            __m256i p0 = _mm256_loadu_si256((const __m256i *)x[b].q);                                 \
            __m256i p1 = _mm256_loadu_si256((const __m256i *)x[b + 1].q);                             \
            __m256i q0 = QUANTS(w), q1 = QUANTS(w + (BYTES));                                         \
            __m256i s0 = SIGNED ? rq_dot_s8s8(q0, p0) : rq_dot_u8s8(q0, p0);                          \
            __m256i s1 = SIGNED ? rq_dot_s8s8(q1, p1) : rq_dot_u8s8(q1, p1);                          \
            acc0 = _mm256_fmadd_ps(_mm256_set1_ps(rq_half_f16c(w) * x[b].d), _mm256_cvtepi32_ps(s0), acc0); \
            acc1 = _mm256_fmadd_ps(_mm256_set1_ps(rq_half_f16c(w + (BYTES)) * x[b + 1].d),            \
                                   _mm256_cvtepi32_ps(s1), acc1);                                     \
            if (MIN) minimums += rq_half_f16c(w + 2) * x[b].s + rq_half_f16c(w + (BYTES) + 2) * x[b + 1].s; \
        }                                                                                             \
        if (b < blocks) {                                                                             \
            __m256i p0 = _mm256_loadu_si256((const __m256i *)x[b].q);                                 \
            __m256i q0 = QUANTS(w);                                                                   \
            __m256i s0 = SIGNED ? rq_dot_s8s8(q0, p0) : rq_dot_u8s8(q0, p0);                          \
            acc0 = _mm256_fmadd_ps(_mm256_set1_ps(rq_half_f16c(w) * x[b].d), _mm256_cvtepi32_ps(s0), acc0); \
            if (MIN) minimums += rq_half_f16c(w + 2) * x[b].s;                                        \
        }                                                                                             \
        return rq_hsum(_mm256_add_ps(acc0, acc1)) + minimums;                                         \
    }

RQ_LEGACY_KERNEL(rq_dot_q4_0_avx2, 18, q4_0_quants, 1, 0)
RQ_LEGACY_KERNEL(rq_dot_q4_1_avx2, 20, q4_1_quants, 0, 1)
RQ_LEGACY_KERNEL(rq_dot_q5_0_avx2, 22, q5_0_quants, 1, 0)
RQ_LEGACY_KERNEL(rq_dot_q5_1_avx2, 24, q5_1_quants, 0, 1)
RQ_LEGACY_KERNEL(rq_dot_q8_0_avx2, 34, q8_0_quants, 1, 0)

#endif
