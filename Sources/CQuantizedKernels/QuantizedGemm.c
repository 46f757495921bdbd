// The K-quant GEMM of include/CQuantizedKernels.h: packing weight rows into the panel layout of
// QuantizedDotInternal.h, the portable tile kernel, and the driver.
//
// Per super-block and lane (formulas as QuantizedDotKQuants.c; p the activation quants, B the bsums):
//   Q4_K, Q5_K: sc_j, m_j (j < 8) the 6-bit scales and mins; pairs[p] = (m_p, m_p) so that
//               Σ_p pairs·(B_2p, B_2p+1) = Σ_j m_j·(B_2j + B_2j+1); a = d, b = dmin
//   Q6_K:       sc_j (j < 16) the int8 scales; pairs[p] = (sc_2p, sc_2p+1) so that
//               Σ_p pairs·(B_2p, B_2p+1) = Σ_j sc_j·B_j; a = d, b = 32·d  (the −32 offset of q)
#include "QuantizedDotInternal.h"

static int sub_blocks_of(int ggml_type) {
    switch (ggml_type) {
    case 12: case 13: return 8;
    case 14: return 16;
    default: return 0;
    }
}

static size_t block_bytes_of(int ggml_type) {
    switch (ggml_type) {
    case 12: return 144;
    case 13: return 176;
    case 14: return 210;
    default: return 0;
    }
}

int ropescope_qgemm_supports(int ggml_type) { return sub_blocks_of(ggml_type) != 0; }

int ropescope_qgemm_variant_available(int variant) {
    switch (variant) {
    case ROPESCOPE_QGEMM_PORTABLE: return 1;
#ifdef RQ_X86
    case ROPESCOPE_QGEMM_AVX2:
        return ropescope_qdot_variant_available(ROPESCOPE_QDOT_AVX2);
    case ROPESCOPE_QGEMM_AVX512VNNI:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#endif
    default: return 0;
    }
}

size_t ropescope_qgemm_panel_bytes(int ggml_type, ptrdiff_t count, ptrdiff_t out_rows) {
    int sub_blocks = sub_blocks_of(ggml_type);
    if (sub_blocks == 0 || count < 0 || out_rows < 0 || count % 256 != 0) return 0;
    size_t sub_panels = (size_t)((out_rows + RQ_GEMM_LANES - 1) / RQ_GEMM_LANES);
    return sub_panels * (size_t)(count / 256) * rq_gemm_layout_of(sub_blocks).block_bytes;
}

/// The scales, correction pairs and factors of one Q4_K/Q5_K/Q6_K block (its quants are written
/// straight into the panel by quant_group).
typedef struct {
    int32_t scales[16];
    int16_t pairs[8][2];
    float a, b;
} block_factors;

static void factors_k4(const uint8_t *w, block_factors *out) {
    for (int j = 0; j < 8; j++) {
        int scale, minimum;
        rq_scale_min_k4(j, w + 4, &scale, &minimum);
        out->scales[j] = scale;
        out->pairs[j][0] = out->pairs[j][1] = (int16_t)minimum;
    }
    out->a = rq_half(w);
    out->b = rq_half(w + 2);
}

static void factors_q6_K(const uint8_t *w, block_factors *out) {
    const int8_t *scales = (const int8_t *)(w + 192);
    for (int j = 0; j < 16; j++) out->scales[j] = scales[j];
    for (int p = 0; p < 8; p++) {
        out->pairs[p][0] = scales[2 * p];
        out->pairs[p][1] = scales[2 * p + 1];
    }
    float d = rq_half(w + 208);
    out->a = d;
    out->b = 32.0f * d;
}

/// The unsigned quants of elements 4g..4g+3 of a block, one per byte (little-endian uint32).
///   Q4_K: element 64c + 32h + l is nibble h of qs[32c + l]          (Q5_K: bit 2c+h of qh[l] is its bit 4)
///   Q6_K: element 128t + 32k + l is nibble k>>1 of ql[64t + 32(k&1) + l] | bits 2k, 2k+1 of qh[32t + l] << 4
static inline uint32_t quant_group(int ggml_type, const uint8_t *w, int g) {
    const uint32_t nibbles = 0x0F0F0F0Fu;
    if (ggml_type == 14) {
        int t = g / 32, k = (g % 32) / 8, l = 4 * (g % 8);
        uint32_t low = (rq_u32(w + 64 * t + 32 * (k & 1) + l) >> (4 * (k >> 1))) & nibbles;
        uint32_t high = (rq_u32(w + 128 + 32 * t + l) >> (2 * k)) & 0x03030303u;
        return low | high << 4;
    }
    int c = g / 16, h = (g % 16) / 8, l = 4 * (g % 8);
    if (ggml_type == 13) {
        uint32_t low = (rq_u32(w + 48 + 32 * c + l) >> (4 * h)) & nibbles;
        return low | ((rq_u32(w + 16 + l) >> (2 * c + h)) & 0x01010101u) << 4;
    }
    return (rq_u32(w + 16 + 32 * c + l) >> (4 * h)) & nibbles;
}

/// Writes the block `w` into lane `lane` of the packed super-block at `dst`.
static void place(int ggml_type, rq_gemm_layout layout, const uint8_t *w, int lane, uint8_t *dst) {
    for (int g = 0; g < 64; g++) {
        uint32_t group = quant_group(ggml_type, w, g);
        memcpy(dst + (size_t)(g * RQ_GEMM_LANES + lane) * 4, &group, 4);
    }
    block_factors block;
    if (ggml_type == 14) factors_q6_K(w, &block);
    else factors_k4(w, &block);
    uint8_t *scales = dst + layout.scales, *pairs = dst + layout.pairs, *factors = dst + layout.factors;
    for (int j = 0; j < layout.sub_blocks; j++) memcpy(scales + (size_t)(j * RQ_GEMM_LANES + lane) * 4, &block.scales[j], 4);
    for (int p = 0; p < 8; p++) memcpy(pairs + (size_t)(p * RQ_GEMM_LANES + lane) * 4, block.pairs[p], 4);
    memcpy(factors + (size_t)lane * 4, &block.a, 4);
    memcpy(factors + (size_t)(RQ_GEMM_LANES + lane) * 4, &block.b, 4);
}

/// Packs rows [0, out_rows) into `panel`: sub-panel s, super-block b at
/// panel + (s·blocks + b)·block_bytes; lanes past out_rows stay zero.
static void pack(int ggml_type, rq_gemm_layout layout, ptrdiff_t blocks, const uint8_t *weight, size_t weight_stride,
                 ptrdiff_t out_rows, uint8_t *panel) {
    size_t encoded = block_bytes_of(ggml_type);
    ptrdiff_t sub_panels = (out_rows + RQ_GEMM_LANES - 1) / RQ_GEMM_LANES;
    if (out_rows % RQ_GEMM_LANES != 0) {
        uint8_t *last = panel + (size_t)(sub_panels - 1) * (size_t)blocks * layout.block_bytes;
        memset(last, 0, (size_t)blocks * layout.block_bytes);
    }
    for (ptrdiff_t o = 0; o < out_rows; o++) {
        const uint8_t *row = weight + (size_t)o * weight_stride;
        uint8_t *sub_panel = panel + (size_t)(o / RQ_GEMM_LANES) * (size_t)blocks * layout.block_bytes;
        for (ptrdiff_t b = 0; b < blocks; b++) {
            place(ggml_type, layout, row + (size_t)b * encoded, (int)(o % RQ_GEMM_LANES), sub_panel + (size_t)b * layout.block_bytes);
        }
    }
}

void rq_gemm_tile_portable(rq_gemm_layout layout, const uint8_t *panel, ptrdiff_t blocks,
                           const uint8_t *x, size_t x_stride, ptrdiff_t x_rows,
                           float *y, ptrdiff_t ldy, int lanes, int accumulate) {
    const int groups = 64 / layout.sub_blocks;   // 4-element groups per sub-block
    for (ptrdiff_t r = 0; r < x_rows; r++) {
        const rq_q8_256 *activation = (const rq_q8_256 *)(x + (size_t)r * x_stride);
        for (int lane = 0; lane < lanes; lane++) {
            float sum = 0.0f;
            for (ptrdiff_t b = 0; b < blocks; b++) {
                const uint8_t *block = panel + (size_t)b * layout.block_bytes;
                const int32_t *scales = (const int32_t *)(block + layout.scales);
                const int16_t *pairs = (const int16_t *)(block + layout.pairs);
                const float *factors = (const float *)(block + layout.factors);
                const int8_t *p = activation[b].q;
                int isum = 0, correction = 0;
                for (int j = 0; j < layout.sub_blocks; j++) {
                    int part = 0;
                    for (int g = j * groups; g < (j + 1) * groups; g++) {
                        const uint8_t *q = block + (size_t)(g * RQ_GEMM_LANES + lane) * 4;
                        for (int k = 0; k < 4; k++) part += q[k] * p[4 * g + k];
                    }
                    isum += scales[j * RQ_GEMM_LANES + lane] * part;
                }
                for (int k = 0; k < 8; k++) {
                    const int16_t *pair = pairs + (k * RQ_GEMM_LANES + lane) * 2;
                    correction += pair[0] * activation[b].bsums[2 * k] + pair[1] * activation[b].bsums[2 * k + 1];
                }
                sum += activation[b].d * (factors[lane] * (float)isum - factors[RQ_GEMM_LANES + lane] * (float)correction);
            }
            float *target = y + r * ldy + lane;
            *target = accumulate ? *target + sum : sum;
        }
    }
}

int ropescope_qgemm(int variant, int ggml_type, ptrdiff_t count,
                    const void *weight, size_t weight_stride, ptrdiff_t out_rows,
                    const void *activations, size_t activation_stride, ptrdiff_t x_rows,
                    float *y, ptrdiff_t ldy, int accumulate, void *panel) {
    int sub_blocks = sub_blocks_of(ggml_type);
    if (!ropescope_qgemm_variant_available(variant) || sub_blocks == 0 || count < 0 || count % 256 != 0) return -1;
    rq_gemm_tile_fn tile = rq_gemm_tile_portable;
#ifdef RQ_X86
    if (variant == ROPESCOPE_QGEMM_AVX2) tile = rq_gemm_tile_avx2;
    if (variant == ROPESCOPE_QGEMM_AVX512VNNI) tile = rq_gemm_tile_avx512vnni;
#endif
    if (out_rows <= 0 || x_rows <= 0 || count == 0) return 0;
    rq_gemm_layout layout = rq_gemm_layout_of(sub_blocks);
    ptrdiff_t blocks = count / 256;
    pack(ggml_type, layout, blocks, weight, weight_stride, out_rows, panel);
    // Activation rows outer (4 at a time: the register tile; they stay in L1 while every sub-panel
    // streams past them from L2), sub-panels inner.
    const uint8_t *x = activations;
    size_t sub_panel_bytes = (size_t)blocks * layout.block_bytes;
    for (ptrdiff_t r = 0; r < x_rows; r += 4) {
        ptrdiff_t rows = x_rows - r < 4 ? x_rows - r : 4;
        for (ptrdiff_t s = 0; s * RQ_GEMM_LANES < out_rows; s++) {
            ptrdiff_t left = out_rows - s * RQ_GEMM_LANES;
            tile(layout, (const uint8_t *)panel + (size_t)s * sub_panel_bytes, blocks, x + (size_t)r * activation_stride,
                 activation_stride, rows, y + r * ldy + s * RQ_GEMM_LANES, ldy,
                 (int)(left < RQ_GEMM_LANES ? left : RQ_GEMM_LANES), accumulate);
        }
    }
    return 0;
}
