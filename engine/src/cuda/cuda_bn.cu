// Batch normalization fused with ReLU on CUDA: the twin of batchnorm3d.c's
// bn_train / bn_eval / bn_backward. Channel statistics are double sums in
// fixed order (cuda_reduce.cuh), two passes (mean, then squared deviations)
// as on the CPU; the per-element expressions are the CPU's.
#include "cuda_layers.h"
#include "cuda_reduce.cuh"

// Scratch layout (doubles): partial sums [2][C][P], then per channel the
// mean, and two more per-channel values for backward.
extern "C" size_t nn_cu_chansum_scratch(int N, int C, int V) {
  const int P = nn_cu_chunks((long long)N * V);
  return (size_t)C * (2 * (size_t)P + 3);
}

__device__ static inline float relu_dy(float dy, float x, float m, float is,
                                       float g, float b) {
  return (x - m) * is * g + b > 0.0f ? dy : 0.0f;
}

// mode 0: sum x; mode 1: sum (x - mean[c])^2; mode 2: the BN+ReLU backward
// sums of dy' and dy' * xhat (dy' = dy where the ReLU passed).
// grid (P, C); part: [2][C][P].
template <int MODE>
__global__ static void k_chan_sums(double *part, const float *in,
                                   const float *dy, const double *mean,
                                   const float *sm, const float *sis,
                                   const float *gamma, const float *beta,
                                   int N, int C, int V) {
  __shared__ double sh[NN_CU_BLOCK];
  const int p = blockIdx.x, P = gridDim.x, c = blockIdx.y;
  const long long M = (long long)N * V, chunk = (M + P - 1) / P;
  const long long beg = p * chunk, end = beg + chunk < M ? beg + chunk : M;
  double a = 0.0, b = 0.0;
  float m = 0.0f, is = 0.0f, g = 0.0f, bt = 0.0f;
  if (MODE == 2) m = sm[c], is = sis[c], g = gamma[c], bt = beta[c];
  // (n, v) of value j, advanced without a division per value.
  long long n = (beg + threadIdx.x) / V, v = beg + threadIdx.x - n * V;
  for (long long j = beg + threadIdx.x; j < end; j += NN_CU_BLOCK) {
    const size_t i = ((size_t)n * C + c) * V + v;
    for (v += NN_CU_BLOCK; v >= V; v -= V) n++;
    const float x = in[i];
    if (MODE == 0) a += x;
    if (MODE == 1) a += (x - mean[c]) * (x - mean[c]);
    if (MODE == 2) {
      const float d = relu_dy(dy[i], x, m, is, g, bt);
      a += d;
      b += (double)d * ((x - m) * is);
    }
  }
  a = nn_cu_block_sum(a, sh);
  if (threadIdx.x == 0) part[(size_t)c * P + p] = a;
  if (MODE == 2) {
    __syncthreads();
    b = nn_cu_block_sum(b, sh);
    if (threadIdx.x == 0) part[(size_t)(C + c) * P + p] = b;
  }
}

__device__ static inline double chunk_total(const double *part, int c, int P) {
  double s = 0.0;
  for (int p = 0; p < P; p++) s += part[(size_t)c * P + p];
  return s;
}

__global__ static void k_mean(double *mean, const double *part, int C, int P,
                              double M) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c < C) mean[c] = chunk_total(part, c, P) / M;
}

__global__ static void k_bn_finish(float *save_mean, float *save_invstd,
                                   float *rmean, float *rvar,
                                   const double *mean, const double *part,
                                   float momentum, float eps, int C, int P,
                                   double M) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= C) return;
  const double var = chunk_total(part, c, P) / M;
  save_mean[c] = (float)mean[c];
  save_invstd[c] = (float)(1.0 / sqrt(var + eps));
  const double unbiased = M > 1 ? var * M / (M - 1) : var;
  rmean[c] = (float)((1.0 - momentum) * rmean[c] + momentum * mean[c]);
  rvar[c] = (float)((1.0 - momentum) * rvar[c] + momentum * unbiased);
}

__global__ static void k_bn_apply(float *out, const float *in, const float *sm,
                                  const float *sis, const float *gamma,
                                  const float *beta, int C, int V, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x) {
    const int c = nn_cu_channel(i, V, C);
    const float t = (in[i] - sm[c]) * sis[c] * gamma[c] + beta[c];
    out[i] = t < 0.0f ? 0.0f : t;
  }
}

extern "C" void nn_cu_bnrelu_forward_train(
    float *out, float *save_mean, float *save_invstd, float *running_mean,
    float *running_var, const float *in, const float *gamma, const float *beta,
    float momentum, float eps, int N, int C, int V, double *scratch,
    cudaStream_t st) {
  const int P = nn_cu_chunks((long long)N * V);
  const double M = (double)N * V;
  double *part = scratch, *mean = scratch + 2 * (size_t)C * P;
  const dim3 g(P, C);
  const unsigned cb = (C + 127) / 128;
  k_chan_sums<0><<<g, NN_CU_BLOCK, 0, st>>>(part, in, 0, 0, 0, 0, 0, 0, N, C, V);
  k_mean<<<cb, 128, 0, st>>>(mean, part, C, P, M);
  k_chan_sums<1><<<g, NN_CU_BLOCK, 0, st>>>(part, in, 0, mean, 0, 0, 0, 0, N, C, V);
  k_bn_finish<<<cb, 128, 0, st>>>(save_mean, save_invstd, running_mean,
                                  running_var, mean, part, momentum, eps, C, P, M);
  const size_t n = (size_t)N * C * V;
  k_bn_apply<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(out, in, save_mean,
                                                    save_invstd, gamma, beta, C, V, n);
}

__global__ static void k_bn_eval(float *out, const float *in,
                                 const float *gamma, const float *beta,
                                 const float *rm, const float *rv, float eps,
                                 int C, int V, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x) {
    const int c = nn_cu_channel(i, V, C);
    const float scale = gamma[c] / sqrtf(rv[c] + eps);
    const float shift = beta[c] - rm[c] * scale;
    const float t = in[i] * scale + shift;
    out[i] = t < 0.0f ? 0.0f : t;
  }
}

extern "C" void nn_cu_bnrelu_forward_eval(float *out, const float *in,
                                          const float *gamma, const float *beta,
                                          const float *running_mean,
                                          const float *running_var, float eps,
                                          int N, int C, int V, cudaStream_t st) {
  const size_t n = (size_t)N * C * V;
  k_bn_eval<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(out, in, gamma, beta,
                                                   running_mean, running_var,
                                                   eps, C, V, n);
}

// Per channel: the parameter gradients, then k = g * is, a = sdy / M and
// bx = sdyx / M for the input gradient (stored as floats in kab[3][C]).
__global__ static void k_bn_bwd_finish(float *dgamma, float *dbeta, float *kab,
                                       const double *part, const float *gamma,
                                       const float *sis, int C, int P,
                                       double M) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= C) return;
  const double sdy = chunk_total(part, c, P), sdyx = chunk_total(part, C + c, P);
  dbeta[c] += (float)sdy;
  dgamma[c] += (float)sdyx;
  kab[c] = gamma[c] * sis[c];
  kab[C + c] = (float)(sdy / M);
  kab[2 * C + c] = (float)(sdyx / M);
}

__global__ static void k_bn_bwd_apply(float *din, const float *dout,
                                      const float *in, const float *sm,
                                      const float *sis, const float *gamma,
                                      const float *beta, const float *kab,
                                      int C, int V, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x) {
    const int c = nn_cu_channel(i, V, C);
    const float m = sm[c], is = sis[c], x = in[i];
    const float d = relu_dy(dout[i], x, m, is, gamma[c], beta[c]);
    din[i] += kab[c] * (d - kab[C + c] - (x - m) * is * kab[2 * C + c]);
  }
}

extern "C" void nn_cu_bnrelu_backward(float *din, float *dgamma, float *dbeta,
                                      const float *dout, const float *in,
                                      const float *save_mean,
                                      const float *save_invstd,
                                      const float *gamma, const float *beta,
                                      int N, int C, int V, double *scratch,
                                      cudaStream_t st) {
  const int P = nn_cu_chunks((long long)N * V);
  const double M = (double)N * V;
  double *part = scratch;
  float *kab = (float *)(scratch + 2 * (size_t)C * P); // 3C floats in 3C doubles
  k_chan_sums<2><<<dim3(P, C), NN_CU_BLOCK, 0, st>>>(
      part, in, dout, 0, save_mean, save_invstd, gamma, beta, N, C, V);
  k_bn_bwd_finish<<<(C + 127) / 128, 128, 0, st>>>(dgamma, dbeta, kab, part,
                                                   gamma, save_invstd, C, P, M);
  if (!din) return;
  const size_t n = (size_t)N * C * V;
  k_bn_bwd_apply<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(
      din, dout, in, save_mean, save_invstd, gamma, beta, kab, C, V, n);
}

__global__ static void k_bias_finish(float *db, const double *part, int C,
                                     int P) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c < C) db[c] += (float)chunk_total(part, c, P);
}

extern "C" void nn_cu_bias_backward(float *db, const float *dout, int N, int C,
                                    int V, double *scratch, cudaStream_t st) {
  const int P = nn_cu_chunks((long long)N * V);
  k_chan_sums<0><<<dim3(P, C), NN_CU_BLOCK, 0, st>>>(scratch, dout, 0, 0, 0, 0,
                                                     0, 0, N, C, V);
  k_bias_finish<<<(C + 127) / 128, 128, 0, st>>>(db, scratch, C, P);
}
