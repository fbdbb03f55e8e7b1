// The classical baselines through the model API: identity passes the ASL
// channel through exactly; gaussian matches scipy.ndimage.gaussian_filter
// and lowers the error of a noisy smooth volume.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asl/rng.h"
#include "fixture.h"
#include "harness.h"
#include "nn/model.h"

enum { NX = 37, NY = 29, NZ = 13, NV = NX * NY * NZ };
static float x[2 * NV], out[NV], clean[NV];

TEST(identity_passes_the_asl_channel_through_exactly) {
  const int grid[3] = {NX, NY, NZ};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "identity", 2, grid, NULL, 0, 1));
  ASSERT_EQ(0, nn_model_trainable(m));
  ASSERT_EQ(0, nn_model_param_count(m));
  asl_rng r;
  asl_rng_seed(&r, 5);
  for (int i = 0; i < 2 * NV; i++) x[i] = (float)asl_rng_normal(&r);
  ASSERT_OK(nn_infer_volume(m, x, NX, NY, NZ, out));
  ASSERT(memcmp(out, x, sizeof out) == 0); // channel 0, bit for bit
  float loss;
  ASSERT_EQ(ASL_EUNSUPPORTED, nn_train_step(m, x, x, NULL, 1, &loss));
  ASSERT_OK(nn_eval_loss(m, x, x, NULL, 1, &loss)); // y = the ASL channel
  ASSERT_NEAR(0.0, loss, 0);
  nn_model_free(m);
  nn_param p[] = {{"sigma", "1"}};
  ASSERT_EQ(ASL_EINVAL, nn_model_create(&m, "identity", 1, grid, p, 1, 1));
  ASSERT(strstr(asl_error_message(), "allowed: none"));
}

TEST(gaussian_matches_scipy_for_both_borders) {
  fx_file fx;
  ASSERT(fx_load(&fx, "layers.bin") == 0);
  const float *v = fx_get(&fx, "gauss.x", NULL);
  const int grid[3] = {7, 6, 5};
  const char *borders[] = {"reflect", "zeros"}, *sigmas[] = {"0.7", "1.5"};
  for (int b = 0; b < 2; b++)
    for (int s = 0; s < 2; s++) {
      nn_param p[] = {{"sigma", sigmas[s]}, {"border", borders[b]}};
      nn_model *m;
      ASSERT_OK(nn_model_create(&m, "gaussian", 1, grid, p, 2, 1));
      ASSERT_OK(nn_infer_volume(m, v, 7, 6, 5, out));
      char name[64];
      snprintf(name, sizeof name, "gauss.%s.%s", borders[b], sigmas[s]);
      double e = fx_err(out, fx_get(&fx, name, NULL), 210, 1e-6, 1e-5);
      if (e > 1) HARNESS_FAIL("%s differs from scipy (%g x tol)", name, e);
      nn_model_free(m);
    }
  fx_free(&fx);
}

static double nmae(const float *a, const float *ref) {
  double num = 0, den = 0;
  for (int i = 0; i < NV; i++) num += fabs(a[i] - ref[i]), den += fabs(ref[i]);
  return num / den;
}

TEST(gaussian_lowers_the_error_of_a_noisy_smooth_volume) {
  asl_rng r;
  asl_rng_seed(&r, 9);
  for (int z = 0; z < NZ; z++)
    for (int y = 0; y < NY; y++)
      for (int i = 0; i < NX; i++) {
        int k = (z * NY + y) * NX + i;
        clean[k] = (float)(1.0 + 0.5 * sin(i * 0.25) * cos(y * 0.2) + 0.3 * sin(z * 0.4));
        x[k] = clean[k] + (float)(0.3 * asl_rng_normal(&r));
      }
  const int grid[3] = {NX, NY, NZ};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "gaussian", 1, grid, NULL, 0, 1)); // sigma 1
  ASSERT_OK(nn_infer_volume(m, x, NX, NY, NZ, out));
  double before = nmae(x, clean), after = nmae(out, clean);
  printf("NMAE noisy %.4f, smoothed %.4f\n", before, after);
  ASSERT(after < 0.5 * before);
  ASSERT(nn_model_flops(m, NX, NY, NZ) > 0);
  nn_model_free(m);
  nn_param bad[] = {{"border", "wrap"}};
  ASSERT_EQ(ASL_EINVAL, nn_model_create(&m, "gaussian", 1, grid, bad, 1, 1));
  ASSERT(strstr(asl_error_message(), "reflect, zeros"));
}

int main(void) {
  RUN(identity_passes_the_asl_channel_through_exactly);
  RUN(gaussian_matches_scipy_for_both_borders);
  RUN(gaussian_lowers_the_error_of_a_noisy_smooth_volume);
  return DONE();
}
