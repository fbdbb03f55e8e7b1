// The diffusion model (ddpm3d) with its U-Net on CUDA against the CPU
// engine on the same weights and the same fixed draws: one training step
// (loss, every gradient -- the U-Net's and the time MLP's, which flows back
// through the channel-bias hook --, BN statistics, the weights after Adam),
// the evaluation loss, sampling with guidance and two samples (prediction
// and uncertainty), bitwise reruns with dropout, and a CUDA-trained
// checkpoint on the CPU. Skips (exit 77) without a CUDA device.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "gpu_check.h"
#include "gpu_skip.h"
#include "harness.h"
#include "nn/device.h"
#include "nn/diffusion.h"
#include "nn/model.h"
#include "smooth_data.h"

enum { B = 2, GX = 16, GY = 16, GZ = 8, V = GX * GY * GZ };
static float x[B * 2 * V], y[B * V], w[B * V], eps[B * V];
static const int t_fixed[B] = {3, 41};
static const float keep[B] = {1.0f, 0.0f};

static void make_batch(void) {
  smooth_data d = {GX, GY, GZ, 0.1, 0.3, 0.2};
  asl_rng r;
  asl_rng_seed(&r, 13);
  for (int b = 0; b < B; b++) {
    noisy_pair(&d, x + (size_t)b * 2 * V, y + (size_t)b * V, &r);
    smooth_volume(&d, x + (size_t)b * 2 * V + V, &r);
    for (int i = 0; i < V; i++) w[b * V + i] = (i % GX) < GX - 2;
  }
  for (int i = 0; i < B * V; i++) eps[i] = (float)asl_rng_normal(&r);
}

// A small U-Net body (4 channels, depth 2), 50 linear-schedule timesteps,
// DDIM over 5 of them with guidance 1 and two samples.
static nn_model *ddpm(float dropout, int fixed) {
  const int grid[3] = {GX, GY, GZ};
  char dp[16];
  snprintf(dp, sizeof dp, "%g", dropout);
  nn_param p[] = {{"base_channels", "4"}, {"depth", "2"}, {"dropout", dp},
                  {"timesteps", "50"},    {"schedule", "linear"}, {"sample_steps", "5"},
                  {"samples", "2"},       {"guidance", "1"},      {"p_uncond", "0.2"}};
  nn_model *m = NULL;
  if (nn_model_create(&m, "ddpm3d", 2, grid, p, 9, 31)) return NULL;
  if (fixed && nn_ddpm_set_draw(m, t_fixed, eps, keep)) return NULL;
  return m;
}

// Values [off, off + n) of two arrays within 1e-3 of the largest plus 1e-3
// relative; fails naming the range and the worst index.
static void range_agrees(const float *g, const float *c, size_t off, size_t n, const char *what) {
  double big = 0, worst = 0;
  size_t at = off;
  for (size_t i = off; i < off + n; i++) big = fmax(big, fabs(c[i]));
  for (size_t i = off; i < off + n; i++) {
    const double e = fabs((double)g[i] - c[i]) / (1e-3 * big + 1e-12 + 1e-3 * fabs(c[i]));
    if (e > worst || e != e) worst = e != e ? 1e30 : e, at = i;
  }
  if (worst > 1)
    HARNESS_FAIL("%s differs from the CPU: %g x tol at index %zu (cuda %.9g, cpu %.9g, largest %g)",
                 what, worst, at, g[at], c[at], big);
}

TEST(ddpm_train_step_matches_cpu) {
  nn_model *cpu = ddpm(0, 1), *gpu = ddpm(0, 1);
  ASSERT(cpu && gpu);
  ASSERT_OK(nn_model_set_device(gpu, NN_DEVICE_CUDA));
  ASSERT_EQ(NN_DEVICE_CUDA, nn_model_device(gpu));
  float lc, lg;
  ASSERT_OK(nn_train_step(cpu, x, y, w, B, &lc));
  ASSERT_OK(nn_train_step(gpu, x, y, w, B, &lg));
  if (fabs(lc - lg) > 1e-4 * fabs(lc)) HARNESS_FAIL("loss cpu %.9g, cuda %.9g", lc, lg);
  double e = fx_err(nn_model_last_output(gpu), nn_model_last_output(cpu), B * V, 1e-4, 1e-4);
  if (e > 1) HARNESS_FAIL("prediction differs from the CPU (%g x tol)", e);
  size_t mlp, n;
  ASSERT_OK(nn_model_param_find(cpu, "temb.fc1.weight", &mlp, &n));
  const float *gc = nn_model_grads(cpu), *gg = nn_model_grads(gpu);
  range_agrees(gg, gc, 0, mlp, "U-Net gradient");
  const char *temb[] = {"temb.fc1.weight", "temb.fc1.bias", "temb.fc2.weight",
                        "temb.fc2.bias",   "temb.out.weight", "temb.out.bias"};
  for (int i = 0; i < 6; i++) {
    size_t off;
    ASSERT_OK(nn_model_param_find(cpu, temb[i], &off, &n));
    range_agrees(gg, gc, off, n, temb[i]);
  }
  ASSERT(n_buffers(cpu) > 0);
  range_agrees(nn_model_buffers(gpu), nn_model_buffers(cpu), 0, n_buffers(cpu), "BN statistics");
  adam_step_agrees(gpu, cpu);
  eval_losses_agree(cpu, gpu, x, y, w, B, "evaluation loss");
  nn_model_free(cpu);
  nn_model_free(gpu);
}

// Sampling: the same chain (the draws are the host's), every noise
// prediction on the device; mean and SD of two guided samples.
TEST(ddpm_sampling_matches_cpu) {
  nn_model *cpu = ddpm(0, 0), *gpu = ddpm(0, 0);
  ASSERT(cpu && gpu);
  ASSERT_OK(nn_model_set_device(gpu, NN_DEVICE_CUDA));
  float lc, lg;
  ASSERT_OK(nn_train_step(cpu, x, y, w, B, &lc)); // BN statistics and weights off their start
  ASSERT_OK(nn_train_step(gpu, x, y, w, B, &lg));
  static float oc[V], og[V], uc[V], ug[V];
  ASSERT_OK(nn_infer_volume(cpu, x, GX, GY, GZ, oc));
  ASSERT_OK(nn_infer_volume(gpu, x, GX, GY, GZ, og));
  print_largest_difference("ddpm sampling", og, oc, V);
  double e = fx_err(og, oc, V, 1e-3, 1e-3);
  if (e > 1) HARNESS_FAIL("sampled prediction differs from the CPU (%g x tol)", e);
  ASSERT_OK(nn_ddpm_last_uncertainty(cpu, GX, GY, GZ, uc));
  ASSERT_OK(nn_ddpm_last_uncertainty(gpu, GX, GY, GZ, ug));
  e = fx_err(ug, uc, V, 1e-3, 1e-2);
  if (e > 1) HARNESS_FAIL("uncertainty differs from the CPU (%g x tol)", e);
  nn_model_free(cpu);
  nn_model_free(gpu);
}

TEST(ddpm_cuda_rerun_is_bitwise_identical) {
  nn_model *a = ddpm(0.1f, 0), *b = ddpm(0.1f, 0);
  ASSERT(a && b);
  reruns_bitwise(a, b, 2, x, y, w, B);
  nn_model_free(a);
  nn_model_free(b);
}

// Trained with its U-Net on the GPU, saved, loaded on the CPU: the same
// weights and BN statistics, the same evaluation loss.
TEST(ddpm_checkpoint_moves_between_devices) {
  char path[] = "/tmp/gpu_ddpm_ckpt_XXXXXX";
  tmp_path(path);
  nn_model *g = ddpm(0, 1);
  ASSERT(g);
  train_on_cuda(g, 2, x, y, w, B);
  nn_model *c = load_on_cpu(g, path, 1);
  ASSERT_OK(nn_ddpm_set_draw(c, t_fixed, eps, keep));
  ASSERT(n_buffers(c) > 0);
  ASSERT(memcmp(nn_model_buffers(c), nn_model_buffers(g), n_buffers(c) * sizeof(float)) == 0);
  eval_losses_agree(c, g, x, y, w, B, "loss");
  unlink(path);
  nn_model_free(c);
  nn_model_free(g);
}

int main(int argc, char **argv) {
  if (!gpu_start(argc, argv)) return GPU_SKIP;
  make_batch();
  RUN_IF(ddpm_train_step_matches_cpu);
  RUN_IF(ddpm_sampling_matches_cpu);
  RUN_IF(ddpm_cuda_rerun_is_bitwise_identical);
  RUN_IF(ddpm_checkpoint_moves_between_devices);
  return DONE();
}
