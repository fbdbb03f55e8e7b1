// What the model API shares with each kind of model: the struct behind
// nn_model and the table entry (a struct of function pointers, one per kind)
// that the factory in model.c looks up by name.
#ifndef NN_MODEL_INTERNAL_H
#define NN_MODEL_INTERNAL_H

#include "asl/rng.h"
#include "nn/desc.h"
#include "nn/model.h"

typedef struct nn_model_ops {
  // What the kind accepts and costs (kind name, parameter table, checks,
  // capabilities); nn_model_create runs its checks before create.
  const nn_model_desc *desc;
  // Reads the (already checked) parameters, builds the architecture, sets
  // m->n_params and m->n_buffers and m->impl. The caller allocates and
  // initializes the parameter buffers afterwards through init.
  asl_status (*create)(nn_model *m, const nn_param *p, int n);
  void (*destroy)(nn_model *m);
  // Fills m->params and m->buffers from r (only when n_params/n_buffers > 0).
  void (*init)(nn_model *m, asl_rng *r);
  // Each grid size must be a multiple of this (the U-Net: 2^depth).
  int (*size_multiple)(const nn_model *m);
  double (*flops)(const nn_model *m, int nx, int ny, int nz);
  // x: (N, C, D, H, W) -> *out: (N, 1, D, H, W), valid until the next call.
  // train = 1: training mode (batch statistics, dropout), keeps what
  // backward needs.
  asl_status (*forward)(nn_model *m, const float *x, int N, int D, int H,
                        int W, int train, const float **out);
  // After forward(train = 1): dout (N, 1, D, H, W); accumulates m->grads.
  void (*backward)(nn_model *m, const float *dout);
  // Where a named parameter tensor lives (NULL for kinds without any).
  asl_status (*param_find)(const nn_model *m, const char *name,
                           size_t *offset, size_t *count);
  // The part of the kind that runs on a device while the kind's own logic
  // (draws, loss, optimizer, sampling) stays on the host: ddpm3d's U-Net.
  // NULL: the whole model moves (nn/device.h).
  nn_model *(*device_body)(nn_model *m);
} nn_model_ops;

struct nn_model {
  const nn_model_ops *ops;
  int in_channels;
  int grid[3];       // x, y, z
  char *param_text;  // "key=value\n" lines as given (kept for checkpoints)
  uint64_t seed;
  // llm.c style: every parameter in one buffer, the gradients and Adam's
  // moments in buffers of the same layout.
  size_t n_params;
  float *params, *grads, *adam_m, *adam_v;
  size_t n_buffers;  // non-trained state (BN running statistics)
  float *buffers;
  nn_optim_config opt;
  long step;         // optimizer steps taken
  asl_rng rng;       // dropout stream
  // Scratch owned by the generic train/eval code, grown on demand.
  float *loss_ws, *dout;
  size_t loss_ws_n, dout_n;
  const float *last_out; // prediction of the last forward pass
  const float *target;   // y during nn_train_step/nn_eval_loss's forward, else NULL (ddpm3d needs it)
  void *impl;        // the kind's own state
  // Device (nn/device.h): 0 = CPU. cuda holds the CUDA backend's state
  // while the model lives there; the host arrays above are its mirror.
  int device, precision, nondeterministic;
  void *cuda;
  // A backward (void) that could not run on the device leaves its status
  // here (the message in asl_error_message); the caller returns it.
  asl_status backward_status;
};

// Device hooks (device.c), no-ops for a model on the CPU. pull copies the
// named device values down into the host arrays; pushed says the caller may
// write the host arrays (they are copied up before the next device call).
enum { NN_SYNC_PARAMS = 1, NN_SYNC_GRADS = 2, NN_SYNC_BUFFERS = 4,
       NN_SYNC_ADAM = 8, NN_SYNC_OUTPUT = 16, NN_SYNC_ALL = 31 };
void nn_device_pull(const nn_model *m, unsigned what);
void nn_device_pushed(nn_model *m, unsigned what);
void nn_device_release(nn_model *m);
// A device body's backward (device_body above): dout (host) up, the body's
// backward on the device, its parameter gradients down into the host array
// (and the channel-bias gradients for ddpm3d); on the CPU ops->backward.
asl_status nn_device_backward(nn_model *m, const float *dout);
// Moves a new model to nn_default_device() (nn_model_create, checkpoint load).
asl_status nn_device_apply_default(nn_model *m);
// A kind's forward on the model's device; *out is a host pointer.
asl_status nn_device_forward(nn_model *m, const float *x, int N, int D, int H,
                             int W, int train, const float **out);
// nn_eval_loss on the model's device: 1 when it ran there (*s its status),
// 0 when the host computes it (CPU models, and the SSIM loss).
int nn_device_eval_loss(nn_model *m, const float *x, const float *y,
                        const float *w, int batch, double *loss,
                        asl_status *s);
// nn_model_compute_gradients (update = 0) or nn_train_step (update = 1) on
// the model's device (CUDA only).
asl_status nn_device_step(nn_model *m, const float *x, const float *y,
                          const float *w, int batch, float *loss, int update);

// nn_model_create, refusing (before allocating the weights) an architecture
// whose parameter count differs from expect_params (SIZE_MAX: any).
asl_status nn_model_create_expect(nn_model **m, const char *kind,
                                  int in_channels, const int grid[3],
                                  const nn_param *params, int n_params,
                                  uint64_t seed, size_t expect_params);

// Looks a kind up in the factory (model_kinds.h; NULL if unknown).
const nn_model_ops *nn_model_ops_find(const char *kind);

// The last value given for key, or NULL.
const char *nn_param_get(const nn_param *p, int n, const char *key);

// Grows a float scratch buffer to at least n (64-byte aligned, contents lost).
asl_status nn_scratch_reserve(float **buf, size_t *cap, size_t n);

#include "model_kinds.h"
#define NN_OPS_DECL(k) extern const nn_model_ops nn_##k##_ops; \
  extern const nn_model_desc nn_##k##_desc;
NN_MODEL_KINDS(NN_OPS_DECL)
#undef NN_OPS_DECL

// ASL_ENUMERIC naming the model and step when a training loss is not finite
// (the CPU and CUDA steps share it).
asl_status nn_check_loss(const nn_model *m, double l);

#endif
