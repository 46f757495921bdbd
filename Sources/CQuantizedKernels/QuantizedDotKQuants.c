// Portable dot kernels of the K-quant 256-element super-blocks against rq_q8_256 activations.
// Per super-block (d, dmin f16; sc_j, m_j the sub-block scales/mins; p the activation quants,
// B_j = Σ of p over sub-block j from bsums):
//   Q4_K, Q5_K (8 sub-blocks of 32): d_x·(d·Σ_j sc_j·Σ_{i∈j} q_i·p_i − dmin·Σ_j m_j·B_j)
//   Q6_K (16 sub-blocks of 16, signed int8 scales): d·d_x·Σ_j sc_j·Σ_{i∈j} (q_i − 32)·p_i
//       computed as d·d_x·(Σ_j sc_j·Σ_{i∈j} q_i·p_i − 32·Σ_j sc_j·B_j)
#include "QuantizedDotInternal.h"

/// Shared by Q4_K and Q5_K: `high` is the qh array of Q5_K (bit s of high[l] is bit 4 of element
/// l of sub-block s), NULL for Q4_K.
static float dot_k4(ptrdiff_t n, const uint8_t *w, size_t block_bytes, const rq_q8_256 *x, int five) {
    float sum = 0.0f;
    for (ptrdiff_t b = 0; b < n / 256; b++, w += block_bytes) {
        const uint8_t *packed = w + 4;
        const uint8_t *high = five ? w + 16 : NULL;
        const uint8_t *qs = w + (five ? 48 : 16);
        int isum = 0, msum = 0;
        for (int c = 0; c < 4; c++) {
            int s0, m0, s1, m1, lo = 0, hi = 0;
            rq_scale_min_k4(2 * c, packed, &s0, &m0);
            rq_scale_min_k4(2 * c + 1, packed, &s1, &m1);
            const int8_t *p = x[b].q + 64 * c;
            for (int l = 0; l < 32; l++) {
                int q0 = qs[32 * c + l] & 0x0F, q1 = qs[32 * c + l] >> 4;
                if (high) {
                    q0 |= ((high[l] >> (2 * c)) & 1) << 4;
                    q1 |= ((high[l] >> (2 * c + 1)) & 1) << 4;
                }
                lo += q0 * p[l];
                hi += q1 * p[l + 32];
            }
            isum += s0 * lo + s1 * hi;
            msum += m0 * (x[b].bsums[4 * c] + x[b].bsums[4 * c + 1])
                  + m1 * (x[b].bsums[4 * c + 2] + x[b].bsums[4 * c + 3]);
        }
        sum += x[b].d * (rq_half(w) * (float)isum - rq_half(w + 2) * (float)msum);
    }
    return sum;
}

float rq_dot_q4_K_portable(ptrdiff_t n, const void *w, const void *a) { return dot_k4(n, w, 144, a, 0); }
float rq_dot_q5_K_portable(ptrdiff_t n, const void *w, const void *a) { return dot_k4(n, w, 176, a, 1); }

float rq_dot_q6_K_portable(ptrdiff_t n, const void *weight, const void *activation) {
    const uint8_t *w = weight;
    const rq_q8_256 *x = activation;
    float sum = 0.0f;
    for (ptrdiff_t b = 0; b < n / 256; b++, w += 210) {
        const int8_t *scales = (const int8_t *)(w + 192);
        int isum = 0, offset = 0;
        for (int half = 0; half < 2; half++) {
            const uint8_t *ql = w + 64 * half, *qh = w + 128 + 32 * half;
            const int8_t *p = x[b].q + 128 * half;
            int part[8] = {0};   // part[2k + l/16]: Σ q·p over the 16 elements of scale 8·half + 2k + l/16
            for (int l = 0; l < 32; l++) {
                int q1 = (ql[l] & 0x0F) | ((qh[l] & 3) << 4);
                int q2 = (ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4);
                int q3 = (ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4);
                int q4 = (ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4);
                int s = l / 16;
                part[s] += q1 * p[l];
                part[2 + s] += q2 * p[l + 32];
                part[4 + s] += q3 * p[l + 64];
                part[6 + s] += q4 * p[l + 96];
            }
            for (int k = 0; k < 8; k++) isum += scales[8 * half + k] * part[k];
        }
        for (int j = 0; j < 16; j++) offset += scales[j] * x[b].bsums[j];
        sum += rq_half(w + 208) * x[b].d * (float)(isum - 32 * offset);
    }
    return sum;
}
