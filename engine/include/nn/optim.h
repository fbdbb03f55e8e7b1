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

#endif
