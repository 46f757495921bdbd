// AVX-512 VNNI tile kernel of the K-quant GEMM (layout: QuantizedDotInternal.h; driver and formulas:
// QuantizedGemm.c). A register tile is R <= 4 activation rows × 32 lanes (two zmm of 16 int32):
//   per 4-element group g: two 64-byte loads of the packed quants (4 elements × 16 lanes each) and,
//   per row, vpdpbusd with the row's 4 activation bytes broadcast (unsigned quants × signed bytes,
//   4 products summed into each int32 lane);
//   per sub-block: the group sums times the lanes' scales (vpmulld) into the block's integer sum;
//   per super-block: the correction Σ_p pairs·bsums with vpdpwssd, then one float multiply-add.
// The integers are those of the portable tile; only the float rounding differs (FMA).
#include "QuantizedDotInternal.h"

#ifdef RQ_X86
#include <immintrin.h>

#define RQ_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

RQ_VNNI static inline __attribute__((always_inline)) void
tile_rows(const int R, const int S, const uint8_t *panel, ptrdiff_t blocks,
          const uint8_t *x, size_t x_stride, float *y, ptrdiff_t ldy, int lanes, int accumulate) {
    const rq_gemm_layout layout = rq_gemm_layout_of(S);
    const int groups = 64 / S;
    __m512 acc[4][2];
    for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (ptrdiff_t b = 0; b < blocks; b++) {
        const uint8_t *block = panel + (size_t)b * layout.block_bytes;
        const uint8_t *scales = block + layout.scales, *pairs = block + layout.pairs;
        const float *factors = (const float *)(block + layout.factors);
        const rq_q8_256 *row[4];
        for (int r = 0; r < R; r++) row[r] = (const rq_q8_256 *)(x + (size_t)r * x_stride) + b;
        __m512i isum[4][2];
        for (int r = 0; r < R; r++) isum[r][0] = isum[r][1] = _mm512_setzero_si512();
        const uint8_t *q = block;
        for (int j = 0; j < S; j++) {
            __m512i part[4][2];
            for (int r = 0; r < R; r++) part[r][0] = part[r][1] = _mm512_setzero_si512();
            for (int g = j * groups; g < (j + 1) * groups; g++, q += RQ_GEMM_LANES * 4) {
                __m512i w0 = _mm512_load_si512((const void *)q), w1 = _mm512_load_si512((const void *)(q + 64));
                for (int r = 0; r < R; r++) {
                    int32_t bytes;
                    memcpy(&bytes, row[r]->q + 4 * g, 4);
                    __m512i p = _mm512_set1_epi32(bytes);
                    part[r][0] = _mm512_dpbusd_epi32(part[r][0], w0, p);
                    part[r][1] = _mm512_dpbusd_epi32(part[r][1], w1, p);
                }
            }
            __m512i s0 = _mm512_load_si512((const void *)(scales + j * RQ_GEMM_LANES * 4));
            __m512i s1 = _mm512_load_si512((const void *)(scales + j * RQ_GEMM_LANES * 4 + 64));
            for (int r = 0; r < R; r++) {
                isum[r][0] = _mm512_add_epi32(isum[r][0], _mm512_mullo_epi32(part[r][0], s0));
                isum[r][1] = _mm512_add_epi32(isum[r][1], _mm512_mullo_epi32(part[r][1], s1));
            }
        }
        __m512i correction[4][2];
        for (int r = 0; r < R; r++) correction[r][0] = correction[r][1] = _mm512_setzero_si512();
        for (int k = 0; k < 8; k++) {
            __m512i c0 = _mm512_load_si512((const void *)(pairs + k * RQ_GEMM_LANES * 4));
            __m512i c1 = _mm512_load_si512((const void *)(pairs + k * RQ_GEMM_LANES * 4 + 64));
            for (int r = 0; r < R; r++) {
                int32_t two;
                memcpy(&two, &row[r]->bsums[2 * k], 4);
                __m512i bsums = _mm512_set1_epi32(two);
                correction[r][0] = _mm512_dpwssd_epi32(correction[r][0], c0, bsums);
                correction[r][1] = _mm512_dpwssd_epi32(correction[r][1], c1, bsums);
            }
        }
        __m512 a0 = _mm512_load_ps(factors), a1 = _mm512_load_ps(factors + 16);
        __m512 b0 = _mm512_load_ps(factors + 32), b1 = _mm512_load_ps(factors + 48);
        for (int r = 0; r < R; r++) {
            __m512 d = _mm512_set1_ps(row[r]->d);
            __m512 t0 = _mm512_fmsub_ps(a0, _mm512_cvtepi32_ps(isum[r][0]), _mm512_mul_ps(b0, _mm512_cvtepi32_ps(correction[r][0])));
            __m512 t1 = _mm512_fmsub_ps(a1, _mm512_cvtepi32_ps(isum[r][1]), _mm512_mul_ps(b1, _mm512_cvtepi32_ps(correction[r][1])));
            acc[r][0] = _mm512_fmadd_ps(d, t0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(d, t1, acc[r][1]);
        }
    }
    __mmask16 m0 = lanes >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << lanes) - 1);
    __mmask16 m1 = lanes >= 32 ? (__mmask16)0xFFFF : lanes > 16 ? (__mmask16)((1u << (lanes - 16)) - 1) : 0;
    for (int r = 0; r < R; r++) {
        float *target = y + r * ldy;
        __m512 v0 = acc[r][0], v1 = acc[r][1];
        if (accumulate) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, target));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, target + 16));
        }
        _mm512_mask_storeu_ps(target, m0, v0);
        _mm512_mask_storeu_ps(target + 16, m1, v1);
    }
}

// One function per (rows, sub-blocks) so that every loop bound is a constant (unrolled).
#define RQ_TILE(R, S) \
    RQ_VNNI static void tile_##R##_##S(const uint8_t *p, ptrdiff_t n, const uint8_t *x, size_t s, float *y, ptrdiff_t ldy, \
                                       int lanes, int acc) { tile_rows(R, S, p, n, x, s, y, ldy, lanes, acc); }
RQ_TILE(1, 8) RQ_TILE(2, 8) RQ_TILE(3, 8) RQ_TILE(4, 8)
RQ_TILE(1, 16) RQ_TILE(2, 16) RQ_TILE(3, 16) RQ_TILE(4, 16)

typedef void (*tile_fn)(const uint8_t *, ptrdiff_t, const uint8_t *, size_t, float *, ptrdiff_t, int, int);

void rq_gemm_tile_avx512vnni(rq_gemm_layout layout, const uint8_t *panel, ptrdiff_t blocks,
                             const uint8_t *x, size_t x_stride, ptrdiff_t x_rows,
                             float *y, ptrdiff_t ldy, int lanes, int accumulate) {
    static const tile_fn eight[4] = { tile_1_8, tile_2_8, tile_3_8, tile_4_8 };
    static const tile_fn sixteen[4] = { tile_1_16, tile_2_16, tile_3_16, tile_4_16 };
    int rows = x_rows < 1 ? 1 : x_rows > 4 ? 4 : (int)x_rows;
    (layout.sub_blocks == 16 ? sixteen : eight)[rows - 1](panel, blocks, x, x_stride, y, ldy, lanes, accumulate);
}

#endif
