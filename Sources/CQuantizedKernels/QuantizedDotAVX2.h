// Shared AVX2 helpers of the CQuantizedKernels x86 sources.
#ifndef ROPESCOPE_QDOT_AVX2_H
#define ROPESCOPE_QDOT_AVX2_H

#include "QuantizedDotInternal.h"
#include <immintrin.h>

#define RQ_AVX2 __attribute__((target("avx2,fma,f16c")))

/// IEEE binary16 at p (little-endian, unaligned) -> float, with F16C.
RQ_AVX2 static inline float rq_half_f16c(const uint8_t *p) {
    uint16_t bits;
    memcpy(&bits, p, 2);
    return _cvtsh_ss(bits);
}

/// Σ of the 8 lanes.
RQ_AVX2 static inline float rq_hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// 16 bytes of nibbles -> 32 bytes: low nibbles (elements 0..15), then high nibbles (16..31).
RQ_AVX2 static inline __m256i rq_nibbles(const uint8_t *p) {
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    const __m128i mask = _mm_set1_epi8(0x0F);
    __m128i lo = _mm_and_si128(v, mask), hi = _mm_and_si128(_mm_srli_epi16(v, 4), mask);
    return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
}

/// Lane k of the result: Σ of u_i·s_i over bytes 4k..4k+3 (u unsigned <= 255, s signed; each
/// adjacent pair must stay within int16: |u0·s0 + u1·s1| <= 32767).
RQ_AVX2 static inline __m256i rq_dot_u8s8(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

/// The same for two signed vectors (|a_i| <= 128, |b_i| <= 127): |a|·(b with a's sign).
RQ_AVX2 static inline __m256i rq_dot_s8s8(__m256i a, __m256i b) {
    return rq_dot_u8s8(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a));
}

/// Byte j = 0x10 when bit j of `bits` is set, else 0 (j < 32).
RQ_AVX2 static inline __m256i rq_bit4_from_bits(uint32_t bits) {
    const __m256i spread = _mm256_set_epi64x(0x0303030303030303LL, 0x0202020202020202LL,
                                             0x0101010101010101LL, 0x0000000000000000LL);
    const __m256i select = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), spread);
    v = _mm256_cmpeq_epi8(_mm256_and_si256(v, select), select);
    return _mm256_and_si256(v, _mm256_set1_epi8(0x10));
}

#endif
