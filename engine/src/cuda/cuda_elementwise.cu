// Element-wise CUDA kernels of the U-Net: max-pooling, dropout, residual
// add, bias, and the up-convolution's concatenation. One thread per output
// value (grid-stride loops); each output is written by one thread, so no
// atomics and no order to fix.
#include "cuda_layers.h"
#include "cuda_reduce.cuh"

#define GRID_LOOP(i, n)                                                  \
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n); \
       i += (size_t)gridDim.x * blockDim.x)

// Offset in the input (N, C, D, H, W) of the first voxel of the 2x2x2
// window behind pooled output o.
__device__ static inline size_t pool_window(size_t o, int D, int H, int W) {
  const int d2 = D / 2, h2 = H / 2, w2 = W / 2;
  const size_t plane = (size_t)H * W;
  const int x = (int)(o % w2), y = (int)((o / w2) % h2);
  const size_t ncz = o / ((size_t)w2 * h2);
  const int z = (int)(ncz % d2);
  const size_t nc = ncz / d2;
  return nc * D * plane + (size_t)2 * z * plane + (size_t)2 * y * W + 2 * x;
}

// The winner of one 2x2x2 block as pool3d.c picks it: strict '>' keeps the
// first of equal values, a NaN wins and stops the scan.
__global__ static void k_pool_fwd(float *out, uint8_t *arg, const float *in,
                                  int D, int H, int W, size_t n) {
  const size_t plane = (size_t)H * W;
  GRID_LOOP(o, n) {
    const float *src = in + pool_window(o, D, H, W);
    float best = src[0];
    int bk = 0;
    for (int k = 1; k < 8 && best == best; k++) {
      float v = src[(size_t)(k >> 2) * plane + (size_t)((k >> 1) & 1) * W + (k & 1)];
      if (v > best || v != v) best = v, bk = k;
    }
    out[o] = best;
    arg[o] = (uint8_t)bk;
  }
}

__global__ static void k_pool_bwd(float *din, const float *dout,
                                  const uint8_t *arg, int D, int H, int W,
                                  size_t n) {
  const size_t plane = (size_t)H * W;
  GRID_LOOP(o, n) {
    const int k = arg[o];
    din[pool_window(o, D, H, W) + (size_t)(k >> 2) * plane + (size_t)((k >> 1) & 1) * W +
        (k & 1)] += dout[o];
  }
}

extern "C" void nn_cu_maxpool_forward(float *out, uint8_t *arg, const float *in,
                                      int N, int C, int D, int H, int W,
                                      cudaStream_t st) {
  const size_t n = (size_t)N * C * (D / 2) * (H / 2) * (W / 2);
  k_pool_fwd<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(out, arg, in, D, H, W, n);
}

extern "C" void nn_cu_maxpool_backward(float *din, const float *dout,
                                       const uint8_t *arg, int N, int C, int D,
                                       int H, int W, cudaStream_t st) {
  const size_t n = (size_t)N * C * (D / 2) * (H / 2) * (W / 2);
  k_pool_bwd<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(din, dout, arg, D, H, W, n);
}

// The i-th uniform in [0, 1) of stream `key`: SplitMix64's output function
// on a Weyl sequence, top 53 bits.
__device__ static inline double uniform_at(uint64_t key, size_t i) {
  uint64_t z = key + (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

__global__ static void k_dropout_fwd(float *out, uint8_t *mask, const float *in,
                                     float p, float keep, uint64_t key,
                                     size_t n) {
  GRID_LOOP(i, n) {
    const uint8_t k = !(uniform_at(key, i) < (double)p);
    mask[i] = k;
    out[i] = in[i] * (k ? keep : 0.0f);
  }
}

__global__ static void k_dropout_bwd(float *din, const float *dout,
                                     const uint8_t *mask, float keep,
                                     size_t n) {
  GRID_LOOP(i, n) din[i] += dout[i] * (mask[i] ? keep : 0.0f);
}

extern "C" void nn_cu_dropout_forward(float *out, uint8_t *mask, const float *in,
                                      float p, size_t n, uint64_t key,
                                      cudaStream_t st) {
  const float keep = 1.0f / (1.0f - p);
  k_dropout_fwd<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(out, mask, in, p, keep,
                                                       key, n);
}

extern "C" void nn_cu_dropout_backward(float *din, const float *dout,
                                       const uint8_t *mask, float p, size_t n,
                                       cudaStream_t st) {
  const float keep = 1.0f / (1.0f - p);
  k_dropout_bwd<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(din, dout, mask, keep, n);
}

__global__ static void k_add(float *out, const float *a, const float *b,
                             size_t n) {
  GRID_LOOP(i, n) out[i] = a[i] + b[i];
}

__global__ static void k_acc(float *dst, const float *src, size_t n) {
  GRID_LOOP(i, n) dst[i] += src[i];
}

extern "C" void nn_cu_add(float *out, const float *a, const float *b, size_t n,
                          cudaStream_t st) {
  k_add<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(out, a, b, n);
}

extern "C" void nn_cu_accumulate(float *dst, const float *src, size_t n,
                                 cudaStream_t st) {
  k_acc<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(dst, src, n);
}

__global__ static void k_add_bias(float *out, const float *bias, int C,
                                  size_t V, size_t n) {
  GRID_LOOP(i, n) out[i] += bias[nn_cu_channel(i, V, C)];
}

extern "C" void nn_cu_add_bias(float *out, const float *bias, int N, int C,
                               size_t V, cudaStream_t st) {
  const size_t n = (size_t)N * C * V;
  k_add_bias<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(out, bias, C, V, n);
}

__global__ static void k_upcat_fwd(float *out, const float *up,
                                   const float *bias, const float *skip,
                                   int Co, int Cs, size_t V, size_t n) {
  const int Ct = Co + Cs;
  GRID_LOOP(i, n) {
    const size_t v = i % V, nc = i / V;
    const int c = (int)(nc % Ct);
    const size_t s = nc / Ct;
    out[i] = c < Co ? up[(s * Co + c) * V + v] + bias[c]
                    : skip[(s * Cs + (c - Co)) * V + v];
  }
}

__global__ static void k_upcat_bwd(float *dup, float *dskip, const float *dout,
                                   int Co, int Cs, size_t V, size_t n) {
  const int Ct = Co + Cs;
  GRID_LOOP(i, n) {
    const size_t v = i % V, nc = i / V;
    const int c = (int)(nc % Ct);
    const size_t s = nc / Ct;
    if (c < Co) dup[(s * Co + c) * V + v] = dout[i];
    else if (dskip) dskip[(s * Cs + (c - Co)) * V + v] += dout[i];
  }
}

extern "C" void nn_cu_upcat_forward(float *out, const float *up,
                                    const float *bias, const float *skip,
                                    int N, int Co, int Cs, size_t V,
                                    cudaStream_t st) {
  const size_t n = (size_t)N * (Co + Cs) * V;
  k_upcat_fwd<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(out, up, bias, skip, Co,
                                                     Cs, V, n);
}

extern "C" void nn_cu_upcat_backward(float *dup, float *dskip,
                                     const float *dout, int N, int Co, int Cs,
                                     size_t V, cudaStream_t st) {
  const size_t n = (size_t)N * (Co + Cs) * V;
  k_upcat_bwd<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(dup, dskip, dout, Co, Cs,
                                                     V, n);
}
