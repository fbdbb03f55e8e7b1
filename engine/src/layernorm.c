// LayerNorm over the last axis (PyTorch nn.LayerNorm(C)), one row per
// token; row statistics in double so long rows keep float accuracy.
#include <math.h>

#include "nn/transformer.h"
#include "omp_work.h"

// in, out: (M, C)  gamma, beta: (C)  mean, rstd: (M)
void nn_layernorm_forward(float *out, float *mean, float *rstd,
                          const float *in, const float *gamma,
                          const float *beta, int M, int C, float eps) {
#pragma omp parallel for schedule(static) if ((size_t)M * C >= NN_OMP_MIN_WORK)
  for (int i = 0; i < M; i++) {
    const float *x = in + (size_t)i * C;
    float *y = out + (size_t)i * C;
    double s = 0.0, q = 0.0;
    for (int c = 0; c < C; c++) s += x[c];
    const double mu = s / C;
    for (int c = 0; c < C; c++) q += (x[c] - mu) * (x[c] - mu);
    const float r = (float)(1.0 / sqrt(q / C + eps)), m = (float)mu;
    for (int c = 0; c < C; c++) y[c] = (x[c] - m) * r * gamma[c] + beta[c];
    mean[i] = m;
    rstd[i] = r;
  }
}

// With xhat = (x - mean) rstd and g = dout * gamma:
//   din = rstd (g - mean(g) - xhat mean(g xhat)),
//   dgamma = sum over rows of dout xhat, dbeta = sum of dout.
void nn_layernorm_backward(float *din, float *dgamma, float *dbeta,
                           const float *dout, const float *in,
                           const float *mean, const float *rstd,
                           const float *gamma, int M, int C) {
  if (din) {
#pragma omp parallel for schedule(static) if ((size_t)M * C >= NN_OMP_MIN_WORK)
    for (int i = 0; i < M; i++) {
      const float *x = in + (size_t)i * C, *g = dout + (size_t)i * C;
      const float m = mean[i], r = rstd[i];
      double sg = 0.0, sgx = 0.0;
      for (int c = 0; c < C; c++) {
        const double gg = (double)g[c] * gamma[c];
        sg += gg;
        sgx += gg * (x[c] - m) * r;
      }
      const float a = (float)(sg / C), b = (float)(sgx / C);
      float *d = din + (size_t)i * C;
      for (int c = 0; c < C; c++)
        d[c] += r * (g[c] * gamma[c] - a - (x[c] - m) * r * b);
    }
  }
  // Parameter gradients: split over channels so each thread owns its sums.
#pragma omp parallel for schedule(static) if ((size_t)M * C >= NN_OMP_MIN_WORK)
  for (int c = 0; c < C; c++) {
    double sw = 0.0, sb = 0.0;
    for (int i = 0; i < M; i++) {
      const float g = dout[(size_t)i * C + c];
      sw += (double)g * (in[(size_t)i * C + c] - mean[i]) * rstd[i];
      sb += g;
    }
    dgamma[c] += (float)sw;
    dbeta[c] += (float)sb;
  }
}
