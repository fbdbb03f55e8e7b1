// Where a model runs: the CPU engine (the default) or the CUDA backend.
//
// The device is a property of the model, not of the API: nn_model_create,
// nn_train_step, nn_eval_loss, nn_infer_volume, nn_model_compute_gradients
// and the checkpoint functions work the same on either device. The weights,
// gradients, Adam moments and BN statistics keep one layout on both (the
// CUDA backend holds a copy in one device buffer), so a checkpoint saved
// from a CUDA model loads on the CPU and the other way round.
//
// Host views stay coherent: nn_model_params / nn_model_buffers /
// nn_model_grads / nn_model_last_output on a CUDA model copy the current
// values down first, and writes through nn_model_params / nn_model_buffers
// are copied up before the next device operation.
//
// CUDA covers the U-Net (unet3d), the ViT (vit3d) and ddpm3d (its U-Net on the GPU,
// its own logic on the host); other kinds run on the CPU only and
// nn_model_set_device refuses them with ASL_EUNSUPPORTED. See docs/gpu.md.
#ifndef NN_DEVICE_H
#define NN_DEVICE_H

#include "nn/model.h"

typedef enum { NN_DEVICE_CPU = 0, NN_DEVICE_CUDA = 1 } nn_device;

// Convolution arithmetic on CUDA. FP32: plain single-precision FMA (no
// tensor cores); TF32: tensor cores with 10-bit mantissa inputs and FP32
// accumulation (as torch.backends.cudnn.allow_tf32); BF16: the convolutions'
// inputs, weights and results rounded to bfloat16 (8-bit mantissa), FP32
// accumulation, FP32 master weights (as torch.autocast with bfloat16).
// Element-wise work, reductions, the loss and Adam are FP32 (with double
// sums) in all three.
typedef enum {
  NN_PRECISION_FP32 = 0,
  NN_PRECISION_TF32 = 1,
  NN_PRECISION_BF16 = 2
} nn_precision;

// "cpu" / "cuda" to the enum; ASL_EINVAL naming the allowed values otherwise.
asl_status nn_device_parse(const char *name, nn_device *out);
const char *nn_device_name(nn_device d);
// "fp32" / "tf32" / "bf16".
asl_status nn_precision_parse(const char *name, nn_precision *out);
const char *nn_precision_name(nn_precision p);

// 1 when the engine was built with CUDA and a device is usable; otherwise 0
// and *why (may be NULL) says what is missing (static text).
int nn_cuda_available(const char **why);
// Name and memory of the device in use ("NVIDIA H200, 139.8 GiB, sm_90"),
// or why none is usable.
const char *nn_cuda_describe(void);

// Makes GPU (index mod the number of visible GPUs) the one later CUDA
// models are created on: with index = the node-local MPI rank, one rank per
// GPU. ASL_EUNSUPPORTED when CUDA is not built in or no device is present.
asl_status nn_cuda_select(int index);

// Moves the model: to CUDA it uploads every weight, buffer and optimizer
// moment; back to the CPU it copies them down and frees the device memory.
// ASL_EUNSUPPORTED when CUDA is not built in, no device is present or the
// kind has no CUDA implementation; the model stays on its device then.
asl_status nn_model_set_device(nn_model *m, nn_device d);
nn_device nn_model_device(const nn_model *m);

// The device nn_model_create and nn_checkpoint_load put new models on
// (process-wide, default CPU; for command-line tools such as `aslsweep
// denoise --device cuda`). With CUDA, creating or loading a model that has
// no CUDA implementation then fails with ASL_EUNSUPPORTED naming the kind.
void nn_set_default_device(nn_device d);
nn_device nn_default_device(void);

// CUDA options (kept while on the CPU, applied on the device):
// precision (default FP32) and deterministic mode (default on: only cuDNN
// algorithms documented as deterministic, fixed-order reductions, so a
// rerun on the same GPU gives bitwise the same weights).
asl_status nn_model_set_precision(nn_model *m, nn_precision p);
nn_precision nn_model_precision(const nn_model *m);
void nn_model_set_deterministic(nn_model *m, int on);
// Bytes of device memory the model holds now (0 on the CPU).
size_t nn_model_device_bytes(const nn_model *m);

// For benchmarks against frameworks timed on tensors already on the GPU:
// uploads x (batch, C, grid) and y once, then times reps evaluations
// (forward in inference mode + the L1/MSE loss, as nn_eval_loss) that copy
// nothing between host and device; *seconds gets the median wall time of
// one. ASL_EUNSUPPORTED on the CPU or with the SSIM loss.
asl_status nn_model_time_eval_resident(nn_model *m, const float *x,
                                       const float *y, int batch, int reps,
                                       double *seconds);

#endif
