// A short training run: vit3d (with the M0 channel) learns to denoise
// smooth random volumes with Gaussian noise, and its validation L1 against
// the clean volumes ends below the identity baseline's (the noisy input).
#include <stdlib.h>
#include <string.h>

#include "asl/rng.h"
#include "asl/status.h"
#include "harness.h"
#include "nn/model.h"

enum { NX = 16, NY = 16, NZ = 8, V = NX * NY * NZ, BATCH = 4, STEPS = 100 };
static const double NOISE = 0.3;

// x: (2, V) noisy ASL + M0, y: (V) the clean ASL signal: a constant plus
// three random low-frequency waves; M0 a smooth positive field.
static void sample(asl_rng *r, float *x, float *y) {
  double a[3], f[3][3], ph[3], base = 0.5 + asl_rng_uniform(r);
  for (int k = 0; k < 3; k++) {
    a[k] = 0.3 * asl_rng_uniform(r);
    for (int d = 0; d < 3; d++) f[k][d] = 0.5 * asl_rng_uniform(r);
    ph[k] = 6.28 * asl_rng_uniform(r);
  }
  for (int z = 0; z < NZ; z++)
    for (int j = 0; j < NY; j++)
      for (int i = 0; i < NX; i++) {
        double s = base;
        for (int k = 0; k < 3; k++)
          s += a[k] * sin(f[k][0] * i + f[k][1] * j + f[k][2] * z + ph[k]);
        const int v = (z * NY + j) * NX + i;
        y[v] = (float)s;
        x[v] = (float)(s + NOISE * asl_rng_normal(r));
        x[V + v] = (float)(2.0 + 0.1 * cos(0.2 * i + 0.1 * j));
      }
}

static double l1(const float *a, const float *b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += fabs((double)a[i] - b[i]);
  return s / n;
}

TEST(vit3d_training_beats_the_identity_baseline) {
  const int grid[3] = {NX, NY, NZ};
  nn_param p[] = {{"dim", "32"}, {"depth", "2"}, {"heads", "4"},
                  {"mlp_ratio", "2"}, {"patch", "4,4,2"}};
  nn_model *m, *id;
  ASSERT_OK(nn_model_create(&m, "vit3d", 2, grid, p, 5, 42));
  ASSERT_OK(nn_model_create(&id, "identity", 2, grid, NULL, 0, 42));
  nn_optim_config c;
  nn_optim_config_default(&c);
  c.lr = 2e-3f;
  ASSERT_OK(nn_model_set_optimizer(m, &c));
  static float x[BATCH * 2 * V], y[BATCH * V], vx[BATCH * 2 * V], vy[BATCH * V];
  asl_rng r;
  asl_rng_seed(&r, 7);
  for (int b = 0; b < BATCH; b++) sample(&r, vx + b * 2 * V, vy + b * V);
  float before, base, loss, after;
  ASSERT_OK(nn_eval_loss(id, vx, vy, NULL, BATCH, &base));
  ASSERT_OK(nn_eval_loss(m, vx, vy, NULL, BATCH, &before));
  ASSERT_NEAR(base, before, 1e-6); // the untrained net is the identity
  ASSERT_NEAR(NOISE * 0.7979, base, 0.02); // E|noise| = sd sqrt(2/pi)
  for (int s = 0; s < STEPS; s++) {
    for (int b = 0; b < BATCH; b++) sample(&r, x + b * 2 * V, y + b * V);
    ASSERT_OK(nn_train_step(m, x, y, NULL, BATCH, &loss));
  }
  ASSERT_OK(nn_eval_loss(m, vx, vy, NULL, BATCH, &after));
  printf("validation L1: identity %.4f, vit3d %.4f after %d steps\n", base,
         after, STEPS);
  ASSERT(after < 0.8 * base);
  ASSERT_NEAR(after, l1(nn_model_last_output(m), vy, (size_t)BATCH * V), 1e-5);
  nn_model_free(m);
  nn_model_free(id);
}

int main(void) {
  nn_set_threads(1); // small tensors: a team would mostly wait
  RUN(vit3d_training_beats_the_identity_baseline);
  return DONE();
}
