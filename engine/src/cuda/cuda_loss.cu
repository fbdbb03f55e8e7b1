// L1 / MSE loss and Adam on CUDA: the twins of loss.c and adam.c. The loss
// sums are double, per fixed chunk, added on the host in chunk order.
#include <math.h>

#include "cuda_layers.h"
#include "cuda_reduce.cuh"

static int loss_chunks(size_t n) {
  size_t p = (n + 65535) / 65536;
  return p < 1 ? 1 : (p > 1024 ? 1024 : (int)p);
}

extern "C" size_t nn_cu_loss_scratch(size_t n) { return 2 * 1024; }

template <int MSE>
__global__ static void k_loss_sums(double *part, const float *pred,
                                   const float *target, const float *w,
                                   size_t n) {
  __shared__ double sh[NN_CU_BLOCK];
  const size_t P = gridDim.x, chunk = (n + P - 1) / P;
  const size_t beg = blockIdx.x * chunk, end = beg + chunk < n ? beg + chunk : n;
  double sw = 0.0, s = 0.0;
  for (size_t i = beg + threadIdx.x; i < end; i += NN_CU_BLOCK) {
    const float wi = w ? w[i] : 1.0f;
    const double e = (double)pred[i] - target[i];
    sw += wi;
    s += MSE ? wi * e * e : wi * fabs(e);
  }
  sw = nn_cu_block_sum(sw, sh);
  if (threadIdx.x == 0) part[blockIdx.x] = sw;
  __syncthreads();
  s = nn_cu_block_sum(s, sh);
  if (threadIdx.x == 0) part[P + blockIdx.x] = s;
}

extern "C" void nn_cu_loss_sums(double out[2], nn_loss_kind kind,
                                const float *pred, const float *target,
                                const float *w, size_t n, double *scratch,
                                cudaStream_t st) {
  const int P = loss_chunks(n);
  if (kind == NN_LOSS_MSE)
    k_loss_sums<1><<<P, NN_CU_BLOCK, 0, st>>>(scratch, pred, target, w, n);
  else
    k_loss_sums<0><<<P, NN_CU_BLOCK, 0, st>>>(scratch, pred, target, w, n);
  double part[2 * 1024];
  out[0] = out[1] = 0.0;
  if (cudaMemcpyAsync(part, scratch, 2 * (size_t)P * sizeof(double),
                      cudaMemcpyDeviceToHost, st) != cudaSuccess ||
      cudaStreamSynchronize(st) != cudaSuccess) {
    out[0] = 1.0, out[1] = NAN; // reported by the caller as a NaN loss
    return;
  }
  for (int p = 0; p < P; p++) out[0] += part[p], out[1] += part[P + p];
}

template <int MSE>
__global__ static void k_loss_bwd(float *dpred, const float *pred,
                                  const float *target, const float *w,
                                  size_t n, float k) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x) {
    const float e = pred[i] - target[i];
    const float wi = w ? w[i] : 1.0f;
    if (MSE) dpred[i] = k * wi * e;
    else dpred[i] = k * wi * (e > 0.0f ? 1.0f : (e < 0.0f ? -1.0f : 0.0f));
  }
}

extern "C" void nn_cu_loss_backward(float *dpred, nn_loss_kind kind,
                                    const float *pred, const float *target,
                                    const float *w, size_t n, float k,
                                    cudaStream_t st) {
  if (kind == NN_LOSS_MSE)
    k_loss_bwd<1><<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(dpred, pred, target, w, n, k);
  else
    k_loss_bwd<0><<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(dpred, pred, target, w, n, k);
}

__global__ static void k_adam(float *p, const float *g, float *m, float *v,
                              size_t n, float step_size, float bc2_sqrt,
                              float b1, float b2, float eps, float l2,
                              float shrink) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x) {
    float pi = p[i] * shrink;
    float gi = g[i] + l2 * p[i];
    m[i] += (1.0f - b1) * (gi - m[i]);
    v[i] = v[i] * b2 + (1.0f - b2) * gi * gi;
    float denom = sqrtf(v[i]) / bc2_sqrt + eps;
    p[i] = pi - step_size * (m[i] / denom);
  }
}

// The scalars exactly as adam.c computes them, on the host.
extern "C" void nn_cu_adam(float *p, const float *g, float *m, float *v,
                           size_t n, const nn_optim_config *c, long step,
                           cudaStream_t st) {
  const double bc1 = 1.0 - pow(c->beta1, (double)step);
  const double bc2 = 1.0 - pow(c->beta2, (double)step);
  const float step_size = (float)(c->lr / bc1);
  const float bc2_sqrt = (float)sqrt(bc2);
  const float l2 = c->kind == NN_OPT_ADAM ? c->weight_decay : 0.0f;
  const float shrink =
      c->kind == NN_OPT_ADAMW ? 1.0f - c->lr * c->weight_decay : 1.0f;
  k_adam<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(p, g, m, v, n, step_size,
                                                bc2_sqrt, c->beta1, c->beta2,
                                                c->eps, l2, shrink);
}
