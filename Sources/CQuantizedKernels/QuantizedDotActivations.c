// Activation quantisers: float32 rows -> the 8-bit blocks of include/CQuantizedKernels.h.
// One portable implementation serves every dot variant, so variants see identical integers.
#include "QuantizedDotInternal.h"

#include <math.h>

/// Largest |x_i| of x[0..count); NaN when any x_i is NaN (so the block's scale becomes NaN).
/// Branch-free, so that the compiler vectorises it.
static float absolute_maximum(const float *x, int count) {
    float maximum = 0.0f;
    int nan = 0;
    for (int i = 0; i < count; i++) {
        float a = fabsf(x[i]);
        nan |= a != a;
        maximum = a > maximum ? a : maximum;
    }
    return nan ? NAN : maximum;
}

/// q_i = round(x_i · inverse) clamped to [-127, 127] (the clamp only guards float rounding of
/// inverse and non-finite input; NaN becomes -127, and its block's scale is NaN). Round to nearest,
/// ties to even, by adding and subtracting 1.5·2^23 (exact for |v| <= 2^22; what nearbyintf does
/// in the default rounding mode, but vectorisable). Returns Σ q_i.
static int quantize_block(const float *x, int count, float inverse, int8_t *q) {
    const float magic = 12582912.0f;
    int sum = 0;
    for (int i = 0; i < count; i++) {
        float v = fminf(fmaxf(x[i] * inverse, -127.0f), 127.0f);
        int value = (int)((v + magic) - magic);
        q[i] = (int8_t)value;
        sum += value;
    }
    return sum;
}

static void quantize_32(const float *x, ptrdiff_t count, rq_q8_32 *out) {
    for (ptrdiff_t b = 0; b < count / 32; b++) {
        const float *block = x + 32 * b;
        float d = absolute_maximum(block, 32) / 127.0f;
        float inverse = d > 0.0f ? 1.0f / d : 0.0f;
        int sum = quantize_block(block, 32, inverse, out[b].q);
        out[b].d = d;
        out[b].s = d * (float)sum;
    }
}

static void quantize_256(const float *x, ptrdiff_t count, rq_q8_256 *out) {
    for (ptrdiff_t b = 0; b < count / 256; b++) {
        const float *block = x + 256 * b;
        float d = absolute_maximum(block, 256) / 127.0f;
        float inverse = d > 0.0f ? 1.0f / d : 0.0f;
        for (int j = 0; j < 16; j++) {
            out[b].bsums[j] = (int16_t)quantize_block(block + 16 * j, 16, inverse, out[b].q + 16 * j);
        }
        out[b].d = d;
    }
}

int ropescope_qdot_block_length(int ggml_type) {
    switch (ggml_type) {
    case 2: case 3: case 6: case 7: case 8: return 32;
    case 12: case 13: case 14: return 256;
    default: return 0;
    }
}

int ropescope_qdot_supports(int ggml_type) { return ropescope_qdot_block_length(ggml_type) != 0; }

size_t ropescope_qdot_activation_bytes(int ggml_type, ptrdiff_t count) {
    int length = ropescope_qdot_block_length(ggml_type);
    if (length == 0 || count < 0) return 0;
    size_t blocks = (size_t)(count / length);
    return blocks * (length == 32 ? sizeof(rq_q8_32) : sizeof(rq_q8_256));
}

int ropescope_qdot_quantize(int ggml_type, const float *x, ptrdiff_t count, void *out) {
    int length = ropescope_qdot_block_length(ggml_type);
    if (length == 0 || count < 0 || count % length != 0) return -1;
    if (length == 32) quantize_32(x, count, (rq_q8_32 *)out);
    else quantize_256(x, count, (rq_q8_256 *)out);
    return 0;
}
