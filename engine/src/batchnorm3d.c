// Batch normalization over (N, V) for each channel (BatchNorm3d), alone or
// fused with the ReLU that follows it in the U-Net. Channel sums are
// accumulated in double: a channel holds up to millions of values. The fused
// forms evaluate the same float expressions as BN followed by ReLU, so their
// results are bitwise those of the composition; they only skip the
// intermediate tensor (and, in backward, its gradient).
#include <math.h>

#include "nn/layers.h"
#include "omp_work.h"

// Row sums in double over LANES interleaved partial sums, added up in a
// fixed order: the lanes become vector registers, where one running double
// sum would wait on each addition's latency. (omp simd: -O2's cheap cost
// model would leave these loops and the element-wise ones scalar; without
// reductions it does not change results.) The order does
// not depend on the thread count (a channel is one thread's work).
enum { LANES = 8 };

static double row_sum(const float *x, int V) {
  double acc[LANES] = {0};
  int v = 0;
  for (; v + LANES <= V; v += LANES) {
#pragma omp simd
    for (int k = 0; k < LANES; k++) acc[k] += x[v + k];
  }
  double s = 0.0;
  for (int k = 0; k < LANES; k++) s += acc[k];
  for (; v < V; v++) s += x[v];
  return s;
}

static double row_sq_dev(const float *x, int V, double mean) {
  double acc[LANES] = {0};
  int v = 0;
  for (; v + LANES <= V; v += LANES) {
#pragma omp simd
    for (int k = 0; k < LANES; k++) acc[k] += (x[v + k] - mean) * (x[v + k] - mean);
  }
  double s = 0.0;
  for (int k = 0; k < LANES; k++) s += acc[k];
  for (; v < V; v++) s += (x[v] - mean) * (x[v] - mean);
  return s;
}

// in, out: (N, C, V); relu: clamp the result at 0 (NaN passes, as ReLU).
static void bn_train(float *out, float *save_mean, float *save_invstd,
                     float *running_mean, float *running_var, const float *in,
                     const float *gamma, const float *beta, float momentum,
                     float eps, int N, int C, int V, int relu) {
  const double M = (double)N * V;
#pragma omp parallel for schedule(static) if ((size_t)N * C * V >= NN_OMP_MIN_WORK)
  for (int c = 0; c < C; c++) {
    double s = 0.0, ss = 0.0;
    for (int n = 0; n < N; n++) s += row_sum(in + ((size_t)n * C + c) * V, V);
    const double mean = s / M;
    for (int n = 0; n < N; n++)
      ss += row_sq_dev(in + ((size_t)n * C + c) * V, V, mean);
    const double var = ss / M;
    const float invstd = (float)(1.0 / sqrt(var + eps));
    const float m = (float)mean, g = gamma[c], b = beta[c];
    for (int n = 0; n < N; n++) {
      const float *x = in + ((size_t)n * C + c) * V;
      float *y = out + ((size_t)n * C + c) * V;
      if (relu)
#pragma omp simd
        for (int v = 0; v < V; v++) {
          float t = (x[v] - m) * invstd * g + b;
          y[v] = t < 0.0f ? 0.0f : t;
        }
      else
#pragma omp simd
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
#pragma omp simd
        for (int v = 0; v < V; v++) {
          float t = x[v] * scale + shift;
          y[v] = t < 0.0f ? 0.0f : t;
        }
      else
#pragma omp simd
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

// The gradient reaching the BN output: dout itself, or (fused ReLU) dout
// where the recomputed BN output is > 0, else 0 -- the recomputation
// repeats the forward's float expression, so the mask is the forward's.
static inline float relu_dy(float dy, float x, float m, float is, float g,
                            float b) {
  return (x - m) * is * g + b > 0.0f ? dy : 0.0f;
}

// One row's sums of dy and dy * xhat (lanes as in row_sum).
static void row_grad_sums(const float *x, const float *dy, int V, float m,
                          float is, float g, const float *beta, double *sdy,
                          double *sdyx) {
  double a[LANES] = {0}, b[LANES] = {0};
  const float bt = beta ? *beta : 0.0f;
  int v = 0;
  if (beta)
    for (; v + LANES <= V; v += LANES) {
      float d[LANES]; // the mask first: one loop of both lets GCC keep a branch
#pragma omp simd
      for (int k = 0; k < LANES; k++) d[k] = relu_dy(dy[v + k], x[v + k], m, is, g, bt);
#pragma omp simd
      for (int k = 0; k < LANES; k++) {
        a[k] += d[k];
        b[k] += (double)d[k] * ((x[v + k] - m) * is);
      }
    }
  else
    for (; v + LANES <= V; v += LANES)
#pragma omp simd
      for (int k = 0; k < LANES; k++) {
        a[k] += dy[v + k];
        b[k] += (double)dy[v + k] * ((x[v + k] - m) * is);
      }
  double s = 0.0, sx = 0.0;
  for (int k = 0; k < LANES; k++) s += a[k], sx += b[k];
  for (; v < V; v++) {
    const float d = beta ? relu_dy(dy[v], x[v], m, is, g, bt) : dy[v];
    s += d;
    sx += (double)d * ((x[v] - m) * is);
  }
  *sdy += s;
  *sdyx += sx;
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
    for (int n = 0; n < N; n++)
      row_grad_sums(in + ((size_t)n * C + c) * V, dout + ((size_t)n * C + c) * V,
                    V, m, is, g, bc, &sdy, &sdyx);
    dbeta[c] += (float)sdy;
    dgamma[c] += (float)sdyx;
    if (!din) continue;
    const float k = g * is, a = (float)(sdy / M), bx = (float)(sdyx / M);
    const float bt = bc ? *bc : 0.0f;
    for (int n = 0; n < N; n++) {
      const float *x = in + ((size_t)n * C + c) * V;
      const float *dy = dout + ((size_t)n * C + c) * V;
      float *dx = din + ((size_t)n * C + c) * V;
      if (bc)
#pragma omp simd
        for (int v = 0; v < V; v++)
          dx[v] += k * (relu_dy(dy[v], x[v], m, is, g, bt) - a - (x[v] - m) * is * bx);
      else
#pragma omp simd
        for (int v = 0; v < V; v++)
          dx[v] += k * (dy[v] - a - (x[v] - m) * is * bx);
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
