// Multi-head scaled dot-product self-attention over token rows, as in
// PyTorch's nn.MultiheadAttention between in_proj and out_proj. Each
// (batch, head) pair is two GEMMs forward (S = q k^T, O = P v) and four
// backward; pairs write disjoint memory, so they run in parallel.
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "exp_poly.h"
#include "nn/transformer.h"

// Softmax of each of the T rows of s (T x T), in place; max-subtracted.
static void softmax_rows(float *s, int T) {
  for (int i = 0; i < T; i++) {
    float *r = s + (size_t)i * T, mx = r[0], sum = 0.0f;
#pragma omp simd reduction(max : mx)
    for (int j = 1; j < T; j++) mx = r[j] > mx ? r[j] : mx;
#pragma omp simd
    for (int j = 0; j < T; j++) r[j] = exp_nonpos(r[j] - mx);
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < T; j++) sum += r[j];
    const float inv = 1.0f / sum;
#pragma omp simd
    for (int j = 0; j < T; j++) r[j] *= inv;
  }
}

// qkv: (B, T, 3C)  att: (B, heads, T, T)  out: (B, T, C), C = heads * dh
void nn_attention_forward(float *out, float *att, const float *qkv, int B,
                          int T, int heads, int dh) {
  const int C = heads * dh, ld = 3 * C;
  const float scale = 1.0f / sqrtf((float)dh);
#pragma omp parallel for schedule(static) if (B * heads > 1 && (size_t)T * T * dh >= 4096)
  for (int bh = 0; bh < B * heads; bh++) {
    const int b = bh / heads, h = bh % heads;
    const float *q = qkv + (size_t)b * T * ld + (size_t)h * dh;
    const float *k = q + C, *v = q + 2 * C;
    float *s = att + (size_t)bh * T * T;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, dh, scale, q,
                ld, k, ld, 0.0f, s, T);
    softmax_rows(s, T);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, dh, T, 1.0f, s,
                T, v, ld, 0.0f, out + (size_t)b * T * C + (size_t)h * dh, C);
  }
}

size_t nn_attention_workspace_floats(int T, int threads) {
  return (size_t)T * T * (size_t)(threads > 0 ? threads : 1);
}

// With P = att, dP = dO v^T and dS = P * (dP - rowsum(P * dP)):
//   dv += P^T dO, dq += scale dS k, dk += scale dS^T q.
void nn_attention_backward(float *dqkv, const float *dout, const float *qkv,
                           const float *att, int B, int T, int heads, int dh,
                           float *ws) {
  const int C = heads * dh, ld = 3 * C;
  const float scale = 1.0f / sqrtf((float)dh);
#pragma omp parallel for schedule(static) if (B * heads > 1 && (size_t)T * T * dh >= 4096)
  for (int bh = 0; bh < B * heads; bh++) {
    const int b = bh / heads, h = bh % heads;
    const size_t row = (size_t)b * T * ld + (size_t)h * dh;
    const float *q = qkv + row, *k = q + C, *v = q + 2 * C;
    float *dq = dqkv + row, *dk = dq + C, *dv = dq + 2 * C;
    const float *p = att + (size_t)bh * T * T;
    const float *dO = dout + (size_t)b * T * C + (size_t)h * dh;
    float *dp = ws + (size_t)omp_get_thread_num() * T * T;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, dh, T, 1.0f, p, T,
                dO, C, 1.0f, dv, ld);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, dh, 1.0f, dO, C,
                v, ld, 0.0f, dp, T);
    for (int i = 0; i < T; i++) {
      const float *pr = p + (size_t)i * T;
      float *dr = dp + (size_t)i * T, dot = 0.0f;
#pragma omp simd reduction(+ : dot)
      for (int j = 0; j < T; j++) dot += pr[j] * dr[j];
#pragma omp simd
      for (int j = 0; j < T; j++) dr[j] = pr[j] * (dr[j] - dot);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, dh, T, scale,
                dp, T, k, ld, 1.0f, dq, ld);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, dh, T, scale, dp,
                T, q, ld, 1.0f, dk, ld);
  }
}
