// Element-wise layers: ReLU, dropout, residual add, channel concatenation.
// "for simd": -O2's cheap vectorizer cost model leaves these loops scalar
// otherwise; element-wise, so results do not change.
#include <string.h>

#include "nn/layers.h"
#include "omp_work.h"

void nn_relu_forward(float *out, const float *in, size_t n) {
#pragma omp parallel for simd schedule(static) if (n >= NN_OMP_MIN_WORK)
  // 'in < 0' (not 'in > 0') lets a NaN through as PyTorch does, so a bad
  // input shows up as a NaN loss instead of silently becoming 0.
  for (size_t i = 0; i < n; i++) out[i] = in[i] < 0.0f ? 0.0f : in[i];
}

void nn_relu_backward(float *din, const float *dout, const float *out,
                      size_t n) {
#pragma omp parallel for simd schedule(static) if (n >= NN_OMP_MIN_WORK)
  for (size_t i = 0; i < n; i++)
    if (out[i] > 0.0f) din[i] += dout[i];
}

// The mask is drawn serially from rng so the stream (and the checkpointed
// RNG state) does not depend on the thread count; applying it is parallel.
void nn_dropout_forward(float *out, float *mask, const float *in, float p,
                        size_t n, asl_rng *rng) {
  const float keep = 1.0f / (1.0f - p);
  for (size_t i = 0; i < n; i++)
    mask[i] = asl_rng_uniform(rng) < (double)p ? 0.0f : keep;
#pragma omp parallel for simd schedule(static) if (n >= NN_OMP_MIN_WORK)
  for (size_t i = 0; i < n; i++) out[i] = in[i] * mask[i];
}

void nn_dropout_backward(float *din, const float *dout, const float *mask,
                         size_t n) {
#pragma omp parallel for simd schedule(static) if (n >= NN_OMP_MIN_WORK)
  for (size_t i = 0; i < n; i++) din[i] += dout[i] * mask[i];
}

// Byte masks (1 = kept): a quarter of the float mask's memory. The factor
// is recomputed from p exactly as nn_dropout_forward computes it, so the
// results are bitwise those of the float-mask layer. out may equal in.
void nn_dropout_forward_u8(float *out, uint8_t *mask, const float *in, float p,
                           size_t n, asl_rng *rng) {
  const float keep = 1.0f / (1.0f - p);
  for (size_t i = 0; i < n; i++) mask[i] = !(asl_rng_uniform(rng) < (double)p);
#pragma omp parallel for simd schedule(static) if (n >= NN_OMP_MIN_WORK)
  for (size_t i = 0; i < n; i++) out[i] = in[i] * (mask[i] ? keep : 0.0f);
}

void nn_dropout_backward_u8(float *din, const float *dout,
                            const uint8_t *mask, float p, size_t n) {
  const float keep = 1.0f / (1.0f - p);
#pragma omp parallel for simd schedule(static) if (n >= NN_OMP_MIN_WORK)
  for (size_t i = 0; i < n; i++) din[i] += dout[i] * (mask[i] ? keep : 0.0f);
}

void nn_add_forward(float *out, const float *a, const float *b, size_t n) {
#pragma omp parallel for simd schedule(static) if (n >= NN_OMP_MIN_WORK)
  for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

void nn_add_backward(float *da, float *db, const float *dout, size_t n) {
#pragma omp parallel for simd schedule(static) if (n >= NN_OMP_MIN_WORK)
  for (size_t i = 0; i < n; i++) {
    if (da) da[i] += dout[i];
    if (db) db[i] += dout[i];
  }
}

// a: (N, Ca, V)  b: (N, Cb, V)  out: (N, Ca+Cb, V)
void nn_concat_forward(float *out, const float *a, const float *b, int N,
                       int Ca, int Cb, int V) {
  const size_t sa = (size_t)Ca * V, sb = (size_t)Cb * V;
  for (int n = 0; n < N; n++) {
    memcpy(out + n * (sa + sb), a + n * sa, sa * sizeof(float));
    memcpy(out + n * (sa + sb) + sa, b + n * sb, sb * sizeof(float));
  }
}

void nn_concat_backward(float *da, float *db, const float *dout, int N,
                        int Ca, int Cb, int V) {
  const size_t sa = (size_t)Ca * V, sb = (size_t)Cb * V;
  for (int n = 0; n < N; n++) {
    const float *g = dout + n * (sa + sb);
    if (da) nn_add_backward(da + n * sa, NULL, g, sa);
    if (db) nn_add_backward(db + n * sb, NULL, g + sa, sb);
  }
}
