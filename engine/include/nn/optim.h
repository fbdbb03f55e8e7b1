// Adam and AdamW with PyTorch semantics (torch.optim.Adam / AdamW,
// single-tensor path): bias-corrected moments, eps added to the corrected
// square root. Adam's weight_decay adds weight_decay * p to the gradient
// (L2); AdamW first shrinks p by (1 - lr * weight_decay) (decoupled).
#ifndef NN_OPTIM_H
#define NN_OPTIM_H

#include <stddef.h>

#include "nn/model.h"

// p, g, m, v: (n). step: the 1-based step count after this update.
void nn_adam_update(float *p, const float *g, float *m, float *v, size_t n,
                    const nn_optim_config *c, long step);

// Learning-rate schedules over the epochs of a run (train.lr_schedule).
typedef enum { NN_LR_CONSTANT = 0, NN_LR_COSINE = 1 } nn_lr_schedule;

// The learning rate for 0-based `epoch` of `epochs`: base * (epoch + 1) /
// warmup during the first `warmup` epochs, then base (constant) or
// base * (1 + cos(pi * (epoch - warmup) / (epochs - warmup))) / 2 (cosine).
double nn_lr_at(double base, nn_lr_schedule kind, int warmup, int epochs, int epoch);

#endif
