// AVX2 + FMA kernels; see include/CVectorKernels.h. Formulas are those of VectorMath.swift:
//   e^x = 2^n * (1 + r + r^2 * P(r)),  n = round(x log2 e),  r = x - n ln 2 (two-part ln 2),
// P of degree 5 from Cephes expf.c (S. L. Moshier); x < -87.33654 gives 0, x > 88.37 is clamped.
#include "CVectorKernels.h"

#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

void ropescope_spin_pause(void) { _mm_pause(); }

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

// The decode-attention loops for float32 and binary16 caches. Each key or value row is read (and,
// for binary16, widened) once per pass of up to three query rows, which share it from registers:
// 3 rows × 4 keys = 12 accumulators + 4 key vectors fill the 16 AVX2 registers.
#define INLINE KERNEL static inline __attribute__((always_inline))

INLINE __m256 load8(const void *base, ptrdiff_t index, int half) {
    return half ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)base + index)))
                : _mm256_loadu_ps((const float *)base + index);
}

/// scores[r·count + j] = query_r · key_j for r < rows (≤ 3, a constant after inlining).
INLINE void scores_pass(const float *query, const int rows, ptrdiff_t d, const void *keys, ptrdiff_t stride,
                        ptrdiff_t count, float *scores, const int half) {
    ptrdiff_t j = 0;
    for (; j + 4 <= count; j += 4) {
        __m256 acc[3][4];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < 4; c++) acc[r][c] = _mm256_setzero_ps();
        // Rows 16 keys ahead are requested now: the loop is bound by the latency of cold key rows.
        for (int c = 0; c < 4; c++)
            for (ptrdiff_t i = 0; i < d; i += 64 / (half ? 2 : 4))
                _mm_prefetch((const char *)keys + ((j + 16 + c) * stride + i) * (half ? 2 : 4), _MM_HINT_T0);
        for (ptrdiff_t i = 0; i < d; i += 8) {
            __m256 k[4];
            for (int c = 0; c < 4; c++) k[c] = load8(keys, (j + c) * stride + i, half);
            for (int r = 0; r < rows; r++) {
                __m256 q = _mm256_loadu_ps(query + r * d + i);
                for (int c = 0; c < 4; c++) acc[r][c] = _mm256_fmadd_ps(q, k[c], acc[r][c]);
            }
        }
        for (int r = 0; r < rows; r++)
            _mm_storeu_ps(scores + r * count + j, horizontal_sum4(acc[r][0], acc[r][1], acc[r][2], acc[r][3]));
    }
    for (; j < count; j++) {
        for (int r = 0; r < rows; r++) {
            __m256 a = _mm256_setzero_ps();
            for (ptrdiff_t i = 0; i < d; i += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(query + r * d + i), load8(keys, j * stride + i, half), a);
            scores[r * count + j] = horizontal_sum(a);
        }
    }
}

/// output[r·d + i] = Σ_j weights[r·count + j]·value_j[i] for r < rows (≤ 3), 32 features per pass.
INLINE void values_pass(const float *weights, const int rows, ptrdiff_t count, const void *values, ptrdiff_t stride,
                        ptrdiff_t d, float *output, const int half) {
    for (ptrdiff_t start = 0; start < d; start += 32) {
        int lanes = (int)((d - start < 32 ? d - start : 32) / 8);
        __m256 acc[3][4];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < 4; c++) acc[r][c] = _mm256_setzero_ps();
        if (lanes == 4) {
            for (ptrdiff_t j = 0; j < count; j++) {
                _mm_prefetch((const char *)values + ((j + 16) * stride + start) * (half ? 2 : 4), _MM_HINT_T0);
                __m256 v[4];
                for (int c = 0; c < 4; c++) v[c] = load8(values, j * stride + start + 8 * c, half);
                for (int r = 0; r < rows; r++) {
                    __m256 p = _mm256_broadcast_ss(weights + r * count + j);
                    for (int c = 0; c < 4; c++) acc[r][c] = _mm256_fmadd_ps(p, v[c], acc[r][c]);
                }
            }
        } else {
            for (ptrdiff_t j = 0; j < count; j++) {
                for (int r = 0; r < rows; r++) {
                    __m256 p = _mm256_broadcast_ss(weights + r * count + j);
                    for (int c = 0; c < lanes; c++)
                        acc[r][c] = _mm256_fmadd_ps(p, load8(values, j * stride + start + 8 * c, half), acc[r][c]);
                }
            }
        }
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < lanes; c++) _mm256_storeu_ps(output + r * d + start + 8 * c, acc[r][c]);
    }
}

// Rows in passes of three (two, one for the rest), each pass a specialised copy.
#define IN_PASSES(CALL)                                                                                \
    for (ptrdiff_t first = 0; first < rows; first += 3) {                                              \
        ptrdiff_t left = rows - first;                                                                 \
        if (left >= 3) { const int n = 3; CALL; }                                                      \
        else if (left == 2) { const int n = 2; CALL; }                                                 \
        else { const int n = 1; CALL; }                                                                \
    }

KERNEL void ropescope_avx2_query_key_scores(const float *query, ptrdiff_t rows, ptrdiff_t d, const float *keys,
                                            ptrdiff_t key_stride, ptrdiff_t count, float *scores) {
    IN_PASSES(scores_pass(query + first * d, n, d, keys, key_stride, count, scores + first * count, 0))
}

KERNEL void ropescope_f16c_query_key_scores(const float *query, ptrdiff_t rows, ptrdiff_t d, const uint16_t *keys,
                                            ptrdiff_t key_stride, ptrdiff_t count, float *scores) {
    IN_PASSES(scores_pass(query + first * d, n, d, keys, key_stride, count, scores + first * count, 1))
}

KERNEL void ropescope_avx2_weighted_values(const float *weights, ptrdiff_t rows, ptrdiff_t count, const float *values,
                                           ptrdiff_t value_stride, ptrdiff_t d, float *output) {
    IN_PASSES(values_pass(weights + first * count, n, count, values, value_stride, d, output + first * d, 0))
}

KERNEL void ropescope_f16c_weighted_values(const float *weights, ptrdiff_t rows, ptrdiff_t count, const uint16_t *values,
                                           ptrdiff_t value_stride, ptrdiff_t d, float *output) {
    IN_PASSES(values_pass(weights + first * count, n, count, values, value_stride, d, output + first * d, 1))
}

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
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(target + i, load8(source, i, 1));
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

void ropescope_spin_pause(void) {}

#endif
