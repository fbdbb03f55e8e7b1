// Conversions for BF16 convolutions: FP32 activations, gradients and master
// weights go to bfloat16 (round to nearest even) just before a cuDNN call
// and its bfloat16 result comes back as FP32, set or added.
#include <cuda_bf16.h>

#include "cuda_layers.h"
#include "cuda_reduce.cuh"

__global__ static void k_to_bf16(__nv_bfloat16 *dst, const float *src, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x)
    dst[i] = __float2bfloat16_rn(src[i]);
}

__global__ static void k_from_bf16(float *dst, const __nv_bfloat16 *src,
                                   size_t n, int add) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x) {
    const float v = __bfloat162float(src[i]);
    dst[i] = add ? dst[i] + v : v;
  }
}

extern "C" void nn_cu_to_bf16(uint16_t *dst, const float *src, size_t n,
                              cudaStream_t st) {
  k_to_bf16<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>((__nv_bfloat16 *)dst, src, n);
}

extern "C" void nn_cu_from_bf16(float *dst, const uint16_t *src, size_t n,
                                int add, cudaStream_t st) {
  k_from_bf16<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(dst, (const __nv_bfloat16 *)src,
                                                     n, add);
}
