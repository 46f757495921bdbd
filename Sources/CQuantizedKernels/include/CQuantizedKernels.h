// CQuantizedKernels: integer dot products of GGUF-encoded weight rows with 8-bit quantised
// activations, for the few-row (decode) products of the inference core, and a GEMM on repacked
// K-quant panels for its many-row (prompt) products (second half of this header).
//
// A product y = W·x with W in a GGUF block encoding runs as
//     x  ->  8-bit blocks (ropescope_qdot_quantize, once per activation row)
//     y[o] = dot(W row o, x blocks)   (integer multiply-adds inside a block, one float FMA per block)
// as llama.cpp's ggml-cpu does (ggml/src/ggml-cpu/quants.c, arch/x86/quants.c; read for the
// math, not copied). Weight blocks are read exactly as GGUF stores them (layouts: ggml-common.h;
// in this repository Sources/GGUF/Dequantize*.swift).
//
// Activation layouts (internal to this library; sizes from ropescope_qdot_activation_bytes):
//   block of 32 (legacy weight types):  { float d; float s; int8_t q[32]; }      40 bytes
//       d = max_i |x_i| / 127,  q_i = round(x_i / d) in [-127, 127],  s = d · Σ_i q_i
//       (x_i ≈ d·q_i with |x_i − d·q_i| <= d/2; s serves the minimum of Q4_1/Q5_1)
//   super-block of 256 (K-quants):      { float d; int16_t bsums[16]; int8_t q[256]; }  292 bytes
//       d = max_i |x_i| / 127,  q_i = round(x_i / d),  bsums[j] = Σ_{i in 16j..16j+15} q_i
// round() is round-to-nearest (ties to even). A NaN in x makes d NaN (and so the dots NaN).
//
// Variants: 0 portable C (the reference), 1 AVX2 + FMA + F16C (maddubs/madd). All variants read
// the same activation blocks, so they differ only in float summation order. (An AVX-512 VNNI
// version pairing two blocks per 512-bit vpdpbusd was 15-25% slower than AVX2 on Zen 4 for
// Q4_1/Q8_0 in a micro-benchmark, so none is offered.)
#ifndef ROPESCOPE_CQUANTIZEDKERNELS_H
#define ROPESCOPE_CQUANTIZEDKERNELS_H

#include <stddef.h>
#include <stdint.h>

enum {
    ROPESCOPE_QDOT_PORTABLE = 0,
    ROPESCOPE_QDOT_AVX2 = 1,
};

/// 1 when `variant` runs on this CPU (portable: always), else 0.
int ropescope_qdot_variant_available(int variant);

/// 1 when weights of GGML type id `ggml_type` have a dot kernel (Q4_0 2, Q4_1 3, Q5_0 6, Q5_1 7,
/// Q8_0 8, Q4_K 12, Q5_K 13, Q6_K 14), else 0.
int ropescope_qdot_supports(int ggml_type);

/// Elements per activation block for `ggml_type`: 32 (legacy), 256 (K-quants), 0 if unsupported.
int ropescope_qdot_block_length(int ggml_type);

/// Bytes of the quantised form of one activation row of `count` elements (`count` a multiple of
/// ropescope_qdot_block_length), 0 if unsupported.
size_t ropescope_qdot_activation_bytes(int ggml_type, ptrdiff_t count);

/// Quantises x[0..count) into `out` (ropescope_qdot_activation_bytes bytes, 4-byte aligned) in the
/// activation layout `ggml_type` needs. Same code for every variant. Returns 0, or -1 when the
/// type is unsupported or count is not a multiple of the block length.
int ropescope_qdot_quantize(int ggml_type, const float *x, ptrdiff_t count, void *out);

/// y[r·ldy + o] = Σ_i W[o, i]·x_r[i] (+ y[r·ldy + o] when accumulate != 0) for o < out_rows,
/// r < x_rows, where W row o is the `count` elements encoded at weight + o·weight_stride bytes
/// and x_r the quantised row at activations + r·activation_stride bytes.
/// Returns 0, or -1 when `variant` is not available or `ggml_type` unsupported.
int ropescope_qdot_matrix(int variant, int ggml_type, ptrdiff_t count,
                          const void *weight, size_t weight_stride, ptrdiff_t out_rows,
                          const void *activations, size_t activation_stride, ptrdiff_t x_rows,
                          float *y, ptrdiff_t ldy, int accumulate);

/// Many-row products (prompt processing) over K-quant weights: a GEMM on packed weight panels.
///
/// ropescope_qgemm repacks `out_rows` weight rows (Q4_K, Q5_K or Q6_K, GGUF encoding) into
/// sub-panels of 32 rows whose quants are interleaved 4 elements × 32 rows, so that one 64-byte
/// load holds 4 consecutive elements of 16 rows, and then computes every activation row against
/// them: y[r·ldy + o] = Σ_i W[o, i]·x_r[i] (+ y when accumulate), the same sums as
/// ropescope_qdot_matrix over the same 8-bit activation blocks (rq_q8_256 above), with exact
/// integer sums per sub-block and one float multiply-add per 256-element block. Variants:
///   0 portable C (the reference of the packed layout, every CPU)
///   1 AVX2 + FMA: vpmaddubsw + vpmaddwd (sub-block scale applied in the widening) on one activation
///     row × 32 weight rows, for CPUs without AVX-512 VNNI
///   2 AVX-512 VNNI: vpdpbusd on 4 activation rows × 32 weight rows per register tile
/// The packing costs about one pass over the weights per call, so the GEMM pays off once the
/// activation rows are many (llama.cpp's repacked Q4_K GEMM does the same on interleaved rows).
enum {
    ROPESCOPE_QGEMM_PORTABLE = 0,
    ROPESCOPE_QGEMM_AVX2 = 1,
    ROPESCOPE_QGEMM_AVX512VNNI = 2,
};

/// 1 when the GEMM `variant` runs on this CPU (portable: always), else 0.
int ropescope_qgemm_variant_available(int variant);

/// 1 when weights of GGML type id `ggml_type` have a GEMM (Q4_K 12, Q5_K 13, Q6_K 14), else 0.
int ropescope_qgemm_supports(int ggml_type);

/// Bytes of the packed panel of `out_rows` rows of `count` elements (count a multiple of 256),
/// 0 when unsupported.
size_t ropescope_qgemm_panel_bytes(int ggml_type, ptrdiff_t count, ptrdiff_t out_rows);

/// The product described above for `out_rows` weight rows at weight + o·weight_stride and
/// `x_rows` activation rows quantised by ropescope_qdot_quantize(ggml_type, ...) at
/// activations + r·activation_stride. `panel` is scratch of ropescope_qgemm_panel_bytes bytes,
/// 64-byte aligned. Returns 0, or -1 when `variant` is unavailable, `ggml_type` unsupported or
/// `count` not a multiple of 256.
int ropescope_qgemm(int variant, int ggml_type, ptrdiff_t count,
                    const void *weight, size_t weight_stride, ptrdiff_t out_rows,
                    const void *activations, size_t activation_stride, ptrdiff_t x_rows,
                    float *y, ptrdiff_t ldy, int accumulate, void *panel);

#endif
