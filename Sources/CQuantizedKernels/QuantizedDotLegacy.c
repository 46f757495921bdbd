// Portable dot kernels of the legacy 32-element weight blocks against rq_q8_32 activations.
// Per block b (weight scale d_w, activation scale d_x, integer products exact in int):
//   Q4_0: d_w·d_x·Σ(q−8)·p           Q4_1: d_w·d_x·Σ q·p + m_w·s_x
//   Q5_0: d_w·d_x·Σ(q−16)·p          Q5_1: d_w·d_x·Σ q·p + m_w·s_x
//   Q8_0: d_w·d_x·Σ q·p
// with q the weight quants, p the activation quants, s_x = d_x·Σp.
#include "QuantizedDotInternal.h"

float rq_dot_q4_0_portable(ptrdiff_t n, const void *weight, const void *activation) {
    const uint8_t *w = weight;
    const rq_q8_32 *x = activation;
    float sum = 0.0f;
    for (ptrdiff_t b = 0; b < n / 32; b++, w += 18) {
        const uint8_t *qs = w + 2;
        int isum = 0;
        for (int j = 0; j < 16; j++) {
            isum += ((qs[j] & 0x0F) - 8) * x[b].q[j] + ((qs[j] >> 4) - 8) * x[b].q[j + 16];
        }
        sum += rq_half(w) * x[b].d * (float)isum;
    }
    return sum;
}

float rq_dot_q4_1_portable(ptrdiff_t n, const void *weight, const void *activation) {
    const uint8_t *w = weight;
    const rq_q8_32 *x = activation;
    float sum = 0.0f;
    for (ptrdiff_t b = 0; b < n / 32; b++, w += 20) {
        const uint8_t *qs = w + 4;
        int isum = 0;
        for (int j = 0; j < 16; j++) isum += (qs[j] & 0x0F) * x[b].q[j] + (qs[j] >> 4) * x[b].q[j + 16];
        sum += rq_half(w) * x[b].d * (float)isum + rq_half(w + 2) * x[b].s;
    }
    return sum;
}

/// The 5-bit quants j and j + 16 of a Q5 block: nibbles of qs[j], bit 4 from bits j, j + 16 of qh.
static inline void five_bit(const uint8_t *qs, uint32_t qh, int j, int *q0, int *q1) {
    *q0 = (qs[j] & 0x0F) | (int)(((qh >> j) & 1) << 4);
    *q1 = (qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
}

float rq_dot_q5_0_portable(ptrdiff_t n, const void *weight, const void *activation) {
    const uint8_t *w = weight;
    const rq_q8_32 *x = activation;
    float sum = 0.0f;
    for (ptrdiff_t b = 0; b < n / 32; b++, w += 22) {
        uint32_t qh = rq_u32(w + 2);
        int isum = 0;
        for (int j = 0; j < 16; j++) {
            int q0, q1;
            five_bit(w + 6, qh, j, &q0, &q1);
            isum += (q0 - 16) * x[b].q[j] + (q1 - 16) * x[b].q[j + 16];
        }
        sum += rq_half(w) * x[b].d * (float)isum;
    }
    return sum;
}

float rq_dot_q5_1_portable(ptrdiff_t n, const void *weight, const void *activation) {
    const uint8_t *w = weight;
    const rq_q8_32 *x = activation;
    float sum = 0.0f;
    for (ptrdiff_t b = 0; b < n / 32; b++, w += 24) {
        uint32_t qh = rq_u32(w + 4);
        int isum = 0;
        for (int j = 0; j < 16; j++) {
            int q0, q1;
            five_bit(w + 8, qh, j, &q0, &q1);
            isum += q0 * x[b].q[j] + q1 * x[b].q[j + 16];
        }
        sum += rq_half(w) * x[b].d * (float)isum + rq_half(w + 2) * x[b].s;
    }
    return sum;
}

float rq_dot_q8_0_portable(ptrdiff_t n, const void *weight, const void *activation) {
    const uint8_t *w = weight;
    const rq_q8_32 *x = activation;
    float sum = 0.0f;
    for (ptrdiff_t b = 0; b < n / 32; b++, w += 34) {
        const int8_t *qs = (const int8_t *)(w + 2);
        int isum = 0;
        for (int j = 0; j < 32; j++) isum += qs[j] * x[b].q[j];
        sum += rq_half(w) * x[b].d * (float)isum;
    }
    return sum;
}
