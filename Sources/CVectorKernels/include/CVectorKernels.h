// CVectorKernels: AVX2 + FMA builds of the elementwise hot loops of the inference core.
//
// Swift compiles a target for one CPU baseline (x86-64: SSE2) and cannot mark single functions
// for AVX2, so these few loops are written in C with __attribute__((target("avx2,fma"))) and
// chosen at run time (ropescope_vector_kernels_available). The portable Swift loops in
// Sources/Inference/VectorMath.swift stay the fallback and the reference the tests compare with.
// On other architectures the functions exist but must not be called (availability is 0).
#ifndef ROPESCOPE_CVECTORKERNELS_H
#define ROPESCOPE_CVECTORKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU runs the kernels below (x86-64 with AVX2, FMA and F16C), else 0.
int ropescope_vector_kernels_available(void);

/// Largest of x[0..count) (count >= 1); -INFINITY when all are -INFINITY.
float ropescope_avx2_maximum(const float *x, ptrdiff_t count);

/// x[i] <- e^(x[i] - shift) for i < count; returns the float sum of the new values
/// (8 lanes of partial sums). e^x: Cephes expf polynomial, as VectorMath.exp.
float ropescope_avx2_exponentiate(float *x, ptrdiff_t count, float shift);

/// gate[i] <- gate[i] / (1 + e^(-gate[i])) * up[i] for i < count (SwiGLU).
void ropescope_avx2_swiglu(float *gate, const float *up, ptrdiff_t count);

/// Dot products of `rows` query vectors with `count` keys (decode attention):
///   scores[r·count + j] = Σ_{i<d} query[r·d + i] · keys[j·key_stride + i]
/// d must be a multiple of 8; the sum over i runs in 8 lanes, then the lanes are added.
void ropescope_avx2_query_key_scores(const float *query, ptrdiff_t rows, ptrdiff_t d, const float *keys,
                                     ptrdiff_t key_stride, ptrdiff_t count, float *scores);

/// Probability-weighted value sums (decode attention):
///   output[r·d + i] = Σ_{j<count} weights[r·count + j] · values[j·value_stride + i]
/// d must be a multiple of 8; the sum over j runs in order j = 0, 1, … for every (r, i).
void ropescope_avx2_weighted_values(const float *weights, ptrdiff_t rows, ptrdiff_t count, const float *values,
                                    ptrdiff_t value_stride, ptrdiff_t d, float *output);

/// The same two loops over a binary16 cache (keys / values widened by F16C as they are read).
void ropescope_f16c_query_key_scores(const float *query, ptrdiff_t rows, ptrdiff_t d, const uint16_t *keys,
                                     ptrdiff_t key_stride, ptrdiff_t count, float *scores);
void ropescope_f16c_weighted_values(const float *weights, ptrdiff_t rows, ptrdiff_t count, const uint16_t *values,
                                    ptrdiff_t value_stride, ptrdiff_t d, float *output);

/// target[i] = binary16 bits of source[i], rounded to nearest even (±∞ beyond ±65504), i < count.
void ropescope_f16c_round(const float *source, ptrdiff_t count, uint16_t *target);

/// target[i] = the float value of binary16 bits source[i] (exact), i < count.
void ropescope_f16c_widen(const uint16_t *source, ptrdiff_t count, float *target);

/// A spin-wait hint to the CPU (x86 `pause`; nothing elsewhere).
void ropescope_spin_pause(void);

#endif
