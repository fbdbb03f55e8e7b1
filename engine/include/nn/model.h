// The engine's model API: what the runner and the CLI call to create, train,
// evaluate, run and checkpoint a denoising model. Knows nothing of ASL or MPI.
//
// Tensors are float32, contiguous, (N, C, D, H, W) with W fastest. A volume
// of the shared image type (x fastest, then y, z) is the same memory read as
// (D=nz, H=ny, W=nx), so no transpose is needed.
//
// Kinds (the model factory is a table; see docs/engine.md): unet3d, vit3d,
// ddpm3d (trainable), identity, gaussian, nlm (baselines). What each accepts
// and costs is its descriptor (nn/desc.h).
//
// Threading: OpenMP only. OpenBLAS is held to one thread (set at model
// creation and by nn_set_threads). Results are bitwise reproducible for the
// same seed, inputs and thread count.
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "asl/status.h"

typedef struct nn_model nn_model;
typedef struct nn_model_desc nn_model_desc; // nn/desc.h

// One hyper-parameter from the sweep spec, as text ("base_channels" = "16").
typedef struct {
  const char *key;
  const char *value;
} nn_param;

typedef enum { NN_OPT_ADAM = 0, NN_OPT_ADAMW = 1 } nn_optim_kind;
typedef enum { NN_LOSS_L1 = 0, NN_LOSS_MSE = 1, NN_LOSS_SSIM = 2 } nn_loss_kind;

typedef struct {
  nn_optim_kind kind; // adam: L2 added to the gradient; adamw: decoupled
  float lr;           // default 1e-3
  float beta1, beta2; // default 0.9, 0.999
  float eps;          // default 1e-8
  float weight_decay; // default 0
  nn_loss_kind loss;  // default l1
} nn_optim_config;

// Fills the defaults listed above.
void nn_optim_config_default(nn_optim_config *c);
// "adam"/"adamw" and "l1"/"mse"/"ssim" to enums; ASL_EINVAL naming the
// allowed values otherwise.
asl_status nn_optim_kind_parse(const char *name, nn_optim_kind *out);
asl_status nn_loss_kind_parse(const char *name, nn_loss_kind *out);

// Creates a model. grid = {x, y, z}: the training patch size (for the U-Net
// each must be a multiple of nn_model_size_multiple). in_channels: 1 (ASL)
// or 2 (ASL + M0; channel 0 is always the ASL image). Unknown parameter keys
// or bad values give ASL_EINVAL with a message naming the key and the
// allowed ones. The seed fixes the initial weights and the dropout stream.
asl_status nn_model_create(nn_model **m, const char *kind, int in_channels,
                           const int grid[3], const nn_param *params,
                           int n_params, uint64_t seed);
void nn_model_free(nn_model *m);

// Introspection.
const char *nn_model_kind(const nn_model *m);
// The kind's descriptor: parameters, capabilities (fixed loss, uncertainty).
const nn_model_desc *nn_model_describe(const nn_model *m);
int nn_model_in_channels(const nn_model *m);
void nn_model_grid(const nn_model *m, int grid[3]); // {x, y, z}
int nn_model_trainable(const nn_model *m);          // 0 for baselines
int nn_model_size_multiple(const nn_model *m);      // 16 for the U-Net, 1 else
size_t nn_model_param_count(const nn_model *m);
// Forward-pass FLOPs for one volume of nx*ny*nz voxels (2 per multiply-add,
// convolutions and GEMMs only). A training step costs about 3x this.
double nn_model_flops(const nn_model *m, int nx, int ny, int nz);
// Comma-separated list of the kinds the factory knows ("unet3d, identity...").
const char *nn_model_kinds(void);

// OpenMP team size for every later call (omp_set_num_threads), OpenBLAS held
// at one thread. t <= 0 leaves the OpenMP default.
void nn_set_threads(int t);
// The BLAS linked in, as the library describes itself ("OpenBLAS 0.3.21 ...").
const char *nn_blas_version(void);

// Optimizer and loss for nn_train_step / nn_eval_loss (a new model starts
// with nn_optim_config_default: adam, lr 1e-3, l1). ASL_EINVAL if out of range.
asl_status nn_model_set_optimizer(nn_model *m, const nn_optim_config *c);

// One optimizer step on a batch at the model grid:
//   x: (B, C, D, H, W)  y: (B, 1, D, H, W)  w: (B, 1, D, H, W) or NULL
// w is a per-voxel loss weight (e.g. 0 on zero padding); the loss is the mean
// over weighted voxels. *loss receives the batch loss before the update.
// ASL_ENUMERIC (weights left unchanged) when the loss is NaN or Inf;
// ASL_EUNSUPPORTED for a model that does not train.
asl_status nn_train_step(nn_model *m, const float *x, const float *y,
                         const float *w, int batch, float *loss);

// The same loss in inference mode (BN running statistics, no dropout), no
// update. Works for every kind, trainable or not.
asl_status nn_eval_loss(nn_model *m, const float *x, const float *y,
                        const float *w, int batch, float *loss);

// Runs the model on one whole volume of any size:
//   x: (C, nz, ny, nx) with C = in_channels; out: (nz, ny, nx)
// Zero-pads each axis up to the model's size multiple (at the high end),
// runs in inference mode, crops back.
asl_status nn_infer_volume(nn_model *m, const float *x, int nx, int ny, int nz,
                           float *out);

// Lower level, for tests and tools: the parameter buffer (all weights in one
// contiguous array, layout fixed by the architecture), its gradient, and a
// forward + backward in training mode that fills the gradient (zeroed first)
// without updating anything but BN running statistics and the dropout RNG.
float *nn_model_params(nn_model *m);
const float *nn_model_grads(const nn_model *m);
asl_status nn_model_compute_gradients(nn_model *m, const float *x,
                                      const float *y, const float *w,
                                      int batch, float *loss);
// The prediction of the last forward pass, (N, 1, D, H, W) at the model grid.
const float *nn_model_last_output(const nn_model *m);
// Offset in the parameter buffer and count of a named tensor ("enc0.a.conv",
// "enc0.a.bn.weight", "up3.weight", "final.bias", ...; see docs/engine.md);
// Names ending in ".running_mean" / ".running_var" index the BN statistics
// buffer instead (nn_model_buffers). ASL_ENOTFOUND for an unknown name.
asl_status nn_model_param_find(const nn_model *m, const char *name,
                               size_t *offset, size_t *count);
float *nn_model_buffers(nn_model *m);

// Checkpoints: one versioned binary file holding the architecture (kind,
// in_channels, grid, params), every weight, BN running statistics, optimizer
// state and step, the dropout RNG state, the epoch and an opaque caller blob,
// closed by a 64-bit checksum. Written to PATH.tmp, fsynced and renamed over
// PATH, so a kill at any moment leaves the previous checkpoint intact.
asl_status nn_checkpoint_save(const nn_model *m, const char *path, int epoch,
                              const void *user_state, size_t user_size);
// Creates *m from the file. user_size must equal the size saved (ASL_EFORMAT
// otherwise); user_state may be NULL when user_size is 0. Corrupt, truncated
// or mismatched files give ASL_EFORMAT / ASL_ECHECKSUM with the path named.
asl_status nn_checkpoint_load(nn_model **m, const char *path, int *epoch,
                              void *user_state, size_t user_size);
// The same from memory (used by the loader and the fuzz target); `what`
// names the source in error messages.
asl_status nn_checkpoint_load_mem(nn_model **m, const void *data, size_t size,
                                  const char *what, int *epoch,
                                  void *user_state, size_t user_size);
// The checksum that closes a checkpoint: 64-bit FNV-1a over every byte
// before it (exposed for tools and the fuzz target).
uint64_t nn_checksum64(const void *data, size_t size);

#endif
