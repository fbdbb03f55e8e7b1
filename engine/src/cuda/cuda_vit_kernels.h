// The CUDA kernels of the ViT (vit3d) that the U-Net's do not cover: each
// is the GPU twin of a CPU function in nn/transformer.h with the same float
// expressions (no FMA contraction), row and column sums in double in a
// fixed order, so results do not depend on scheduling. The GEMMs are
// cuBLAS's (cuda_vit.c). Every pointer is device memory.
#ifndef NN_CUDA_VIT_KERNELS_H
#define NN_CUDA_VIT_KERNELS_H

#include <stddef.h>

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

// nn_layernorm_forward / _backward over M rows of C; din (if not NULL),
// dgamma and dbeta are added to.
void nn_cu_layernorm_forward(float *out, float *mean, float *rstd, const float *in,
                             const float *gamma, const float *beta, int M, int C, float eps,
                             cudaStream_t st);
void nn_cu_layernorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
                              const float *in, const float *mean, const float *rstd,
                              const float *gamma, int M, int C, cudaStream_t st);

// nn_gelu_forward / _backward (din added to).
void nn_cu_gelu_forward(float *out, const float *in, size_t n, cudaStream_t st);
void nn_cu_gelu_backward(float *din, const float *dout, const float *in, size_t n,
                         cudaStream_t st);

// Softmax of R rows of T in place; its backward in place on dp given p:
// dp = p * (dp - rowsum(p * dp)).
void nn_cu_softmax_rows(float *s, size_t R, int T, cudaStream_t st);
void nn_cu_softmax_backward_rows(float *dp, const float *p, size_t R, int T, cudaStream_t st);

// nn_patchify3d and nn_unpatchify3d_add.
void nn_cu_patchify(float *tokens, const float *vol, int N, int C, int D, int H, int W, int pz,
                    int py, int px, cudaStream_t st);
void nn_cu_unpatchify_add(float *vol, const float *tokens, int N, int C, int D, int H, int W,
                          int pz, int py, int px, cudaStream_t st);

// out (M, N) = bias broadcast over rows (0 when bias is NULL).
void nn_cu_fill_rows(float *out, const float *bias, int M, int N, cudaStream_t st);
// db[j] += sum over the M rows of dout (M, N), in double.
void nn_cu_col_sums(float *db, const float *dout, int M, int N, cudaStream_t st);
// x (B, L) += a (L) for each of the B rows; da (L) += each row of dx in row
// order (the CPU's nn_add_backward per volume).
void nn_cu_add_rows(float *x, const float *a, int B, size_t L, cudaStream_t st);
void nn_cu_add_rows_backward(float *da, const float *dx, int B, size_t L, cudaStream_t st);
// out (N, V) = channel 0 of x (N, C, V).
void nn_cu_first_channel(float *out, const float *x, int N, int C, size_t V, cudaStream_t st);

#ifdef __cplusplus
}
#endif

#endif
