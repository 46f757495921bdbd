// AVX2 tile kernel of the K-quant GEMM, for CPUs without AVX-512 VNNI (layout: QuantizedDotInternal.h;
// driver and formulas: QuantizedGemm.c). One activation row × 32 lanes (four ymm of 8 int32) at a time:
//   per 4-element group g: per 8 lanes, vpmaddubsw (unsigned quants × the row's 4 broadcast bytes,
//   adjacent pairs summed to int16: at most 2·63·127 = 16002, no saturation) then vpmaddwd with the
//   lanes' sub-block scale in both int16 halves (pairs summed to int32, scale applied), added into the
//   block's integer sum (at most 64·2·16002·128 < 2^31 for Q6_K);
//   per super-block: the correction Σ_p pairs·bsums by vpmaddwd, then one float multiply-add.
// The integers are those of the portable tile; only the float rounding differs (FMA).
#include "QuantizedDotInternal.h"

#ifdef RQ_X86
#include "QuantizedDotAVX2.h"

/// The int32 scales s of 8 lanes as (s, s) int16 pairs (|s| < 2^15).
RQ_AVX2 static inline __m256i scale_pairs(const uint8_t *scales) {
    __m256i s = _mm256_load_si256((const __m256i *)scales);
    return _mm256_or_si256(_mm256_and_si256(s, _mm256_set1_epi32(0xFFFF)), _mm256_slli_epi32(s, 16));
}

RQ_AVX2 static inline __attribute__((always_inline)) void
tile_row(const int S, const uint8_t *panel, ptrdiff_t blocks, const rq_q8_256 *x, float *y, int lanes, int accumulate) {
    const rq_gemm_layout layout = rq_gemm_layout_of(S);
    const int groups = 64 / S;
    __m256 acc[4];
    for (int n = 0; n < 4; n++) acc[n] = _mm256_setzero_ps();
    for (ptrdiff_t b = 0; b < blocks; b++) {
        const uint8_t *block = panel + (size_t)b * layout.block_bytes;
        const uint8_t *scales = block + layout.scales, *pairs = block + layout.pairs;
        const float *factors = (const float *)(block + layout.factors);
        const rq_q8_256 *row = x + b;
        __m256i isum[4];
        for (int n = 0; n < 4; n++) isum[n] = _mm256_setzero_si256();
        const uint8_t *q = block;
        for (int j = 0; j < S; j++) {
            __m256i scale[4];
            for (int n = 0; n < 4; n++) scale[n] = scale_pairs(scales + (j * RQ_GEMM_LANES + 8 * n) * 4);
            for (int g = j * groups; g < (j + 1) * groups; g++, q += RQ_GEMM_LANES * 4) {
                int32_t bytes;
                memcpy(&bytes, row->q + 4 * g, 4);
                __m256i p = _mm256_set1_epi32(bytes);
                for (int n = 0; n < 4; n++) {
                    __m256i w = _mm256_load_si256((const __m256i *)(q + 32 * n));
                    isum[n] = _mm256_add_epi32(isum[n], _mm256_madd_epi16(_mm256_maddubs_epi16(w, p), scale[n]));
                }
            }
        }
        __m256i correction[4];
        for (int n = 0; n < 4; n++) correction[n] = _mm256_setzero_si256();
        for (int k = 0; k < 8; k++) {
            int32_t two;
            memcpy(&two, &row->bsums[2 * k], 4);
            __m256i bsums = _mm256_set1_epi32(two);
            for (int n = 0; n < 4; n++) {
                __m256i c = _mm256_load_si256((const __m256i *)(pairs + k * RQ_GEMM_LANES * 4 + 32 * n));
                correction[n] = _mm256_add_epi32(correction[n], _mm256_madd_epi16(c, bsums));
            }
        }
        __m256 d = _mm256_set1_ps(row->d);
        for (int n = 0; n < 4; n++) {
            __m256 a = _mm256_load_ps(factors + 8 * n), c = _mm256_load_ps(factors + RQ_GEMM_LANES + 8 * n);
            __m256 t = _mm256_fmsub_ps(a, _mm256_cvtepi32_ps(isum[n]), _mm256_mul_ps(c, _mm256_cvtepi32_ps(correction[n])));
            acc[n] = _mm256_fmadd_ps(d, t, acc[n]);
        }
    }
    float out[RQ_GEMM_LANES];
    for (int n = 0; n < 4; n++) _mm256_storeu_ps(out + 8 * n, acc[n]);
    for (int l = 0; l < lanes; l++) y[l] = accumulate ? y[l] + out[l] : out[l];
}

RQ_AVX2 static void row_8(const uint8_t *p, ptrdiff_t n, const rq_q8_256 *x, float *y, int lanes, int acc) {
    tile_row(8, p, n, x, y, lanes, acc);
}
RQ_AVX2 static void row_16(const uint8_t *p, ptrdiff_t n, const rq_q8_256 *x, float *y, int lanes, int acc) {
    tile_row(16, p, n, x, y, lanes, acc);
}

void rq_gemm_tile_avx2(rq_gemm_layout layout, const uint8_t *panel, ptrdiff_t blocks,
                       const uint8_t *x, size_t x_stride, ptrdiff_t x_rows,
                       float *y, ptrdiff_t ldy, int lanes, int accumulate) {
    for (ptrdiff_t r = 0; r < x_rows; r++) {
        const rq_q8_256 *row = (const rq_q8_256 *)(x + (size_t)r * x_stride);
        if (layout.sub_blocks == 16) row_16(panel, blocks, row, y + r * ldy, lanes, accumulate);
        else row_8(panel, blocks, row, y + r * ldy, lanes, accumulate);
    }
}

#endif
