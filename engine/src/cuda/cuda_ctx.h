// The CUDA backend's state for one model (nn_model.cuda) and what its
// files share. The U-Net runs the same operation list as on the CPU
// (unet3d.h) with the same memory plan (unet3d_plan.c): activations and
// gradients that are never alive together share device memory, laid out
// once per batch shape; one cuDNN workspace serves every convolution.
#ifndef NN_CUDA_CTX_H
#define NN_CUDA_CTX_H

#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "cuda_conv.h"
#include "unet3d.h"

typedef struct nn_cuda_vit nn_cuda_vit; // cuda_vit.c

typedef struct {
  cudnnHandle_t dnn;
  nn_cuda_vit *vit; // the ViT's state; NULL for the U-Net
  cudaStream_t stream;
  size_t bytes; // device memory held
  // Same layout as the host arrays of nn_model.
  float *params, *grads, *adam_m, *adam_v, *buffers;
  // Which arrays are newer on the device (host_stale) or on the host
  // (dev_stale), as NN_SYNC_* bits.
  unsigned host_stale, dev_stale;
  // The plan: valid for (pN, pD, pH, pW); ptrain = 1 also serves inference.
  int planned, pN, pD, pH, pW, ptrain;
  size_t slot_off[UNET_MAX_SLOTS], grad_off[UNET_MAX_SLOTS];
  size_t slot_n[UNET_MAX_SLOTS], arg_off[UNET_MAX_OPS];
  nn_cuda_conv conv[UNET_MAX_OPS];
  float *data, *grad, *bnsave, *up, *target, *weight;
  uint8_t *arg;
  double *red;
  // Channel-bias hooks (ddpm3d): the host's biases (N, cbias_n) up before
  // a forward, their gradients down after a backward (cbhost: staging).
  float *cb, *dcb, *cbhost;
  size_t cb_cap, dcb_cap, cbhost_n;
  void *ws;
  size_t data_cap, grad_cap, bnsave_cap, up_cap, target_cap, weight_cap;
  size_t arg_cap, red_cap, ws_cap, grad_n; // bytes, except grad_n (floats)
  // BF16 precision: bfloat16 copies of the weights and of one convolution's
  // input side (a16, conv_nx values) and output side (b16, conv_ny), and
  // its filter gradient (dw16).
  uint16_t *w16, *a16, *b16, *dw16;
  size_t w16_cap, a16_cap, b16_cap, dw16_cap; // bytes
  size_t conv_nx[UNET_MAX_OPS], conv_ny[UNET_MAX_OPS];
  // The last forward's output on the device and its host copy.
  const float *out_dev;
  size_t out_n;
  float *host_out;
  size_t host_out_cap;
} nn_cuda;

// cudaError_t to an asl_status naming the step.
asl_status nn_cuda_check(cudaError_t e, const char *what);
#define CU(call, what)                                   \
  do {                                                   \
    asl_status s_ = nn_cuda_check((call), (what));       \
    if (s_) return s_;                                   \
  } while (0)

// Grows a device buffer to at least `bytes` (contents lost).
asl_status nn_cuda_grow(nn_cuda *c, void **buf, size_t *cap, size_t bytes);

// Copies host arrays written since the last device call up (dev_stale).
asl_status nn_cuda_sync_up(nn_model *m);
// Grows the host copy of the output to n floats.
asl_status nn_cuda_host_out_reserve(nn_model *m, size_t n);

// cuda_unet.c: lays out (N, D, H, W) and runs the graph on the device.
// Input x must be in the data arena at slot 0 (nn_cuda_input).
asl_status nn_cuda_unet_plan(nn_model *m, int N, int D, int H, int W,
                             int train);
float *nn_cuda_input(nn_model *m);
asl_status nn_cuda_unet_forward(nn_model *m, int train, const float **out);
// dpred is already in the output slot's gradient (nn_cuda_output_grad).
asl_status nn_cuda_unet_backward(nn_model *m);
float *nn_cuda_output_grad(nn_model *m);
// Clears the gradient arena and the parameter gradients.
asl_status nn_cuda_zero_grads(nn_model *m);
void nn_cuda_unet_free(nn_cuda *c);

// cuda_vit.c: the ViT at its grid (input in nn_cuda_net_input).
asl_status nn_cuda_vit_attach(nn_model *m);
void nn_cuda_vit_free(nn_cuda *c);
asl_status nn_cuda_vit_plan(nn_model *m, int N, int train);
asl_status nn_cuda_vit_forward(nn_model *m, int train, const float **out);
asl_status nn_cuda_vit_backward(nn_model *m);
float *nn_cuda_vit_input(nn_model *m);
float *nn_cuda_vit_output_grad(nn_model *m);
asl_status nn_cuda_vit_zero_grads(nn_model *m);

// The network the model holds (U-Net or ViT), as the step and the
// evaluation see it: plan, input slot, forward, backward, the output's
// gradient, clearing the gradients.
asl_status nn_cuda_net_plan(nn_model *m, int N, int D, int H, int W, int train);
float *nn_cuda_net_input(nn_model *m);
asl_status nn_cuda_net_forward(nn_model *m, int train, const float **out);
asl_status nn_cuda_net_backward(nn_model *m);
float *nn_cuda_net_output_grad(nn_model *m);
asl_status nn_cuda_net_zero_grads(nn_model *m);

#endif
