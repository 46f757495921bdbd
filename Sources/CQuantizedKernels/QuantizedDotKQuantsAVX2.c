// AVX2 dot kernels of the K-quant super-blocks (formulas: QuantizedDotKQuants.c). Unsigned weight
// quants (0..31 or 0..63) times activation bytes go through maddubs; madd with the sub-block scale
// as int16 gives int32 lanes summed over the super-block; the min/offset terms use bsums.
#include "QuantizedDotInternal.h"

#ifdef RQ_X86
#include "QuantizedDotAVX2.h"

/// Q4_K (five = 0) and Q5_K (five = 1).
RQ_AVX2 static float dot_k4_avx2(ptrdiff_t n, const uint8_t *w, size_t block_bytes, const rq_q8_256 *x, int five) {
    const __m256i low_mask = _mm256_set1_epi8(0x0F), bit4 = _mm256_set1_epi8(0x10);
    __m256 acc = _mm256_setzero_ps();
    float minimums = 0.0f;
    for (ptrdiff_t b = 0; b < n / 256; b++, w += block_bytes) {
        const uint8_t *packed = w + 4;
        const uint8_t *qs = w + (five ? 48 : 16);
        __m256i high = five ? _mm256_loadu_si256((const __m256i *)(w + 16)) : _mm256_setzero_si256();
        __m256i isum = _mm256_setzero_si256();
        int msum = 0;
        for (int c = 0; c < 4; c++) {
            int s0, m0, s1, m1;
            rq_scale_min_k4(2 * c, packed, &s0, &m0);
            rq_scale_min_k4(2 * c + 1, packed, &s1, &m1);
            __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * c));
            __m256i lo = _mm256_and_si256(q, low_mask);
            __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low_mask);
            if (five) {
                const __m256i bit0 = _mm256_set1_epi8((char)(1 << (2 * c)));
                const __m256i bit1 = _mm256_set1_epi8((char)(1 << (2 * c + 1)));
                lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(high, bit0), bit0), bit4));
                hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(high, bit1), bit1), bit4));
            }
            __m256i plo = _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)(x[b].q + 64 * c)));
            __m256i phi = _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(x[b].q + 64 * c + 32)));
            isum = _mm256_add_epi32(isum, _mm256_madd_epi16(plo, _mm256_set1_epi16((short)s0)));
            isum = _mm256_add_epi32(isum, _mm256_madd_epi16(phi, _mm256_set1_epi16((short)s1)));
            msum += m0 * (x[b].bsums[4 * c] + x[b].bsums[4 * c + 1])
                  + m1 * (x[b].bsums[4 * c + 2] + x[b].bsums[4 * c + 3]);
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(rq_half_f16c(w) * x[b].d), _mm256_cvtepi32_ps(isum), acc);
        minimums += x[b].d * rq_half_f16c(w + 2) * (float)msum;
    }
    return rq_hsum(acc) - minimums;
}

RQ_AVX2 float rq_dot_q4_K_avx2(ptrdiff_t n, const void *w, const void *a) { return dot_k4_avx2(n, w, 144, a, 0); }
RQ_AVX2 float rq_dot_q5_K_avx2(ptrdiff_t n, const void *w, const void *a) { return dot_k4_avx2(n, w, 176, a, 1); }

RQ_AVX2 float rq_dot_q6_K_avx2(ptrdiff_t n, const void *weight, const void *activation) {
    const uint8_t *w = weight;
    const rq_q8_256 *x = activation;
    const __m256i low_mask = _mm256_set1_epi8(0x0F), two_bits = _mm256_set1_epi8(0x30);
    __m256 acc = _mm256_setzero_ps();
    for (ptrdiff_t b = 0; b < n / 256; b++, w += 210) {
        const int8_t *scales = (const int8_t *)(w + 192);
        __m256i isum = _mm256_setzero_si256();
        for (int half = 0; half < 2; half++) {
            const uint8_t *ql = w + 64 * half;
            __m256i a = _mm256_loadu_si256((const __m256i *)ql);
            __m256i c = _mm256_loadu_si256((const __m256i *)(ql + 32));
            __m256i h = _mm256_loadu_si256((const __m256i *)(w + 128 + 32 * half));
            __m256i q[4];
            q[0] = _mm256_or_si256(_mm256_and_si256(a, low_mask), _mm256_and_si256(_mm256_slli_epi16(h, 4), two_bits));
            q[1] = _mm256_or_si256(_mm256_and_si256(c, low_mask), _mm256_and_si256(_mm256_slli_epi16(h, 2), two_bits));
            q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(a, 4), low_mask), _mm256_and_si256(h, two_bits));
            q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(c, 4), low_mask),
                                   _mm256_and_si256(_mm256_srli_epi16(h, 2), two_bits));
            for (int k = 0; k < 4; k++) {
                __m256i p = _mm256_loadu_si256((const __m256i *)(x[b].q + 128 * half + 32 * k));
                __m256i products = _mm256_maddubs_epi16(q[k], p);
                __m256i scale = _mm256_inserti128_si256(
                    _mm256_castsi128_si256(_mm_set1_epi16(scales[8 * half + 2 * k])),
                    _mm_set1_epi16(scales[8 * half + 2 * k + 1]), 1);
                isum = _mm256_add_epi32(isum, _mm256_madd_epi16(products, scale));
            }
        }
        int offset = 0;
        for (int j = 0; j < 16; j++) offset += scales[j] * x[b].bsums[j];
        __m256 scale = _mm256_set1_ps(rq_half_f16c(w + 208) * x[b].d);
        acc = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(isum), acc);
        acc = _mm256_fmadd_ps(scale, _mm256_setr_ps(-32.0f * (float)offset, 0, 0, 0, 0, 0, 0, 0), acc);
    }
    return rq_hsum(acc);
}

#endif
