// Learning rate per epoch: linear warm-up, then constant or a cosine decay
// (Loshchilov & Hutter 2017, SGDR, without restarts). Per epoch rather than
// per step so a run resumed from an epoch checkpoint follows the same curve.
#include <math.h>

#include "nn/optim.h"

double nn_lr_at(double base, nn_lr_schedule kind, int warmup, int epochs, int epoch) {
  if (epoch < 0) epoch = 0;
  // Warm-up ends at the full rate: epoch warmup - 1 already trains at base.
  if (epoch < warmup) return base * (epoch + 1) / warmup;
  if (kind != NN_LR_COSINE) return base;
  int span = epochs - warmup;
  if (span <= 0) return base;
  // Epoch e trains at the rate of the cosine at (e - warmup) / span: the first
  // decay epoch at base, the last a little above zero, never at zero.
  const double pi = 3.14159265358979323846;
  return base * 0.5 * (1.0 + cos(pi * (epoch - warmup) / span));
}
