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

/// 1 when this CPU runs the AVX2/FMA kernels below (x86-64 with AVX2 and FMA), else 0.
int ropescope_vector_kernels_available(void);

/// Largest of x[0..count) (count >= 1); -INFINITY when all are -INFINITY.
float ropescope_avx2_maximum(const float *x, ptrdiff_t count);

/// x[i] <- e^(x[i] - shift) for i < count; returns the float sum of the new values
/// (8 lanes of partial sums). e^x: Cephes expf polynomial, as VectorMath.exp.
float ropescope_avx2_exponentiate(float *x, ptrdiff_t count, float shift);

/// gate[i] <- gate[i] / (1 + e^(-gate[i])) * up[i] for i < count (SwiGLU).
void ropescope_avx2_swiglu(float *gate, const float *up, ptrdiff_t count);

#endif
