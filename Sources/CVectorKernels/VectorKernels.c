// AVX2 + FMA kernels; see include/CVectorKernels.h. Formulas are those of VectorMath.swift:
//   e^x = 2^n * (1 + r + r^2 * P(r)),  n = round(x log2 e),  r = x - n ln 2 (two-part ln 2),
// P of degree 5 from Cephes expf.c (S. L. Moshier); x < -87.33654 gives 0, x > 88.37 is clamped.
#include "CVectorKernels.h"

#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

int ropescope_vector_kernels_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

#define KERNEL __attribute__((target("avx2,fma,f16c")))

KERNEL static inline __m256 exp8(__m256 x) {
    // min/max with the constant first keep a NaN x as NaN (the second operand is returned).
    __m256 v = _mm256_min_ps(_mm256_set1_ps(88.37f), x);
    v = _mm256_max_ps(_mm256_set1_ps(-87.33654f), v);
    const __m256 magic = _mm256_set1_ps(12582912.0f);           // 1.5 * 2^23
    __m256 t = _mm256_fmadd_ps(v, _mm256_set1_ps(1.442695041f), magic);
    __m256 n = _mm256_sub_ps(t, magic);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), v);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    __m256 y = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
    __m256i bits = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(0x4B400000 - 127));
    __m256 power = _mm256_castsi256_ps(_mm256_slli_epi32(bits, 23));
    __m256 underflow = _mm256_cmp_ps(x, _mm256_set1_ps(-87.33654f), _CMP_LT_OQ);
    return _mm256_andnot_ps(underflow, _mm256_mul_ps(y, power));
}

/// Lanes i < count of a partial vector: count in 0...8.
KERNEL static inline __m256i lanes_below(ptrdiff_t count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

KERNEL static inline float horizontal_sum(__m256 x) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

KERNEL float ropescope_avx2_maximum(const float *x, ptrdiff_t count) {
    __m256 best = _mm256_set1_ps(-INFINITY);
    ptrdiff_t i = 0;
    // max(x, best) returns best when x is NaN, so NaN entries are ignored as in the Swift loop.
    for (; i + 8 <= count; i += 8) best = _mm256_max_ps(_mm256_loadu_ps(x + i), best);
    __m128 b = _mm_max_ps(_mm256_castps256_ps128(best), _mm256_extractf128_ps(best, 1));
    b = _mm_max_ps(b, _mm_movehl_ps(b, b));
    b = _mm_max_ss(b, _mm_movehdup_ps(b));
    float result = _mm_cvtss_f32(b);
    for (; i < count; i++) if (x[i] > result) result = x[i];
    return result;
}

KERNEL float ropescope_avx2_exponentiate(float *x, ptrdiff_t count, float shift) {
    const __m256 s = _mm256_set1_ps(shift);
    __m256 total = _mm256_setzero_ps();
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
        _mm256_storeu_ps(x + i, e);
        total = _mm256_add_ps(total, e);
    }
    if (i < count) {
        __m256i mask = lanes_below(count - i);
        __m256 e = exp8(_mm256_sub_ps(_mm256_maskload_ps(x + i, mask), s));
        e = _mm256_and_ps(e, _mm256_castsi256_ps(mask));
        _mm256_maskstore_ps(x + i, mask, e);
        total = _mm256_add_ps(total, e);
    }
    return horizontal_sum(total);
}

KERNEL void ropescope_avx2_swiglu(float *gate, const float *up, ptrdiff_t count) {
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 g = _mm256_loadu_ps(gate + i);
        __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, exp8(_mm256_sub_ps(zero, g))));
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
    }
    if (i < count) {
        __m256i mask = lanes_below(count - i);
        __m256 g = _mm256_maskload_ps(gate + i, mask);
        __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, exp8(_mm256_sub_ps(zero, g))));
        _mm256_maskstore_ps(gate + i, mask, _mm256_mul_ps(silu, _mm256_maskload_ps(up + i, mask)));
    }
}

/// Four dot products at once: lane sums of a0…a3 as [Σa0, Σa1, Σa2, Σa3].
KERNEL static inline __m128 horizontal_sum4(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
    __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

// The decode-attention loops for float32 and binary16 caches: LOAD8(p) reads 8 floats of a key
// or value row, either directly or widened from binary16 by F16C.
#define LOAD_F32(p) _mm256_loadu_ps(p)
#define LOAD_F16(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))

#define QUERY_KEY_SCORES(NAME, TYPE, LOAD8)                                                            \
KERNEL void NAME(const float *query, ptrdiff_t rows, ptrdiff_t d, const TYPE *keys,                    \
                 ptrdiff_t key_stride, ptrdiff_t count, float *scores) {                               \
    for (ptrdiff_t r = 0; r < rows; r++) {                                                             \
        const float *q = query + r * d;                                                                \
        float *line = scores + r * count;                                                              \
        ptrdiff_t j = 0;                                                                               \
        for (; j + 4 <= count; j += 4) {                                                               \
            const TYPE *k = keys + j * key_stride;                                                     \
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                                \
            for (ptrdiff_t i = 0; i < d; i += 8) {                                                     \
                __m256 qi = _mm256_loadu_ps(q + i);                                                    \
                a0 = _mm256_fmadd_ps(qi, LOAD8(k + i), a0);                                            \
                a1 = _mm256_fmadd_ps(qi, LOAD8(k + key_stride + i), a1);                               \
                a2 = _mm256_fmadd_ps(qi, LOAD8(k + 2 * key_stride + i), a2);                           \
                a3 = _mm256_fmadd_ps(qi, LOAD8(k + 3 * key_stride + i), a3);                           \
            }                                                                                          \
            _mm_storeu_ps(line + j, horizontal_sum4(a0, a1, a2, a3));                                  \
        }                                                                                              \
        for (; j < count; j++) {                                                                       \
            const TYPE *k = keys + j * key_stride;                                                     \
            __m256 a = _mm256_setzero_ps();                                                            \
            for (ptrdiff_t i = 0; i < d; i += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), LOAD8(k + i), a); \
            line[j] = horizontal_sum(a);                                                               \
        }                                                                                              \
    }                                                                                                  \
}

// 64 output features per pass: eight accumulators stay in registers while j runs.
#define WEIGHTED_VALUES(NAME, TYPE, LOAD8)                                                             \
KERNEL void NAME(const float *weights, ptrdiff_t rows, ptrdiff_t count, const TYPE *values,            \
                 ptrdiff_t value_stride, ptrdiff_t d, float *output) {                                 \
    for (ptrdiff_t r = 0; r < rows; r++) {                                                             \
        const float *p = weights + r * count;                                                          \
        for (ptrdiff_t start = 0; start < d; start += 64) {                                            \
            int lanes = (int)((d - start < 64 ? d - start : 64) / 8);                                  \
            __m256 acc[8];                                                                             \
            for (int c = 0; c < 8; c++) acc[c] = _mm256_setzero_ps();                                  \
            const TYPE *v = values + start;                                                            \
            if (lanes == 8) {                                                                          \
                for (ptrdiff_t j = 0; j < count; j++, v += value_stride) {                             \
                    __m256 pj = _mm256_set1_ps(p[j]);                                                  \
                    for (int c = 0; c < 8; c++) acc[c] = _mm256_fmadd_ps(pj, LOAD8(v + 8 * c), acc[c]); \
                }                                                                                      \
            } else {                                                                                   \
                for (ptrdiff_t j = 0; j < count; j++, v += value_stride) {                             \
                    __m256 pj = _mm256_set1_ps(p[j]);                                                  \
                    for (int c = 0; c < lanes; c++) acc[c] = _mm256_fmadd_ps(pj, LOAD8(v + 8 * c), acc[c]); \
                }                                                                                      \
            }                                                                                          \
            for (int c = 0; c < lanes; c++) _mm256_storeu_ps(output + r * d + start + 8 * c, acc[c]);  \
        }                                                                                              \
    }                                                                                                  \
}

QUERY_KEY_SCORES(ropescope_avx2_query_key_scores, float, LOAD_F32)
QUERY_KEY_SCORES(ropescope_f16c_query_key_scores, uint16_t, LOAD_F16)
WEIGHTED_VALUES(ropescope_avx2_weighted_values, float, LOAD_F32)
WEIGHTED_VALUES(ropescope_f16c_weighted_values, uint16_t, LOAD_F16)

KERNEL void ropescope_f16c_round(const float *source, ptrdiff_t count, uint16_t *target) {
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(source + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm_storeu_si128((__m128i *)(target + i), h);
    }
    for (; i < count; i++) {
        __m128i h = _mm_cvtps_ph(_mm_set_ss(source[i]), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        target[i] = (uint16_t)_mm_extract_epi16(h, 0);
    }
}

KERNEL void ropescope_f16c_widen(const uint16_t *source, ptrdiff_t count, float *target) {
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(target + i, LOAD_F16(source + i));
    for (; i < count; i++) target[i] = _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(source[i])));
}

#else

int ropescope_vector_kernels_available(void) { return 0; }
float ropescope_avx2_maximum(const float *x, ptrdiff_t count) { (void)x; (void)count; return NAN; }
float ropescope_avx2_exponentiate(float *x, ptrdiff_t count, float shift) { (void)x; (void)count; (void)shift; return NAN; }
void ropescope_avx2_swiglu(float *gate, const float *up, ptrdiff_t count) { (void)gate; (void)up; (void)count; }
void ropescope_avx2_query_key_scores(const float *query, ptrdiff_t rows, ptrdiff_t d, const float *keys,
                                     ptrdiff_t key_stride, ptrdiff_t count, float *scores) {
    (void)query; (void)rows; (void)d; (void)keys; (void)key_stride; (void)count; (void)scores;
}
void ropescope_avx2_weighted_values(const float *weights, ptrdiff_t rows, ptrdiff_t count, const float *values,
                                    ptrdiff_t value_stride, ptrdiff_t d, float *output) {
    (void)weights; (void)rows; (void)count; (void)values; (void)value_stride; (void)d; (void)output;
}

void ropescope_f16c_query_key_scores(const float *query, ptrdiff_t rows, ptrdiff_t d, const uint16_t *keys,
                                     ptrdiff_t key_stride, ptrdiff_t count, float *scores) {
    (void)query; (void)rows; (void)d; (void)keys; (void)key_stride; (void)count; (void)scores;
}
void ropescope_f16c_weighted_values(const float *weights, ptrdiff_t rows, ptrdiff_t count, const uint16_t *values,
                                    ptrdiff_t value_stride, ptrdiff_t d, float *output) {
    (void)weights; (void)rows; (void)count; (void)values; (void)value_stride; (void)d; (void)output;
}
void ropescope_f16c_round(const float *source, ptrdiff_t count, uint16_t *target) { (void)source; (void)count; (void)target; }
void ropescope_f16c_widen(const uint16_t *source, ptrdiff_t count, float *target) { (void)source; (void)count; (void)target; }

#endif
