// AVX2 dot kernels of the legacy 32-element blocks (formulas: QuantizedDotLegacy.c). Per block
// the 32 integer products are summed with maddubs/madd into 8 int32 lanes, converted and folded
// into 8 float lanes with one FMA by d_w·d_x; minimum terms m_w·s_x are summed in a scalar.
#include "QuantizedDotInternal.h"

#ifdef RQ_X86
#include "QuantizedDotAVX2.h"

RQ_AVX2 float rq_dot_q4_0_avx2(ptrdiff_t n, const void *weight, const void *activation) {
    const uint8_t *w = weight;
    const rq_q8_32 *x = activation;
    __m256 acc = _mm256_setzero_ps();
    for (ptrdiff_t b = 0; b < n / 32; b++, w += 18) {
        __m256i q = _mm256_sub_epi8(rq_nibbles(w + 2), _mm256_set1_epi8(8));
        __m256i p = _mm256_loadu_si256((const __m256i *)x[b].q);
        __m256 scale = _mm256_set1_ps(rq_half(w) * x[b].d);
        acc = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(rq_dot_s8s8(q, p)), acc);
    }
    return rq_hsum(acc);
}

RQ_AVX2 float rq_dot_q4_1_avx2(ptrdiff_t n, const void *weight, const void *activation) {
    const uint8_t *w = weight;
    const rq_q8_32 *x = activation;
    __m256 acc = _mm256_setzero_ps();
    float minimums = 0.0f;
    for (ptrdiff_t b = 0; b < n / 32; b++, w += 20) {
        __m256i p = _mm256_loadu_si256((const __m256i *)x[b].q);
        __m256 scale = _mm256_set1_ps(rq_half(w) * x[b].d);
        acc = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(rq_dot_u8s8(rq_nibbles(w + 4), p)), acc);
        minimums += rq_half(w + 2) * x[b].s;
    }
    return rq_hsum(acc) + minimums;
}

RQ_AVX2 float rq_dot_q5_0_avx2(ptrdiff_t n, const void *weight, const void *activation) {
    const uint8_t *w = weight;
    const rq_q8_32 *x = activation;
    __m256 acc = _mm256_setzero_ps();
    for (ptrdiff_t b = 0; b < n / 32; b++, w += 22) {
        __m256i q = _mm256_or_si256(rq_nibbles(w + 6), rq_bit4_from_bits(rq_u32(w + 2)));
        q = _mm256_sub_epi8(q, _mm256_set1_epi8(16));
        __m256i p = _mm256_loadu_si256((const __m256i *)x[b].q);
        __m256 scale = _mm256_set1_ps(rq_half(w) * x[b].d);
        acc = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(rq_dot_s8s8(q, p)), acc);
    }
    return rq_hsum(acc);
}

RQ_AVX2 float rq_dot_q5_1_avx2(ptrdiff_t n, const void *weight, const void *activation) {
    const uint8_t *w = weight;
    const rq_q8_32 *x = activation;
    __m256 acc = _mm256_setzero_ps();
    float minimums = 0.0f;
    for (ptrdiff_t b = 0; b < n / 32; b++, w += 24) {
        __m256i q = _mm256_or_si256(rq_nibbles(w + 8), rq_bit4_from_bits(rq_u32(w + 4)));
        __m256i p = _mm256_loadu_si256((const __m256i *)x[b].q);
        __m256 scale = _mm256_set1_ps(rq_half(w) * x[b].d);
        acc = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(rq_dot_u8s8(q, p)), acc);
        minimums += rq_half(w + 2) * x[b].s;
    }
    return rq_hsum(acc) + minimums;
}

RQ_AVX2 float rq_dot_q8_0_avx2(ptrdiff_t n, const void *weight, const void *activation) {
    const uint8_t *w = weight;
    const rq_q8_32 *x = activation;
    __m256 acc = _mm256_setzero_ps();
    for (ptrdiff_t b = 0; b < n / 32; b++, w += 34) {
        __m256i q = _mm256_loadu_si256((const __m256i *)(w + 2));
        __m256i p = _mm256_loadu_si256((const __m256i *)x[b].q);
        __m256 scale = _mm256_set1_ps(rq_half(w) * x[b].d);
        acc = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(rq_dot_s8s8(q, p)), acc);
    }
    return rq_hsum(acc);
}

#endif
