// The engine's layers other than the 3x3x3 convolution (nn/conv3d.h).
//
// Every layer is a pair nn_x_forward(out, in, params..., shape) /
// nn_x_backward(din, dparams, dout, in, ...). Backward accumulates (+=) into
// every gradient; the caller zeroes them once per step. A NULL input
// gradient is skipped. No allocation inside: scratch space, when needed, is
// passed in. Semantics follow PyTorch's layer of the same name, so weights
// and results compare one to one (tests/engine/make_fixtures.py).
#ifndef NN_LAYERS_H
#define NN_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include "asl/rng.h"

// ---- 3D max-pooling, kernel 2, stride 2 (D, H, W even) -------------------
// in: (N, C, D, H, W)  out, arg: (N, C, D/2, H/2, W/2)
// arg records which of the 8 inputs won (0..7, z-major); ties go to the
// first in scan order, as in PyTorch.
void nn_maxpool3d_forward(float *out, uint8_t *arg, const float *in, int N,
                          int C, int D, int H, int W);
// din: (N, C, D, H, W) += dout routed to the winners.
void nn_maxpool3d_backward(float *din, const float *dout, const uint8_t *arg,
                           int N, int C, int D, int H, int W);

// ---- transposed 3D convolution, kernel 2, stride 2 (up-sampling) ---------
// PyTorch ConvTranspose3d(Ci, Co, 2, stride=2).
// in: (N, Ci, D, H, W)  w: (Ci, Co, 2, 2, 2)  b: (Co) or NULL
// out: (N, Co, 2D, 2H, 2W)
// Computed as one GEMM per sample: (Co*8 x Ci) . (Ci x D*H*W), scattered.
// ws: nn_upconv3d_workspace_floats(...) floats.
size_t nn_upconv3d_workspace_floats(int Ci, int Co, int D, int H, int W);
void nn_upconv3d_forward(float *out, const float *in, const float *w,
                         const float *b, int N, int Ci, int Co, int D, int H,
                         int W, float *ws);
void nn_upconv3d_backward(float *din, float *dw, float *db, const float *dout,
                          const float *in, const float *w, int N, int Ci,
                          int Co, int D, int H, int W, float *ws);
// Loops straight from the definition (the tests' oracle).
void nn_upconv3d_forward_ref(float *out, const float *in, const float *w,
                             const float *b, int N, int Ci, int Co, int D,
                             int H, int W);
void nn_upconv3d_backward_ref(float *din, float *dw, float *db,
                              const float *dout, const float *in,
                              const float *w, int N, int Ci, int Co, int D,
                              int H, int W);

// ---- 1x1x1 convolution (a GEMM per sample) --------------------------------
// in: (N, Ci, V)  w: (Co, Ci)  b: (Co) or NULL  out: (N, Co, V), V = D*H*W
void nn_conv1x1_forward(float *out, const float *in, const float *w,
                        const float *b, int N, int Ci, int Co, int V);
void nn_conv1x1_backward(float *din, float *dw, float *db, const float *dout,
                         const float *in, const float *w, int N, int Ci,
                         int Co, int V);

// ---- batch normalization over (N, V) per channel --------------------------
// in, out: (N, C, V)  gamma, beta: (C)
// Training mode: normalizes with the batch mean and biased variance (eps),
// saves mean and 1/std per channel in save_mean, save_invstd (C), and
// updates running stats as PyTorch: r = (1-momentum) r + momentum s, with
// the unbiased variance (M/(M-1), M = N*V) for running_var.
void nn_batchnorm3d_forward_train(float *out, float *save_mean,
                                  float *save_invstd, float *running_mean,
                                  float *running_var, const float *in,
                                  const float *gamma, const float *beta,
                                  float momentum, float eps, int N, int C,
                                  int V);
// Inference mode: normalizes with the running statistics.
void nn_batchnorm3d_forward_eval(float *out, const float *in,
                                 const float *gamma, const float *beta,
                                 const float *running_mean,
                                 const float *running_var, float eps, int N,
                                 int C, int V);
// Backward of the training-mode forward.
void nn_batchnorm3d_backward(float *din, float *dgamma, float *dbeta,
                             const float *dout, const float *in,
                             const float *save_mean, const float *save_invstd,
                             const float *gamma, int N, int C, int V);

// Fused BN + ReLU (the U-Net's conv unit): the same values as
// nn_batchnorm3d_* followed by nn_relu_forward, bitwise, without the
// intermediate tensor. Backward needs only the BN input: it recomputes the
// BN output to find where the ReLU passed, and adds the gradient with
// respect to in to din (dout: gradient of the ReLU output).
void nn_bnrelu_forward_train(float *out, float *save_mean, float *save_invstd,
                             float *running_mean, float *running_var,
                             const float *in, const float *gamma,
                             const float *beta, float momentum, float eps,
                             int N, int C, int V);
void nn_bnrelu_forward_eval(float *out, const float *in, const float *gamma,
                            const float *beta, const float *running_mean,
                            const float *running_var, float eps, int N, int C,
                            int V);
void nn_bnrelu_backward(float *din, float *dgamma, float *dbeta,
                        const float *dout, const float *in,
                        const float *save_mean, const float *save_invstd,
                        const float *gamma, const float *beta, int N, int C,
                        int V);

// ---- element-wise ---------------------------------------------------------
// out = max(in, 0), NaN passed through (PyTorch); backward: din += dout
// where out > 0.  (n values)
void nn_relu_forward(float *out, const float *in, size_t n);
void nn_relu_backward(float *din, const float *dout, const float *out,
                      size_t n);

// Inverted dropout (PyTorch): each value is zeroed with probability p and the
// rest scaled by 1/(1-p); mask receives the factor (0 or 1/(1-p)). The draws
// come from rng in index order, so the stream is independent of threads.
void nn_dropout_forward(float *out, float *mask, const float *in, float p,
                        size_t n, asl_rng *rng);
void nn_dropout_backward(float *din, const float *dout, const float *mask,
                         size_t n);

// The same dropout with a byte mask (1 = kept, 0 = dropped), same draws and
// bitwise the same values; out may equal in (in-place).
void nn_dropout_forward_u8(float *out, uint8_t *mask, const float *in, float p,
                           size_t n, asl_rng *rng);
void nn_dropout_backward_u8(float *din, const float *dout,
                            const uint8_t *mask, float p, size_t n);

// out = a + b (a residual connection); backward adds dout to both.
void nn_add_forward(float *out, const float *a, const float *b, size_t n);
void nn_add_backward(float *da, float *db, const float *dout, size_t n);

// Channel concatenation, torch.cat((a, b), dim=1):
// a: (N, Ca, V)  b: (N, Cb, V)  out: (N, Ca+Cb, V)
void nn_concat_forward(float *out, const float *a, const float *b, int N,
                       int Ca, int Cb, int V);
void nn_concat_backward(float *da, float *db, const float *dout, int N,
                        int Ca, int Cb, int V);

#endif
