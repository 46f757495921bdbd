// Shared pieces of the CQuantizedKernels sources (not part of the public header).
#ifndef ROPESCOPE_QDOT_INTERNAL_H
#define ROPESCOPE_QDOT_INTERNAL_H

#include "CQuantizedKernels.h"
#include <string.h>

/// Activation block of 32 (legacy types): x_i ≈ d·q_i, s = d·Σq_i.
typedef struct { float d; float s; int8_t q[32]; } rq_q8_32;
/// Activation super-block of 256 (K-quants): x_i ≈ d·q_i, bsums[j] = Σ of q over 16j..16j+15.
typedef struct { float d; int16_t bsums[16]; int8_t q[256]; } rq_q8_256;

/// One weight row · one quantised activation row, `n` elements.
typedef float (*rq_dot_fn)(ptrdiff_t n, const void *weight, const void *activation);

/// IEEE binary16 bits -> float (exact; subnormals, inf and NaN included).
static inline float rq_half(const uint8_t *p) {
    uint16_t h = (uint16_t)(p[0] | (p[1] << 8));
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
    uint32_t bits;
    if (exponent == 0x1F) {
        bits = sign | 0x7F800000u | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else {
        float value = (float)mantissa * 5.9604644775390625e-8f;  // mantissa · 2^-24
        return sign ? -value : value;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline uint32_t rq_u32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/// 6-bit scale and min of sub-block j (0..<8) of a Q4_K/Q5_K block from its 12 packed bytes.
static inline void rq_scale_min_k4(int j, const uint8_t *q, int *scale, int *minimum) {
    if (j < 4) {
        *scale = q[j] & 63;
        *minimum = q[j + 4] & 63;
    } else {
        *scale = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4);
        *minimum = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

// Portable kernels (QuantizedDotLegacy.c, QuantizedDotKQuants.c).
float rq_dot_q4_0_portable(ptrdiff_t n, const void *w, const void *a);
float rq_dot_q4_1_portable(ptrdiff_t n, const void *w, const void *a);
float rq_dot_q5_0_portable(ptrdiff_t n, const void *w, const void *a);
float rq_dot_q5_1_portable(ptrdiff_t n, const void *w, const void *a);
float rq_dot_q8_0_portable(ptrdiff_t n, const void *w, const void *a);
float rq_dot_q4_K_portable(ptrdiff_t n, const void *w, const void *a);
float rq_dot_q5_K_portable(ptrdiff_t n, const void *w, const void *a);
float rq_dot_q6_K_portable(ptrdiff_t n, const void *w, const void *a);

/// Packed weight panels of the K-quant GEMM (QuantizedGemm.c). Per 256-element super-block of
/// a sub-panel of RQ_GEMM_LANES weight rows ("lanes"), contiguous:
///   uint8_t quants[64][RQ_GEMM_LANES][4]   q of elements 4g..4g+3 of lane l at [g][l] (unsigned)
///   int32_t scales[S][RQ_GEMM_LANES]       sub-block scale sc_j (S = 8 sub-blocks of 32, or 16 of 16)
///   int16_t pairs[8][RQ_GEMM_LANES][2]     correction weights against the activation bsums pair
///                                          (bsums[2p], bsums[2p+1])
///   float   a[RQ_GEMM_LANES], b[RQ_GEMM_LANES]
/// and the block's contribution to lane l is d_x·(a·Σ_j sc_j·Σ_{i∈j} q_i·p_i − b·Σ_p pairs·bsums).
/// Lanes past the matrix's last row are zero (they contribute 0 and are never stored).
enum { RQ_GEMM_LANES = 32 };

typedef struct {
    int sub_blocks;        // S
    size_t scales;         // byte offset of scales[S][RQ_GEMM_LANES] inside a packed super-block
    size_t pairs;          // byte offset of pairs[8][RQ_GEMM_LANES][2]
    size_t factors;        // byte offset of a[RQ_GEMM_LANES], then b[RQ_GEMM_LANES]
    size_t block_bytes;    // bytes of one packed super-block of a sub-panel
} rq_gemm_layout;

/// The one definition of the packed super-block layout above (every offset a multiple of 64).
static inline rq_gemm_layout rq_gemm_layout_of(int sub_blocks) {
    rq_gemm_layout layout;
    layout.sub_blocks = sub_blocks;
    layout.scales = (size_t)64 * RQ_GEMM_LANES * 4;
    layout.pairs = layout.scales + (size_t)sub_blocks * RQ_GEMM_LANES * 4;
    layout.factors = layout.pairs + (size_t)8 * RQ_GEMM_LANES * 4;
    layout.block_bytes = layout.factors + (size_t)2 * RQ_GEMM_LANES * 4;
    return layout;
}

/// y[r·ldy + l] (+)= row r of x · lane l of one packed sub-panel, r < x_rows, l < lanes.
typedef void (*rq_gemm_tile_fn)(rq_gemm_layout layout, const uint8_t *panel, ptrdiff_t blocks,
                                const uint8_t *x, size_t x_stride, ptrdiff_t x_rows,
                                float *y, ptrdiff_t ldy, int lanes, int accumulate);

void rq_gemm_tile_portable(rq_gemm_layout layout, const uint8_t *panel, ptrdiff_t blocks,
                           const uint8_t *x, size_t x_stride, ptrdiff_t x_rows,
                           float *y, ptrdiff_t ldy, int lanes, int accumulate);

#if defined(__x86_64__)
#define RQ_X86 1
void rq_gemm_tile_avx2(rq_gemm_layout layout, const uint8_t *panel, ptrdiff_t blocks,
                       const uint8_t *x, size_t x_stride, ptrdiff_t x_rows,
                       float *y, ptrdiff_t ldy, int lanes, int accumulate);
void rq_gemm_tile_avx512vnni(rq_gemm_layout layout, const uint8_t *panel, ptrdiff_t blocks,
                             const uint8_t *x, size_t x_stride, ptrdiff_t x_rows,
                             float *y, ptrdiff_t ldy, int lanes, int accumulate);
// AVX2 kernels (QuantizedDotLegacyAVX2.c, QuantizedDotKQuantsAVX2.c).
float rq_dot_q4_0_avx2(ptrdiff_t n, const void *w, const void *a);
float rq_dot_q4_1_avx2(ptrdiff_t n, const void *w, const void *a);
float rq_dot_q5_0_avx2(ptrdiff_t n, const void *w, const void *a);
float rq_dot_q5_1_avx2(ptrdiff_t n, const void *w, const void *a);
float rq_dot_q8_0_avx2(ptrdiff_t n, const void *w, const void *a);
float rq_dot_q4_K_avx2(ptrdiff_t n, const void *w, const void *a);
float rq_dot_q5_K_avx2(ptrdiff_t n, const void *w, const void *a);
float rq_dot_q6_K_avx2(ptrdiff_t n, const void *w, const void *a);
#endif

#endif
