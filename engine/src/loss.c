// L1 and MSE losses with an optional per-voxel weight. The sums run
// serially in double: an OpenMP reduction combines partial sums in no fixed
// order, which would break bitwise reproducibility.
#include <math.h>

#include "nn/loss.h"
#include "omp_work.h"

static double weight_sum(const float *w, size_t n) {
  if (!w) return (double)n;
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += w[i];
  return s;
}

double nn_l1_loss_forward(const float *pred, const float *target,
                          const float *w, size_t n) {
  const double sw = weight_sum(w, n);
  if (sw <= 0.0) return 0.0;
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += (w ? w[i] : 1.0f) * fabs((double)pred[i] - target[i]);
  return s / sw;
}

// d|e|/de = sign(e), 0 at e == 0 as in PyTorch.
void nn_l1_loss_backward(float *dpred, const float *pred, const float *target,
                         const float *w, size_t n, float scale) {
  const double sw = weight_sum(w, n);
  if (sw <= 0.0) return;
  const float k = (float)(scale / sw);
#pragma omp parallel for schedule(static) if (n >= NN_OMP_MIN_WORK)
  for (size_t i = 0; i < n; i++) {
    float e = pred[i] - target[i];
    float sg = e > 0.0f ? 1.0f : (e < 0.0f ? -1.0f : 0.0f);
    dpred[i] += k * (w ? w[i] : 1.0f) * sg;
  }
}

double nn_mse_loss_forward(const float *pred, const float *target,
                           const float *w, size_t n) {
  const double sw = weight_sum(w, n);
  if (sw <= 0.0) return 0.0;
  double s = 0.0;
  for (size_t i = 0; i < n; i++) {
    double e = (double)pred[i] - target[i];
    s += (w ? w[i] : 1.0f) * e * e;
  }
  return s / sw;
}

void nn_mse_loss_backward(float *dpred, const float *pred,
                          const float *target, const float *w, size_t n,
                          float scale) {
  const double sw = weight_sum(w, n);
  if (sw <= 0.0) return;
  const float k = (float)(2.0 * scale / sw);
#pragma omp parallel for schedule(static) if (n >= NN_OMP_MIN_WORK)
  for (size_t i = 0; i < n; i++)
    dpred[i] += k * (w ? w[i] : 1.0f) * (pred[i] - target[i]);
}
