// Training data and the checkpoint's caller blob of the real executor.
#ifndef RUN_EXEC_ASL_TRAIN_H
#define RUN_EXEC_ASL_TRAIN_H

#include <stdint.h>

#include "asl/rng.h"
#include "exec_asl_sample.h"
#include "nn/model.h"

#define EXA_MAX_EPOCHS 1000
#define EXA_MAGIC 0x41534c54u /* "ASLT": the blob of a train job */

// Stored in every checkpoint next to the model: everything the training
// loop needs to continue exactly where it stopped.
typedef struct {
  uint32_t magic;
  int finished;       // 1: training ended (last epoch or early stop)
  asl_rng rng;        // the job's stream after the last finished epoch
  float best_val;
  int since_best;
  float train_loss[EXA_MAX_EPOCHS], val_loss[EXA_MAX_EPOCHS];
} exa_blob;

typedef struct {
  int subject, image;
} exa_item;

typedef struct {
  int n_subj;
  exa_sample *samples;
  int n_items, n_val; // items[0 .. n_val-1] are the validation images
  exa_item *items;
  int channels;
  float *x, *y, *w, *tmp; // batch (B,C,D,H,W), target, weight; one patch
} exa_data;

// engine.device: cuda moves m to the GPU of this rank (node-local rank
// mod the visible GPUs); a kind without a CUDA implementation (its
// descriptor says so) fails the job, as does a machine without a GPU.
// First it gives m the spec's train.precision (refused on the CPU unless fp32).
asl_status exa_model_to_device(nn_model *m, const sweep_plan *p);

asl_status exa_train_buffers(exa_data *t, const sweep_plan *p, int m0);
void exa_train_free(exa_data *t);
// The model's parameters from the spec, as the engine takes them.
asl_status exa_model_params(const sweep_model *m, nn_param **out);

#endif
