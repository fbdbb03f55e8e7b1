// The nlm baseline (3D non-local means on the ASL channel): it denoises a
// smooth volume with known Gaussian noise, h is relative to the noise SD it
// estimates (so the result scales with the input), the M0 channel is
// ignored, noise-free input passes through, and bad parameters are refused.
#include <stdlib.h>
#include <string.h>

#include "asl/rng.h"
#include "asl/status.h"
#include "harness.h"
#include "nn/model.h"

enum { NX = 32, NY = 32, NZ = 16, V = NX * NY * NZ };
static float clean[V], noisy[2 * V], out[V], out2[V];

// A smooth signal around 1 with a brighter disc (an edge to keep).
static void make_volumes(double sd, uint64_t seed) {
  asl_rng r;
  asl_rng_seed(&r, seed);
  for (int z = 0; z < NZ; z++)
    for (int y = 0; y < NY; y++)
      for (int x = 0; x < NX; x++) {
        const int i = (z * NY + y) * NX + x;
        const int dx = x - 16, dy = y - 16;
        clean[i] = 1.0f + 0.4f * sinf(x * 0.25f) * cosf(y * 0.2f) +
                   0.3f * sinf(z * 0.3f) + (dx * dx + dy * dy < 49 ? 0.8f : 0.0f);
        noisy[i] = clean[i] + (float)(sd * asl_rng_normal(&r));
        noisy[V + i] = 2.0f + (float)asl_rng_uniform(&r); // an M0 channel
      }
}

static double nmae(const float *a) {
  double e = 0, s = 0;
  for (int i = 0; i < V; i++) e += fabs(a[i] - clean[i]), s += fabs(clean[i]);
  return e / s;
}

static nn_model *nlm(int in_channels, const nn_param *p, int n) {
  const int grid[3] = {NX, NY, NZ};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "nlm", in_channels, grid, p, n, 1));
  return m;
}

TEST(nlm_lowers_nmae_of_a_noisy_smooth_volume) {
  make_volumes(0.3, 1);
  nn_model *m = nlm(1, NULL, 0);
  ASSERT_EQ(0, nn_model_trainable(m));
  ASSERT_OK(nn_infer_volume(m, noisy, NX, NY, NZ, out));
  const double before = nmae(noisy), after = nmae(out);
  printf("nmae noisy %.4f nlm %.4f\n", before, after);
  ASSERT(before > 0.15);
  ASSERT(after < 0.35 * before);
  // The evaluation path gives the same prediction.
  float loss;
  ASSERT_OK(nn_eval_loss(m, noisy, clean, NULL, 1, &loss));
  ASSERT(memcmp(out, nn_model_last_output(m), sizeof out) == 0);
  double mean_abs = 0;
  for (int i = 0; i < V; i++) mean_abs += fabs(clean[i]) / V;
  ASSERT_NEAR(after * mean_abs, loss, 1e-4); // L1 against the clean volume
  nn_model_free(m);
}

// h is in units of the estimated noise SD: scaling the input by 10 scales
// the output by 10 (an absolute h would filter it differently).
TEST(nlm_is_scale_equivariant) {
  make_volumes(0.2, 2);
  nn_model *m = nlm(1, NULL, 0);
  ASSERT_OK(nn_infer_volume(m, noisy, NX, NY, NZ, out));
  for (int i = 0; i < V; i++) noisy[i] *= 10.0f;
  ASSERT_OK(nn_infer_volume(m, noisy, NX, NY, NZ, out2));
  for (int i = 0; i < V; i++) ASSERT_NEAR(10.0 * out[i], out2[i], 1e-3 * fabs(out2[i]) + 1e-4);
  nn_model_free(m);
}

TEST(nlm_ignores_the_m0_channel) {
  make_volumes(0.3, 3);
  nn_model *one = nlm(1, NULL, 0), *two = nlm(2, NULL, 0);
  ASSERT_OK(nn_infer_volume(one, noisy, NX, NY, NZ, out));
  ASSERT_OK(nn_infer_volume(two, noisy, NX, NY, NZ, out2));
  ASSERT(memcmp(out, out2, sizeof out) == 0);
  nn_model_free(one);
  nn_model_free(two);
}

// A linear ramp has no noise by the estimator's measure: it comes back as is.
TEST(noise_free_input_passes_through) {
  for (int i = 0; i < V; i++) noisy[i] = 0.5f + 0.01f * (i % NX) + 0.02f * (i / (NX * NY));
  nn_model *m = nlm(1, NULL, 0);
  ASSERT_OK(nn_infer_volume(m, noisy, NX, NY, NZ, out));
  for (int i = 0; i < V; i++) ASSERT_NEAR(noisy[i], out[i], 0);
  nn_model_free(m);
}

TEST(stronger_h_smooths_more) {
  make_volumes(0.3, 4);
  nn_param weak[] = {{"h", "0.3"}}, strong[] = {{"h", "5"}};
  nn_model *a = nlm(1, weak, 1), *b = nlm(1, strong, 1);
  ASSERT_OK(nn_infer_volume(a, noisy, NX, NY, NZ, out));
  ASSERT_OK(nn_infer_volume(b, noisy, NX, NY, NZ, out2));
  double da = 0, db = 0;
  for (int i = 0; i < V; i++) da += fabs(out[i] - noisy[i]), db += fabs(out2[i] - noisy[i]);
  ASSERT(da < 0.8 * db);
  nn_model_free(a);
  nn_model_free(b);
}

TEST(bad_nlm_parameters_are_refused) {
  const int grid[3] = {NX, NY, NZ};
  nn_model *m = NULL;
  nn_param even[] = {{"patch", "4"}}, big[] = {{"search", "23"}}, h[] = {{"h", "0"}};
  ASSERT(nn_model_create(&m, "nlm", 1, grid, even, 1, 1) == ASL_EINVAL);
  ASSERT(strstr(asl_error_message(), "must be odd"));
  ASSERT(nn_model_create(&m, "nlm", 1, grid, big, 1, 1) == ASL_EINVAL);
  ASSERT(nn_model_create(&m, "nlm", 1, grid, h, 1, 1) == ASL_EINVAL);
  ASSERT(m == NULL);
}

int main(void) {
  RUN(nlm_lowers_nmae_of_a_noisy_smooth_volume);
  RUN(nlm_is_scale_equivariant);
  RUN(nlm_ignores_the_m0_channel);
  RUN(noise_free_input_passes_through);
  RUN(stronger_h_smooths_more);
  RUN(bad_nlm_parameters_are_refused);
  return DONE();
}
