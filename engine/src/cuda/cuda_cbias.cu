// The U-Net's per-sample channel bias (OP_CBIAS, ddpm3d's timestep
// conditioning) on the device; the CPU twin is ddpm3d_cbias.c.
#include "cuda_layers.h"
#include "cuda_reduce.cuh"

#define GRID_LOOP(i, n)                                                  \
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n); \
       i += (size_t)gridDim.x * blockDim.x)

__global__ static void k_cbias_fwd(float *out, const float *in, const float *bias, int ld,
                                   int C, size_t V, size_t n) {
  GRID_LOOP(i, n) {
    const size_t nc = i / V;
    out[i] = in[i] + bias[(nc / C) * ld + nc % C];
  }
}

__global__ static void k_cbias_din(float *din, const float *dout, size_t n) {
  GRID_LOOP(i, n) din[i] += dout[i];
}

// Block b sums channel (n, c) = (b / C, b % C): thread t takes every
// NN_CU_BLOCK-th voxel from t in order, then the block's tree.
__global__ static void k_cbias_dbias(float *dbias, int ld, const float *dout, int C, size_t V) {
  __shared__ double sh[NN_CU_BLOCK];
  const size_t b = blockIdx.x;
  const float *g = dout + b * V;
  double s = 0.0;
  for (size_t v = threadIdx.x; v < V; v += NN_CU_BLOCK) s += g[v];
  s = nn_cu_block_sum(s, sh);
  if (threadIdx.x == 0) dbias[(b / C) * ld + b % C] += (float)s;
}

extern "C" void nn_cu_chanbias_forward(float *out, const float *in, const float *bias, int ld,
                                       int N, int C, size_t V, cudaStream_t st) {
  const size_t n = (size_t)N * C * V;
  k_cbias_fwd<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(out, in, bias, ld, C, V, n);
}

extern "C" void nn_cu_chanbias_backward(float *din, float *dbias, int ld, const float *dout,
                                        int N, int C, size_t V, cudaStream_t st) {
  const size_t n = (size_t)N * C * V;
  if (din) k_cbias_din<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(din, dout, n);
  if (dbias) k_cbias_dbias<<<(unsigned)(N * C), NN_CU_BLOCK, 0, st>>>(dbias, ld, dout, C, V);
}
