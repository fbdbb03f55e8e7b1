// Transformer layers for the 3D ViT (vit3d): linear, LayerNorm, GELU,
// multi-head self-attention and the 3D patch (un)embedding.
//
// Same conventions as nn/layers.h: nn_x_forward(out, ..., in, params, shape)
// / nn_x_backward(din, dparams, dout, ...); backward accumulates (+=) into
// every gradient, a NULL input gradient is skipped, no allocation inside
// (scratch is passed in). Token tensors are row-major (M, C) with M = rows
// (batch x tokens). Semantics and weight layouts follow PyTorch (nn.Linear,
// nn.LayerNorm, nn.GELU(), nn.MultiheadAttention with batch_first=True), so
// weights copy over one to one (tests/engine/make_vit_fixtures.py).
#ifndef NN_TRANSFORMER_H
#define NN_TRANSFORMER_H

#include <stddef.h>

// ---- linear: out = in . w^T + b ------------------------------------------
// in: (M, K)  w: (N, K) (PyTorch layout)  b: (N) or NULL  out: (M, N)
void nn_linear_forward(float *out, const float *in, const float *w,
                       const float *b, int M, int K, int N);
// din: (M, K) += dout . w   dw: (N, K) += dout^T . in   db: (N) += sum dout
void nn_linear_backward(float *din, float *dw, float *db, const float *dout,
                        const float *in, const float *w, int M, int K, int N);

// ---- LayerNorm over the last axis -----------------------------------------
// in, out: (M, C)  gamma, beta: (C)  mean, rstd: (M) saved for backward.
// Biased variance, eps inside the square root (PyTorch).
void nn_layernorm_forward(float *out, float *mean, float *rstd,
                          const float *in, const float *gamma,
                          const float *beta, int M, int C, float eps);
void nn_layernorm_backward(float *din, float *dgamma, float *dbeta,
                           const float *dout, const float *in,
                           const float *mean, const float *rstd,
                           const float *gamma, int M, int C);

// ---- GELU, exact form x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) -------------
void nn_gelu_forward(float *out, const float *in, size_t n);
void nn_gelu_backward(float *din, const float *dout, const float *in,
                      size_t n);

// ---- multi-head scaled dot-product self-attention --------------------------
// qkv: (B, T, 3C), each row q | k | v with C = heads * dh (the output of
// PyTorch's in_proj); head h uses columns h*dh .. h*dh+dh-1 of each part.
// att: (B, heads, T, T) receives softmax(q k^T / sqrt(dh)) (kept for
// backward); out: (B, T, C) the heads' outputs side by side (before
// out_proj). Two cblas_sgemm per (batch, head), OpenMP over batch x heads.
void nn_attention_forward(float *out, float *att, const float *qkv, int B,
                          int T, int heads, int dh);
// Scratch for backward: T*T floats per OpenMP thread.
size_t nn_attention_workspace_floats(int T, int threads);
// dqkv: (B, T, 3C) += the gradient of q, k and v.
void nn_attention_backward(float *dqkv, const float *dout, const float *qkv,
                           const float *att, int B, int T, int heads, int dh,
                           float *ws);

// ---- 3D patches <-> tokens --------------------------------------------------
// A volume (N, C, D, H, W) cut into non-overlapping patches of pz x py x px
// voxels (D, H, W multiples of them): tokens (N, T, C*pz*py*px) with
// T = (D/pz)(H/py)(W/px) in z-major grid order, each row ordered
// (c, dz, dy, dx) -- the flattened weight order of a PyTorch Conv3d with
// kernel = stride = patch, so the embedding equals that convolution.
void nn_patchify3d(float *tokens, const float *vol, int N, int C, int D,
                   int H, int W, int pz, int py, int px);
// The inverse (also the backward of nn_patchify3d, accumulating): vol +=.
void nn_unpatchify3d_add(float *vol, const float *tokens, int N, int C, int D,
                         int H, int W, int pz, int py, int px);

#endif
