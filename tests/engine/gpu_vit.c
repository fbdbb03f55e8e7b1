// The ViT (vit3d) on CUDA against the CPU engine on the same weights: the
// forward pass, one training step (loss, output, the gradient of every
// tensor by name, the weights after Adam, the next evaluation), inference
// on a volume of another size (tiles on the device), bitwise reruns with
// dropout in deterministic mode, TF32/BF16 close to FP32, and a
// CUDA-trained checkpoint inferring the same on the CPU. Skips (exit 77)
// without a CUDA device.
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
#include "nn/model.h"
#include "smooth_data.h"

enum { B = 2, GX = 16, GY = 16, GZ = 8, V = GX * GY * GZ, DEPTH = 2 };
static float x[B * 2 * V], y[B * V], w[B * V];

static void make_batch(void) {
  smooth_data d = {GX, GY, GZ, 0.1, 0.3, 0.2};
  asl_rng r;
  asl_rng_seed(&r, 9);
  for (int b = 0; b < B; b++) {
    noisy_pair(&d, x + (size_t)b * 2 * V, y + (size_t)b * V, &r);
    smooth_volume(&d, x + (size_t)b * 2 * V + V, &r);
    for (int i = 0; i < V; i++) w[b * V + i] = (i % GX) < GX - 2;
  }
}

// 64 tokens of 4x4x2 voxels, 4 heads of 8 channels, two blocks. The
// decoder starts at zero (an untrained vit3d is the identity), so it gets
// small random weights here: every layer then shapes the output.
static nn_model *vit(float dropout) {
  const int grid[3] = {GX, GY, GZ};
  char dp[16];
  snprintf(dp, sizeof dp, "%g", dropout);
  nn_param p[] = {{"dim", "32"}, {"depth", "2"}, {"heads", "4"}, {"mlp_ratio", "2"},
                  {"patch", "4,4,2"}, {"dropout", dp}};
  nn_model *m = NULL;
  if (nn_model_create(&m, "vit3d", 2, grid, p, 6, 21)) return NULL;
  size_t off, n;
  if (nn_model_param_find(m, "head.weight", &off, &n)) return NULL;
  asl_rng r;
  asl_rng_seed(&r, 5);
  float *pw = nn_model_params(m);
  for (size_t i = 0; i < n; i++) pw[off + i] = (float)(0.05 * asl_rng_normal(&r));
  return m;
}

// The network's correction (output minus the ASL input channel), where the
// two devices' differences show against the size of what was computed.
static void correction(float *dst, const float *out) {
  for (int b = 0; b < B; b++)
    for (int i = 0; i < V; i++) dst[b * V + i] = out[b * V + i] - x[(size_t)b * 2 * V + i];
}

static void outputs_agree(nn_model *gpu, nn_model *cpu, const char *what) {
  static float cg[B * V], cc[B * V];
  correction(cg, nn_model_last_output(gpu));
  correction(cc, nn_model_last_output(cpu));
  double big = 0;
  for (int i = 0; i < B * V; i++) big = fmax(big, fabs(cc[i]));
  double e = fx_err(cg, cc, B * V, 1e-4 * big, 1e-4);
  if (e > 1) HARNESS_FAIL("%s: the correction differs from the CPU (%g x tol; largest |corr| %g)",
                          what, e, big);
}

static const char *const block_tensors[] = {
    "norm1.weight", "norm1.bias", "self_attn.in_proj_weight", "self_attn.in_proj_bias",
    "self_attn.out_proj.weight", "self_attn.out_proj.bias", "norm2.weight", "norm2.bias",
    "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"};
static const char *const outer_tensors[] = {"embed.weight", "embed.bias", "pos_embed",
                                            "norm.weight", "norm.bias", "head.weight",
                                            "head.bias"};

// One tensor's gradient: within 1e-3 of its largest value plus 1e-3
// relative; fails naming the tensor. Returns how many values it checked.
static size_t grad_agrees(nn_model *gpu, nn_model *cpu, const char *name) {
  size_t off, n;
  ASSERT_OK(nn_model_param_find(cpu, name, &off, &n));
  const float *gc = nn_model_grads(cpu) + off, *gg = nn_model_grads(gpu) + off;
  double big = 0;
  for (size_t i = 0; i < n; i++) big = fmax(big, fabs(gc[i]));
  double e = fx_err(gg, gc, n, 1e-3 * big + 1e-12, 1e-3);
  if (e > 1) HARNESS_FAIL("gradient of %s differs from the CPU (%g x tol; largest |g| %g)", name,
                          e, big);
  return n;
}

TEST(vit_forward_matches_cpu) {
  nn_model *cpu = vit(0), *gpu = vit(0);
  ASSERT(cpu && gpu);
  ASSERT_OK(nn_model_set_device(gpu, NN_DEVICE_CUDA));
  float lc, lg;
  for (int k = 0; k < 2; k++) { // batch B, then 1 (another plan)
    const int n = k ? 1 : B;
    ASSERT_OK(nn_eval_loss(cpu, x, y, w, n, &lc));
    ASSERT_OK(nn_eval_loss(gpu, x, y, w, n, &lg));
    if (fabs(lc - lg) > 1e-4 * fabs(lc)) HARNESS_FAIL("batch %d: loss cpu %.9g, cuda %.9g", n, lc, lg);
  }
  ASSERT_OK(nn_eval_loss(cpu, x, y, w, B, &lc));
  ASSERT_OK(nn_eval_loss(gpu, x, y, w, B, &lg));
  outputs_agree(gpu, cpu, "evaluation");
  nn_model_free(cpu);
  nn_model_free(gpu);
}

TEST(vit_train_step_matches_cpu) {
  nn_model *cpu = vit(0), *gpu = vit(0);
  ASSERT(cpu && gpu);
  ASSERT_OK(nn_model_set_device(gpu, NN_DEVICE_CUDA));
  float lc, lg;
  ASSERT_OK(nn_train_step(cpu, x, y, w, B, &lc));
  ASSERT_OK(nn_train_step(gpu, x, y, w, B, &lg));
  if (fabs(lc - lg) > 1e-4 * fabs(lc)) HARNESS_FAIL("loss cpu %.9g, cuda %.9g", lc, lg);
  outputs_agree(gpu, cpu, "training forward");
  size_t checked = 0;
  char name[96];
  for (int i = 0; i < DEPTH; i++)
    for (int t = 0; t < 12; t++) {
      snprintf(name, sizeof name, "blocks.%d.%s", i, block_tensors[t]);
      checked += grad_agrees(gpu, cpu, name);
    }
  for (int t = 0; t < 7; t++) checked += grad_agrees(gpu, cpu, outer_tensors[t]);
  const size_t P = nn_model_param_count(cpu);
  ASSERT_EQ((long long)P, (long long)checked);
  adam_step_agrees(gpu, cpu);
  eval_losses_agree(cpu, gpu, x, y, w, B, "loss after the step:");
  nn_model_free(cpu);
  nn_model_free(gpu);
}

// A volume of another size runs by overlapping grid tiles, each on the
// device; the average of the tiles as on the CPU.
TEST(vit_infer_tiled_matches_cpu) {
  nn_model *cpu = vit(0), *gpu = vit(0);
  ASSERT(cpu && gpu);
  ASSERT_OK(nn_model_set_device(gpu, NN_DEVICE_CUDA));
  enum { NX = 27, NY = 21, NZ = 11, NV = NX * NY * NZ };
  static float vol[2 * NV], oc[NV], og[NV];
  for (int i = 0; i < 2 * NV; i++) vol[i] = (float)sin(0.01 * i) + 1.0f;
  ASSERT_OK(nn_infer_volume(cpu, vol, NX, NY, NZ, oc));
  ASSERT_OK(nn_infer_volume(gpu, vol, NX, NY, NZ, og));
  print_largest_difference("vit tiled inference", og, oc, NV);
  double e = fx_err(og, oc, NV, 1e-5, 1e-4);
  if (e > 1) HARNESS_FAIL("tiled inference differs from the CPU (%g x tol)", e);
  nn_model_free(cpu);
  nn_model_free(gpu);
}

// Deterministic mode: the same seed and data give the same bytes, dropout
// included.
TEST(vit_cuda_rerun_is_bitwise_identical) {
  nn_model *a = vit(0.1f), *b = vit(0.1f);
  ASSERT(a && b);
  reruns_bitwise(a, b, 3, x, y, w, B);
  nn_model_free(a);
  nn_model_free(b);
}

// TF32 and BF16 GEMMs compute the same function to their precision, and
// BF16 reruns are bitwise equal.
TEST(vit_reduced_precision_close_to_fp32) {
  nn_model *a = vit(0), *t = vit(0), *h = vit(0), *h2 = vit(0);
  ASSERT(a && t && h && h2);
  ASSERT_OK(nn_model_set_precision(t, NN_PRECISION_TF32));
  ASSERT_OK(nn_model_set_precision(h, NN_PRECISION_BF16));
  ASSERT_OK(nn_model_set_precision(h2, NN_PRECISION_BF16));
  nn_model *all[4] = {a, t, h, h2};
  float l[4];
  for (int i = 0; i < 4; i++) {
    ASSERT_OK(nn_model_set_device(all[i], NN_DEVICE_CUDA));
    ASSERT_OK(nn_train_step(all[i], x, y, w, B, &l[i]));
  }
  if (fabs(l[1] - l[0]) > 2e-2 * fabs(l[0])) HARNESS_FAIL("TF32 loss %g, FP32 %g", l[1], l[0]);
  if (fabs(l[2] - l[0]) > 5e-2 * fabs(l[0])) HARNESS_FAIL("BF16 loss %g, FP32 %g", l[2], l[0]);
  if (memcmp(&l[2], &l[3], sizeof *l)) HARNESS_FAIL("BF16 reruns: loss %.9g and %.9g", l[2], l[3]);
  double e = fx_err(nn_model_last_output(h), nn_model_last_output(a), B * V, 0.1, 0.1);
  if (e > 1) HARNESS_FAIL("BF16 output too far from FP32 (%g x tol)", e);
  e = fx_err(nn_model_last_output(t), nn_model_last_output(a), B * V, 5e-2, 5e-2);
  if (e > 1) HARNESS_FAIL("TF32 output too far from FP32 (%g x tol)", e);
  for (int i = 0; i < 4; i++) nn_model_free(all[i]);
}

// A CUDA-trained ViT saves a normal checkpoint: the CPU infers from it what
// the GPU does, and resaves the same bytes.
TEST(vit_checkpoint_moves_between_devices) {
  char path[] = "/tmp/gpu_vit_ckpt_XXXXXX";
  tmp_path(path);
  nn_model *g = vit(0.1f);
  ASSERT(g);
  train_on_cuda(g, 2, x, y, w, B);
  nn_model *c = load_on_cpu(g, path, 2);
  eval_losses_agree(c, g, x, y, w, B, "loss");
  outputs_agree(g, c, "checkpoint");
  unlink(path);
  nn_model_free(c);
  nn_model_free(g);
}

int main(int argc, char **argv) {
  if (!gpu_start(argc, argv)) return GPU_SKIP;
  make_batch();
  RUN_IF(vit_forward_matches_cpu);
  RUN_IF(vit_train_step_matches_cpu);
  RUN_IF(vit_infer_tiled_matches_cpu);
  RUN_IF(vit_cuda_rerun_is_bitwise_identical);
  RUN_IF(vit_reduced_precision_close_to_fp32);
  RUN_IF(vit_checkpoint_moves_between_devices);
  return DONE();
}
