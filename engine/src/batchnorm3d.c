// Batch normalization over (N, V) for each channel (BatchNorm3d). Channel
// sums are accumulated in double: a channel holds up to millions of values.
#include <math.h>

#include "nn/layers.h"
#include "omp_work.h"

// in, out: (N, C, V)
void nn_batchnorm3d_forward_train(float *out, float *save_mean,
                                  float *save_invstd, float *running_mean,
                                  float *running_var, const float *in,
                                  const float *gamma, const float *beta,
                                  float momentum, float eps, int N, int C,
                                  int V) {
  const double M = (double)N * V;
#pragma omp parallel for schedule(static) if ((size_t)N * C * V >= NN_OMP_MIN_WORK)
  for (int c = 0; c < C; c++) {
    double s = 0.0, ss = 0.0;
    for (int n = 0; n < N; n++) {
      const float *x = in + ((size_t)n * C + c) * V;
      for (int v = 0; v < V; v++) s += x[v];
    }
    const double mean = s / M;
    for (int n = 0; n < N; n++) {
      const float *x = in + ((size_t)n * C + c) * V;
      for (int v = 0; v < V; v++) ss += (x[v] - mean) * (x[v] - mean);
    }
    const double var = ss / M;
    const float invstd = (float)(1.0 / sqrt(var + eps));
    const float m = (float)mean, g = gamma[c], b = beta[c];
    for (int n = 0; n < N; n++) {
      const float *x = in + ((size_t)n * C + c) * V;
      float *y = out + ((size_t)n * C + c) * V;
      for (int v = 0; v < V; v++) y[v] = (x[v] - m) * invstd * g + b;
    }
    save_mean[c] = m;
    save_invstd[c] = invstd;
    const double unbiased = M > 1 ? var * M / (M - 1) : var;
    running_mean[c] = (float)((1.0 - momentum) * running_mean[c] + momentum * mean);
    running_var[c] = (float)((1.0 - momentum) * running_var[c] + momentum * unbiased);
  }
}

void nn_batchnorm3d_forward_eval(float *out, const float *in,
                                 const float *gamma, const float *beta,
                                 const float *running_mean,
                                 const float *running_var, float eps, int N,
                                 int C, int V) {
#pragma omp parallel for collapse(2) schedule(static) if ((size_t)N * C * V >= NN_OMP_MIN_WORK)
  for (int n = 0; n < N; n++)
    for (int c = 0; c < C; c++) {
      const float scale = gamma[c] / sqrtf(running_var[c] + eps);
      const float shift = beta[c] - running_mean[c] * scale;
      const float *x = in + ((size_t)n * C + c) * V;
      float *y = out + ((size_t)n * C + c) * V;
      for (int v = 0; v < V; v++) y[v] = x[v] * scale + shift;
    }
}

void nn_batchnorm3d_backward(float *din, float *dgamma, float *dbeta,
                             const float *dout, const float *in,
                             const float *save_mean, const float *save_invstd,
                             const float *gamma, int N, int C, int V) {
  const double M = (double)N * V;
#pragma omp parallel for schedule(static) if ((size_t)N * C * V >= NN_OMP_MIN_WORK)
  for (int c = 0; c < C; c++) {
    const float m = save_mean[c], is = save_invstd[c];
    double sdy = 0.0, sdyx = 0.0;
    for (int n = 0; n < N; n++) {
      const float *x = in + ((size_t)n * C + c) * V;
      const float *dy = dout + ((size_t)n * C + c) * V;
      for (int v = 0; v < V; v++) {
        sdy += dy[v];
        sdyx += (double)dy[v] * ((x[v] - m) * is);
      }
    }
    dbeta[c] += (float)sdy;
    dgamma[c] += (float)sdyx;
    if (!din) continue;
    const float k = gamma[c] * is, a = (float)(sdy / M), bx = (float)(sdyx / M);
    for (int n = 0; n < N; n++) {
      const float *x = in + ((size_t)n * C + c) * V;
      const float *dy = dout + ((size_t)n * C + c) * V;
      float *dx = din + ((size_t)n * C + c) * V;
      for (int v = 0; v < V; v++)
        dx[v] += k * (dy[v] - a - (x[v] - m) * is * bx);
    }
  }
}
