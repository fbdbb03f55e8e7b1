// The ddpm3d model kind: architecture and parameters, errors, a gradient
// check of the timestep-embedding path, the classifier-free-guidance
// dropout, sampling (determinism, padding, K-sample uncertainty, guidance,
// both samplers) and checkpoints through the generic code.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asl/rng.h"
#include "gradcheck.h"
#include "harness.h"
#include "nn/diffusion.h"
#include "nn/model.h"

enum { GX = 8, GY = 8, GZ = 4, V = GX * GY * GZ };

static nn_model *small(int C, const char *extra_key, const char *extra_value) {
  const int grid[3] = {GX, GY, GZ};
  nn_param p[] = {{"base_channels", "3"}, {"depth", "2"},     {"dropout", "0"},
                  {"timesteps", "50"},    {"temb_dim", "6"},  {"sample_steps", "5"},
                  {extra_key, extra_value}};
  nn_model *m = NULL;
  asl_status s = nn_model_create(&m, "ddpm3d", C, grid, p, extra_key ? 7 : 6, 3);
  if (s) HARNESS_FAIL("create: %s", asl_error_message());
  return m;
}

static void fill(float *a, size_t n, uint64_t seed, double scale) {
  asl_rng r;
  asl_rng_seed(&r, seed);
  for (size_t i = 0; i < n; i++) a[i] = (float)(scale * asl_rng_normal(&r));
}

TEST(architecture_and_defaults) {
  ASSERT(strstr(nn_model_kinds(), "ddpm3d"));
  const int grid[3] = {16, 16, 16};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "ddpm3d", 2, grid, NULL, 0, 1));
  size_t off, n;
  ASSERT_OK(nn_model_param_find(m, "enc0.a.conv", &off, &n));
  ASSERT_EQ(16 * 3 * 27, n); // x_t + ASL + M0 inputs
  // One bias per channel of every block: enc 16+32+64+128, centre 128,
  // dec 128+64+32+16; temb_dim 32, hidden 128.
  ASSERT_OK(nn_model_param_find(m, "temb.out.weight", &off, &n));
  ASSERT_EQ(608 * 128, n);
  ASSERT_OK(nn_model_param_find(m, "temb.out.bias", &off, &n));
  ASSERT_EQ(nn_model_param_count(m), off + n); // the MLP closes the buffer
  ASSERT_OK(nn_model_param_find(m, "temb.fc1.weight", &off, &n));
  ASSERT_EQ(128 * 32, n);
  ASSERT_EQ(16, nn_model_size_multiple(m));
  ASSERT(nn_model_trainable(m));
  ASSERT_EQ(ASL_ENOTFOUND, nn_model_param_find(m, "temb.fc3.weight", &off, &n));
  nn_model_free(m);
}

TEST(parameter_errors_name_the_key) {
  const int grid[3] = {GX, GY, GZ};
  nn_model *m;
  nn_param a[] = {{"timesteps", "20"}, {"sample_steps", "50"}, {"depth", "2"}};
  ASSERT_EQ(ASL_EINVAL, nn_model_create(&m, "ddpm3d", 1, grid, a, 3, 1));
  ASSERT(strstr(asl_error_message(), "sample_steps"));
  // sample_start 0.1 of T = 100: the chain runs timesteps 0..9.
  nn_param a2[] = {{"timesteps", "100"}, {"sample_start", "0.1"}, {"sample_steps", "11"},
                   {"depth", "2"}};
  ASSERT_EQ(ASL_EINVAL, nn_model_create(&m, "ddpm3d", 1, grid, a2, 4, 1));
  ASSERT(strstr(asl_error_message(), "sample_start"));
  a2[2].value = "10";
  ASSERT_OK(nn_model_create(&m, "ddpm3d", 1, grid, a2, 4, 1));
  nn_model_free(m);
  nn_param b[] = {{"schedule", "quadratic"}, {"depth", "2"}};
  ASSERT_EQ(ASL_EINVAL, nn_model_create(&m, "ddpm3d", 1, grid, b, 2, 1));
  ASSERT(strstr(asl_error_message(), "linear, cosine"));
  nn_param c[] = {{"temb_dim", "7"}, {"depth", "2"}};
  ASSERT_EQ(ASL_EINVAL, nn_model_create(&m, "ddpm3d", 1, grid, c, 2, 1));
  ASSERT(strstr(asl_error_message(), "temb_dim"));
  nn_param d[] = {{"guidance_scale", "2"}, {"depth", "2"}};
  ASSERT_EQ(ASL_EINVAL, nn_model_create(&m, "ddpm3d", 1, grid, d, 2, 1));
  ASSERT(strstr(asl_error_message(), "p_uncond"));
  nn_param e[] = {{"depth", "2"}, {"sampler", "euler"}};
  ASSERT_EQ(ASL_EINVAL, nn_model_create(&m, "ddpm3d", 1, grid, e, 2, 1));
  const int bad_grid[3] = {GX, GY, 6};
  ASSERT_EQ(ASL_EINVAL, nn_model_create(&m, "ddpm3d", 1, bad_grid, e, 1, 1));
  nn_model *u = NULL;
  ASSERT_OK(nn_model_create(&u, "unet3d", 1, grid, e, 1, 1));
  ASSERT_EQ(ASL_EINVAL, nn_ddpm_set_draw(u, NULL, NULL, NULL));
  float unc[V];
  ASSERT_EQ(ASL_EINVAL, nn_ddpm_last_uncertainty(u, GX, GY, GZ, unc));
  nn_model_free(u);
}

// f(params) = the training loss (MSE on the noise, fixed draws), summed in
// double from the prediction: the float loss nn_model_compute_gradients
// returns would put 1e-7 of rounding into every difference quotient.
typedef struct {
  nn_model *m;
  const float *x, *y;
  size_t n;
} gc_ctx;

static double loss_of(void *p) {
  gc_ctx *c = p;
  if (nn_model_compute_gradients(c->m, c->x, c->y, NULL, 2, NULL)) abort();
  const float *out = nn_model_last_output(c->m);
  double s = 0;
  for (size_t i = 0; i < c->n; i++) s += ((double)out[i] - c->y[i]) * ((double)out[i] - c->y[i]);
  return s / c->n;
}

// Central differences of the whole network's loss with respect to every
// time-MLP tensor (sampled). The U-Net's ReLUs, max-pooling and float32
// arithmetic bound the agreement: the step 4e-4 sits between kink crossings
// (larger steps) and rounding (smaller); errors are relative to
// max(1e-2, |analytic|, |numeric|). Exact agreement: test_ddpm_torch.
TEST(gradient_of_the_time_embedding_path) {
  enum { NX = GX, NY = GY, NZ = GZ, NV = V };
  const int grid[3] = {NX, NY, NZ};
  nn_param pp[] = {{"base_channels", "3"}, {"depth", "2"}, {"dropout", "0"},
                   {"timesteps", "50"}, {"temb_dim", "4"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "ddpm3d", 1, grid, pp, 5, 3));
  nn_optim_config oc;
  nn_optim_config_default(&oc);
  oc.loss = NN_LOSS_MSE;
  ASSERT_OK(nn_model_set_optimizer(m, &oc));
  static float x[2 * NV], y[2 * NV], eps[2 * NV];
  fill(x, 2 * NV, 1, 1.0), fill(y, 2 * NV, 2, 0.5), fill(eps, 2 * NV, 3, 1.0);
  const int t[2] = {4, 37};
  const float keep[2] = {1, 1};
  ASSERT_OK(nn_ddpm_set_draw(m, t, eps, keep));
  // Larger time-MLP weights so the biases matter against BN'd activations.
  const char *names[6] = {"temb.fc1.weight", "temb.fc1.bias", "temb.fc2.weight",
                          "temb.fc2.bias", "temb.out.weight", "temb.out.bias"};
  float *p = nn_model_params(m);
  size_t off, n;
  for (int k = 0; k < 6; k++) {
    ASSERT_OK(nn_model_param_find(m, names[k], &off, &n));
    for (size_t i = 0; i < n; i++) p[off + i] *= 3.0f;
  }
  const int bad_t[2] = {4, 50};
  ASSERT_OK(nn_ddpm_set_draw(m, bad_t, eps, keep));
  ASSERT_EQ(ASL_EINVAL, nn_model_compute_gradients(m, x, y, NULL, 2, NULL));
  ASSERT_OK(nn_ddpm_set_draw(m, t, eps, keep));
  gc_ctx c = {m, x, y, 2 * NV};
  loss_of(&c);
  const size_t np = nn_model_param_count(m);
  float *g = malloc(np * sizeof(float));
  memcpy(g, nn_model_grads(m), np * sizeof(float));
  double worst = 0, total = 0;
  for (int k = 0; k < 6; k++) {
    ASSERT_OK(nn_model_param_find(m, names[k], &off, &n));
    for (size_t i = 0; i < n; i++) total += fabs(g[off + i]);
    double e = gc_check(loss_of, &c, p + off, n, g + off, 4e-4, 24, 1e-2, names[k]);
    if (e > worst) worst = e;
  }
  printf("time-embedding gradient: worst relative error %.3g, |grad| sum %.3g\n", worst, total);
  ASSERT(total > 1e-3);
  ASSERT(worst < 3e-2);
  free(g);
  nn_model_free(m);
}

// p_uncond = 1 drops every condition: the training loss no longer depends
// on x; with p_uncond = 0 it does.
TEST(condition_dropout) {
  static float x[2 * V], x2[2 * V], y[2 * V];
  fill(x, 2 * V, 1, 1.0), fill(y, 2 * V, 2, 0.5);
  for (int i = 0; i < 2 * V; i++) x2[i] = 3 * x[i] + 1;
  for (int drop = 0; drop <= 1; drop++) {
    float l1, l2;
    nn_model *a = small(1, "p_uncond", drop ? "1" : "0"), *b = small(1, "p_uncond", drop ? "1" : "0");
    ASSERT_OK(nn_train_step(a, x, y, NULL, 2, &l1));
    ASSERT_OK(nn_train_step(b, x2, y, NULL, 2, &l2));
    if (drop) ASSERT(l1 == l2);
    else ASSERT(fabs(l1 - l2) > 1e-4);
    nn_model_free(a), nn_model_free(b);
  }
}

TEST(sampling_determinism_padding_and_uncertainty) {
  enum { NX = 7, NY = 8, NZ = 3, NV = NX * NY * NZ }; // padded to 8x8x4
  static float x[2 * NV], out[NV], out2[NV], unc[NV];
  fill(x, 2 * NV, 9, 1.0);
  nn_model *m = small(2, "samples", "3");
  ASSERT_EQ(ASL_ENOTFOUND, nn_ddpm_last_uncertainty(m, NX, NY, NZ, unc));
  ASSERT_OK(nn_infer_volume(m, x, NX, NY, NZ, out));
  ASSERT_OK(nn_infer_volume(m, x, NX, NY, NZ, out2));
  ASSERT(memcmp(out, out2, sizeof out) == 0); // a fresh sampling stream per call
  ASSERT_OK(nn_ddpm_last_uncertainty(m, NX, NY, NZ, unc));
  ASSERT_EQ(ASL_ENOTFOUND, nn_ddpm_last_uncertainty(m, 9, NY, NZ, unc));
  double mean_sd = 0;
  for (int i = 0; i < NV; i++) {
    ASSERT(isfinite(out[i]) && unc[i] >= 0 && isfinite(unc[i]));
    mean_sd += unc[i] / NV;
  }
  ASSERT(mean_sd > 1e-3); // untrained: the three draws differ
  nn_model_free(m);
  // One sample: zero SD. Guidance and the DDPM sampler give other outputs.
  m = small(2, "samples", "1");
  ASSERT_OK(nn_infer_volume(m, x, NX, NY, NZ, out));
  ASSERT_OK(nn_ddpm_last_uncertainty(m, NX, NY, NZ, unc));
  for (int i = 0; i < NV; i++) ASSERT(unc[i] == 0.0f);
  nn_model_free(m);
  const char *keys[2] = {"guidance", "sampler"}, *vals[2] = {"2", "ddpm"};
  for (int k = 0; k < 2; k++) {
    m = small(2, keys[k], vals[k]);
    ASSERT_OK(nn_infer_volume(m, x, NX, NY, NZ, out2));
    double diff = 0;
    for (int i = 0; i < NV; i++) {
      ASSERT(isfinite(out2[i]));
      diff += fabs(out2[i] - out[i]);
    }
    ASSERT(diff > 1e-3);
    nn_model_free(m);
  }
}

TEST(checkpoint_round_trip_resumes_exactly) {
  static float x[2 * V], y[2 * V], out_a[V], out_b[V];
  fill(x, 2 * V, 1, 1.0), fill(y, 2 * V, 2, 0.5);
  nn_model *a = small(1, "p_uncond", "0.2"), *b = NULL;
  float la, lb;
  ASSERT_OK(nn_train_step(a, x, y, NULL, 2, &la));
  char path[] = "/tmp/test_ddpm3d_XXXXXX";
  int fd = mkstemp(path);
  ASSERT(fd >= 0);
  close(fd);
  ASSERT_OK(nn_checkpoint_save(a, path, 1, NULL, 0));
  int epoch;
  ASSERT_OK(nn_checkpoint_load(&b, path, &epoch, NULL, 0));
  unlink(path);
  ASSERT_STR_EQ("ddpm3d", nn_model_kind(b));
  ASSERT(memcmp(nn_model_params(a), nn_model_params(b), nn_model_param_count(a) * 4) == 0);
  // The next step draws the same t, noise and dropout in both.
  ASSERT_OK(nn_train_step(a, x, y, NULL, 2, &la));
  ASSERT_OK(nn_train_step(b, x, y, NULL, 2, &lb));
  ASSERT(la == lb);
  ASSERT_OK(nn_infer_volume(a, x, GX, GY, GZ, out_a));
  ASSERT_OK(nn_infer_volume(b, x, GX, GY, GZ, out_b));
  ASSERT(memcmp(out_a, out_b, sizeof out_a) == 0);
  // The evaluation loss uses a fixed stream: repeatable.
  ASSERT_OK(nn_eval_loss(a, x, y, NULL, 2, &la));
  ASSERT_OK(nn_eval_loss(a, x, y, NULL, 2, &lb));
  ASSERT(la == lb && la > 0);
  nn_model_free(a), nn_model_free(b);
}

int main(void) {
  nn_set_threads(1);
  RUN(architecture_and_defaults);
  RUN(parameter_errors_name_the_key);
  RUN(gradient_of_the_time_embedding_path);
  RUN(condition_dropout);
  RUN(sampling_determinism_padding_and_uncertainty);
  RUN(checkpoint_round_trip_resumes_exactly);
  return DONE();
}
