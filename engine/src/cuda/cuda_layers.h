// The CUDA backend's own kernels (everything but the convolutions, which
// are cuDNN's): each is the GPU twin of a CPU layer in nn/layers.h, nn/loss.h
// or nn/optim.h, with the same float expressions (the backend is compiled
// without FMA contraction, as the CPU engine) and sums in double over a
// fixed partition of the data, so results do not depend on scheduling.
// Every pointer is device memory; every launch goes to `stream`.
#ifndef NN_CUDA_LAYERS_H
#define NN_CUDA_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime_api.h>

#include "nn/model.h"

#ifdef __cplusplus
extern "C" {
#endif

// Doubles of scratch the per-channel sums need for (N, C, V).
size_t nn_cu_chansum_scratch(int N, int C, int V);

// BN + ReLU (nn_bnrelu_forward_train / _eval / _backward). scratch:
// nn_cu_chansum_scratch doubles.
void nn_cu_bnrelu_forward_train(float *out, float *save_mean,
                                float *save_invstd, float *running_mean,
                                float *running_var, const float *in,
                                const float *gamma, const float *beta,
                                float momentum, float eps, int N, int C,
                                int V, double *scratch, cudaStream_t stream);
void nn_cu_bnrelu_forward_eval(float *out, const float *in,
                               const float *gamma, const float *beta,
                               const float *running_mean,
                               const float *running_var, float eps, int N,
                               int C, int V, cudaStream_t stream);
void nn_cu_bnrelu_backward(float *din, float *dgamma, float *dbeta,
                           const float *dout, const float *in,
                           const float *save_mean, const float *save_invstd,
                           const float *gamma, const float *beta, int N,
                           int C, int V, double *scratch, cudaStream_t stream);

// Max-pooling 2x2x2 (nn_maxpool3d_*): in (N, C, D, H, W).
void nn_cu_maxpool_forward(float *out, uint8_t *arg, const float *in, int N,
                           int C, int D, int H, int W, cudaStream_t stream);
void nn_cu_maxpool_backward(float *din, const float *dout, const uint8_t *arg,
                            int N, int C, int D, int H, int W,
                            cudaStream_t stream);

// Inverted dropout with a counter-based stream: value i is dropped when
// the i-th uniform of `key` is < p (one key per layer and step, drawn from
// the model's generator on the host).
void nn_cu_dropout_forward(float *out, uint8_t *mask, const float *in,
                           float p, size_t n, uint64_t key,
                           cudaStream_t stream);
void nn_cu_dropout_backward(float *din, const float *dout,
                            const uint8_t *mask, float p, size_t n,
                            cudaStream_t stream);

// out = a + b; dst += src; dst[i] = 0 for n values.
void nn_cu_add(float *out, const float *a, const float *b, size_t n,
               cudaStream_t stream);
void nn_cu_accumulate(float *dst, const float *src, size_t n,
                      cudaStream_t stream);
// out (N, C, V) += bias[c].
void nn_cu_add_bias(float *out, const float *bias, int N, int C, size_t V,
                    cudaStream_t stream);
// db[c] += sum over (N, V) of dout (N, C, V), in double.
void nn_cu_bias_backward(float *db, const float *dout, int N, int C, int V,
                         double *scratch, cudaStream_t stream);

// The U-Net's up-convolution + concatenation: out (N, Co + Cs, V) gets
// up (N, Co, V) + bias in its first Co channels and skip (N, Cs, V) behind.
// Backward: dup = dout's first Co channels; dskip (if not NULL) += the rest.
void nn_cu_upcat_forward(float *out, const float *up, const float *bias,
                         const float *skip, int N, int Co, int Cs, size_t V,
                         cudaStream_t stream);
void nn_cu_upcat_backward(float *dup, float *dskip, const float *dout, int N,
                          int Co, int Cs, size_t V, cudaStream_t stream);

// Loss sums over n values: out[0] = sum of weights (n when w is NULL),
// out[1] = sum w * |e| (L1) or w * e^2 (MSE), e = pred - target, in double
// with a fixed partition. scratch: nn_cu_loss_scratch doubles.
size_t nn_cu_loss_scratch(size_t n);
void nn_cu_loss_sums(double out[2], nn_loss_kind kind, const float *pred,
                     const float *target, const float *w, size_t n,
                     double *scratch, cudaStream_t stream);
// dpred = k * w * sign(e) (L1) or k * w * e (MSE); k from the host as the
// CPU loss computes it.
void nn_cu_loss_backward(float *dpred, nn_loss_kind kind, const float *pred,
                         const float *target, const float *w, size_t n,
                         float k, cudaStream_t stream);

// The U-Net's channel-bias hook (nn_chanbias_forward / _backward): out
// (N, C, V) = in + bias[n * ld + c]; din (if not NULL) += dout and
// dbias[n * ld + c] += the sum of dout over V, in double, one block per
// (n, c) with the block's fixed tree.
void nn_cu_chanbias_forward(float *out, const float *in, const float *bias,
                            int ld, int N, int C, size_t V, cudaStream_t stream);
void nn_cu_chanbias_backward(float *din, float *dbias, int ld,
                             const float *dout, int N, int C, size_t V,
                             cudaStream_t stream);

// bfloat16 (as uint16) from FP32, rounded to nearest even; FP32 from
// bfloat16, written (add = 0) or added (add = 1).
void nn_cu_to_bf16(uint16_t *dst, const float *src, size_t n,
                   cudaStream_t stream);
void nn_cu_from_bf16(float *dst, const uint16_t *src, size_t n, int add,
                     cudaStream_t stream);

// nn_adam_update, element for element.
void nn_cu_adam(float *p, const float *g, float *m, float *v, size_t n,
                const nn_optim_config *c, long step, cudaStream_t stream);

#ifdef __cplusplus
}
#endif

#endif
