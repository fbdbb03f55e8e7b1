// One cuDNN convolution of the U-Net, set up for one batch shape: its
// descriptors and the algorithms chosen for forward, data gradient and
// filter gradient. Deterministic mode takes only algorithms cuDNN reports
// as deterministic, chosen by cuDNN's heuristics (never by timing, which
// could pick another algorithm on a rerun); FP32 mode only FMA math
// (CUDNN_FMA_MATH), TF32 mode cuDNN's default math for float data, which
// admits TF32 tensor cores (as PyTorch with allow_tf32); BF16 mode bfloat16
// tensors and filters with float accumulation, on tensor cores.
#ifndef NN_CUDA_CONV_H
#define NN_CUDA_CONV_H

#include <cudnn.h>

#include "asl/status.h"

typedef struct {
  int ready;
  cudnnTensorDescriptor_t x, y; // x: the convolution's input, y: its output
  cudnnFilterDescriptor_t w;
  cudnnConvolutionDescriptor_t conv;
  cudnnConvolutionFwdAlgo_t fwd;
  cudnnConvolutionBwdDataAlgo_t bwd_data;
  cudnnConvolutionBwdFilterAlgo_t bwd_filter;
  cudnnMathType_t math_fwd, math_data, math_filter;
  size_t ws_bytes; // the largest of the three workspaces
} nn_cuda_conv;

typedef struct {
  int N, ci, co, k, stride, pad;
  int d, h, w;       // the input's spatial size
  int tf32, bf16, deterministic, train;
} nn_cuda_conv_shape;

// Creates the descriptors (first call) and chooses the algorithms.
asl_status nn_cuda_conv_setup(nn_cuda_conv *c, cudnnHandle_t h,
                              const nn_cuda_conv_shape *s);
void nn_cuda_conv_free(nn_cuda_conv *c);

// y = conv(x) + beta y ; dx = conv^T(dy) + beta dx ; dw = dconv/dw + beta dw.
// Pointers are float, or bfloat16 (stored as uint16) for a bf16 shape.
asl_status nn_cuda_conv_forward(nn_cuda_conv *c, cudnnHandle_t h, void *y,
                                const void *x, const void *w, void *ws,
                                size_t ws_bytes, float beta);
asl_status nn_cuda_conv_backward_data(nn_cuda_conv *c, cudnnHandle_t h,
                                      void *dx, const void *dy,
                                      const void *w, void *ws,
                                      size_t ws_bytes, float beta);
asl_status nn_cuda_conv_backward_filter(nn_cuda_conv *c, cudnnHandle_t h,
                                        void *dw, const void *x,
                                        const void *dy, void *ws,
                                        size_t ws_bytes, float beta);

#endif
