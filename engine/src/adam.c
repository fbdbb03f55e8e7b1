// Adam / AdamW, following torch.optim's single-tensor update step by step so
// results match PyTorch to float rounding.
#include <math.h>

#include "nn/optim.h"
#include "omp_work.h"

void nn_adam_update(float *p, const float *g, float *m, float *v, size_t n,
                    const nn_optim_config *c, long step) {
  const double bc1 = 1.0 - pow(c->beta1, (double)step);
  const double bc2 = 1.0 - pow(c->beta2, (double)step);
  const float step_size = (float)(c->lr / bc1);
  const float bc2_sqrt = (float)sqrt(bc2);
  const float b1 = c->beta1, b2 = c->beta2, eps = c->eps;
  const float l2 = c->kind == NN_OPT_ADAM ? c->weight_decay : 0.0f;
  const float shrink =
      c->kind == NN_OPT_ADAMW ? 1.0f - c->lr * c->weight_decay : 1.0f;
#pragma omp parallel for schedule(static) if (n >= NN_OMP_MIN_WORK)
  for (size_t i = 0; i < n; i++) {
    float pi = p[i] * shrink;
    float gi = g[i] + l2 * p[i];
    m[i] += (1.0f - b1) * (gi - m[i]); // torch: exp_avg.lerp_(grad, 1 - beta1)
    v[i] = v[i] * b2 + (1.0f - b2) * gi * gi;
    float denom = sqrtf(v[i]) / bc2_sqrt + eps;
    p[i] = pi - step_size * (m[i] / denom);
  }
}
