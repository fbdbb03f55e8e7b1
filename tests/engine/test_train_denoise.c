// End to end: a small U-Net (32x32x16 grid, depth 3, 8 base channels)
// trained with Adam on smooth random volumes plus Gaussian noise learns to
// denoise: on held-out volumes, run through nn_infer_volume in inference
// mode, its L1 error to the clean signal falls well below the noisy input's.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "asl/rng.h"
#include "harness.h"
#include "smooth_data.h"
#include "nn/model.h"

enum { GX = 32, GY = 32, GZ = 16, V = GX * GY * GZ, B = 2, STEPS = 300, NVAL = 3 };

// Noise SD 0.3 on signals around 1.
static const smooth_data DATA = {GX, GY, GZ, 0.05, 0.2, 0.3};

static double l1(const float *a, const float *b) {
  double s = 0;
  for (int i = 0; i < V; i++) s += fabs((double)a[i] - b[i]);
  return s / V;
}

TEST(unet_learns_to_denoise_smooth_volumes) {
  static float xb[B * V], yb[B * V], vx[NVAL][V], vy[NVAL][V], pred[V];
  const int grid[3] = {GX, GY, GZ};
  nn_param p[] = {{"base_channels", "8"}, {"depth", "3"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "unet3d", 1, grid, p, 2, 2024));
  nn_optim_config c;
  nn_optim_config_default(&c);
  c.lr = 2e-3f;
  ASSERT_OK(nn_model_set_optimizer(m, &c));
  asl_rng r;
  asl_rng_seed_key(&r, 1, "train");
  float loss = 0, first = 0;
  for (int s = 0; s < STEPS; s++) {
    for (int b = 0; b < B; b++) noisy_pair(&DATA, xb + b * V, yb + b * V, &r);
    ASSERT_OK(nn_train_step(m, xb, yb, NULL, B, &loss));
    if (s == 0) first = loss;
  }
  asl_rng_seed_key(&r, 1, "validation");
  double in_l1 = 0, out_l1 = 0;
  for (int k = 0; k < NVAL; k++) {
    noisy_pair(&DATA, vx[k], vy[k], &r);
    ASSERT_OK(nn_infer_volume(m, vx[k], GX, GY, GZ, pred));
    in_l1 += l1(vx[k], vy[k]) / NVAL;
    out_l1 += l1(pred, vy[k]) / NVAL;
  }
  printf("train L1 %.4f -> %.4f; validation L1 noisy %.4f, denoised %.4f\n",
         first, loss, in_l1, out_l1);
  ASSERT(out_l1 < 0.6 * in_l1);
  nn_model_free(m);
}

int main(void) {
  RUN(unet_learns_to_denoise_smooth_volumes);
  return DONE();
}
