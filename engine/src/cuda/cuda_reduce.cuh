// Fixed-order sums for the CUDA kernels: a block adds its threads' double
// partial sums as a tree whose shape depends only on the block size, and
// the data are split into a number of chunks that depends only on the
// shape, so every run adds the same numbers in the same order.
#ifndef NN_CUDA_REDUCE_CUH
#define NN_CUDA_REDUCE_CUH

#include <cuda_runtime.h>

enum { NN_CU_BLOCK = 256 };

// Sums v over the block (NN_CU_BLOCK threads); the result is valid in
// thread 0. sh: NN_CU_BLOCK doubles of shared memory.
__device__ static inline double nn_cu_block_sum(double v, double *sh) {
  const int t = threadIdx.x;
  sh[t] = v;
  __syncthreads();
  for (int s = NN_CU_BLOCK / 2; s > 0; s >>= 1) {
    if (t < s) sh[t] += sh[t + s];
    __syncthreads();
  }
  return sh[0];
}

// Chunks per channel for M = N * V values: about 32 K values each, at most
// 256, so small levels use few blocks and big ones fill the GPU.
static inline int nn_cu_chunks(long long M) {
  long long p = (M + 32767) / 32768;
  return p < 1 ? 1 : (p > 256 ? 256 : (int)p);
}

// The channel of value i of an (N, C, V) tensor; 32-bit division when the
// index fits (several times cheaper than 64-bit on the GPU).
__device__ static inline int nn_cu_channel(size_t i, size_t V, int C) {
  if (i < 4294967296ull && V < 4294967296ull)
    return (int)(((unsigned)i / (unsigned)V) % (unsigned)C);
  return (int)((i / V) % C);
}

static inline unsigned nn_cu_grid(size_t n) {
  size_t b = (n + NN_CU_BLOCK - 1) / NN_CU_BLOCK;
  return (unsigned)(b > 65535u * 32u ? 65535u * 32u : (b ? b : 1));
}

#endif
