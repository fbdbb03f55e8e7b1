// Batch normalization over (N, V) for each channel (BatchNorm3d), alone or
// fused with the ReLU that follows it in the U-Net. Channel sums are
// accumulated in double: a channel holds up to millions of values. The fused
// forms evaluate the same float expressions as BN followed by ReLU, so their
// results are bitwise those of the composition; they only skip the
// intermediate tensor (and, in backward, its gradient).
#include <math.h>

#include "nn/layers.h"
#include "omp_work.h"

// in, out: (N, C, V); relu: clamp the result at 0 (NaN passes, as ReLU).
static void bn_train(float *out, float *save_mean, float *save_invstd,
                     float *running_mean, float *running_var, const float *in,
                     const float *gamma, const float *beta, float momentum,
                     float eps, int N, int C, int V, int relu) {
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
      if (relu)
        for (int v = 0; v < V; v++) {
          float t = (x[v] - m) * invstd * g + b;
          y[v] = t < 0.0f ? 0.0f : t;
        }
      else
        for (int v = 0; v < V; v++) y[v] = (x[v] - m) * invstd * g + b;
    }
    save_mean[c] = m;
    save_invstd[c] = invstd;
    const double unbiased = M > 1 ? var * M / (M - 1) : var;
    running_mean[c] = (float)((1.0 - momentum) * running_mean[c] + momentum * mean);
    running_var[c] = (float)((1.0 - momentum) * running_var[c] + momentum * unbiased);
  }
}

void nn_batchnorm3d_forward_train(float *out, float *save_mean,
                                  float *save_invstd, float *running_mean,
                                  float *running_var, const float *in,
                                  const float *gamma, const float *beta,
                                  float momentum, float eps, int N, int C,
                                  int V) {
  bn_train(out, save_mean, save_invstd, running_mean, running_var, in, gamma,
           beta, momentum, eps, N, C, V, 0);
}

void nn_bnrelu_forward_train(float *out, float *save_mean, float *save_invstd,
                             float *running_mean, float *running_var,
                             const float *in, const float *gamma,
                             const float *beta, float momentum, float eps,
                             int N, int C, int V) {
  bn_train(out, save_mean, save_invstd, running_mean, running_var, in, gamma,
           beta, momentum, eps, N, C, V, 1);
}

static void bn_eval(float *out, const float *in, const float *gamma,
                    const float *beta, const float *running_mean,
                    const float *running_var, float eps, int N, int C, int V,
                    int relu) {
#pragma omp parallel for collapse(2) schedule(static) if ((size_t)N * C * V >= NN_OMP_MIN_WORK)
  for (int n = 0; n < N; n++)
    for (int c = 0; c < C; c++) {
      const float scale = gamma[c] / sqrtf(running_var[c] + eps);
      const float shift = beta[c] - running_mean[c] * scale;
      const float *x = in + ((size_t)n * C + c) * V;
      float *y = out + ((size_t)n * C + c) * V;
      if (relu)
        for (int v = 0; v < V; v++) {
          float t = x[v] * scale + shift;
          y[v] = t < 0.0f ? 0.0f : t;
        }
      else
        for (int v = 0; v < V; v++) y[v] = x[v] * scale + shift;
    }
}

void nn_batchnorm3d_forward_eval(float *out, const float *in,
                                 const float *gamma, const float *beta,
                                 const float *running_mean,
                                 const float *running_var, float eps, int N,
                                 int C, int V) {
  bn_eval(out, in, gamma, beta, running_mean, running_var, eps, N, C, V, 0);
}

void nn_bnrelu_forward_eval(float *out, const float *in, const float *gamma,
                            const float *beta, const float *running_mean,
                            const float *running_var, float eps, int N, int C,
                            int V) {
  bn_eval(out, in, gamma, beta, running_mean, running_var, eps, N, C, V, 1);
}

// The gradient reaching the BN output: dout itself, or (fused ReLU, beta
// non-NULL) dout where the recomputed BN output is > 0, else 0 -- the
// recomputation repeats the forward's float expression, so the mask is the
// forward's exactly.
static inline float bn_dy(float dy, float x, float m, float is, float g,
                          const float *beta) {
  if (!beta) return dy;
  return (x - m) * is * g + *beta > 0.0f ? dy : 0.0f;
}

static void bn_backward(float *din, float *dgamma, float *dbeta,
                        const float *dout, const float *in,
                        const float *save_mean, const float *save_invstd,
                        const float *gamma, const float *beta, int N, int C,
                        int V) {
  const double M = (double)N * V;
#pragma omp parallel for schedule(static) if ((size_t)N * C * V >= NN_OMP_MIN_WORK)
  for (int c = 0; c < C; c++) {
    const float m = save_mean[c], is = save_invstd[c], g = gamma[c];
    const float *bc = beta ? beta + c : NULL;
    double sdy = 0.0, sdyx = 0.0;
    for (int n = 0; n < N; n++) {
      const float *x = in + ((size_t)n * C + c) * V;
      const float *dy = dout + ((size_t)n * C + c) * V;
      for (int v = 0; v < V; v++) {
        const float d = bn_dy(dy[v], x[v], m, is, g, bc);
        sdy += d;
        sdyx += (double)d * ((x[v] - m) * is);
      }
    }
    dbeta[c] += (float)sdy;
    dgamma[c] += (float)sdyx;
    if (!din) continue;
    const float k = g * is, a = (float)(sdy / M), bx = (float)(sdyx / M);
    for (int n = 0; n < N; n++) {
      const float *x = in + ((size_t)n * C + c) * V;
      const float *dy = dout + ((size_t)n * C + c) * V;
      float *dx = din + ((size_t)n * C + c) * V;
      for (int v = 0; v < V; v++)
        dx[v] += k * (bn_dy(dy[v], x[v], m, is, g, bc) - a - (x[v] - m) * is * bx);
    }
  }
}

void nn_batchnorm3d_backward(float *din, float *dgamma, float *dbeta,
                             const float *dout, const float *in,
                             const float *save_mean, const float *save_invstd,
                             const float *gamma, int N, int C, int V) {
  bn_backward(din, dgamma, dbeta, dout, in, save_mean, save_invstd, gamma,
              NULL, N, C, V);
}

void nn_bnrelu_backward(float *din, float *dgamma, float *dbeta,
                        const float *dout, const float *in,
                        const float *save_mean, const float *save_invstd,
                        const float *gamma, const float *beta, int N, int C,
                        int V) {
  bn_backward(din, dgamma, dbeta, dout, in, save_mean, save_invstd, gamma,
              beta, N, C, V);
}
