// The U-Net on CUDA against the CPU engine and PyTorch: one training step
// (loss, output, every gradient, the weights after Adam, BN statistics),
// inference on an odd-sized volume, bitwise reruns in deterministic mode,
// TF32 within its precision, and checkpoints moving between devices.
// Skips (exit 77) without a CUDA device.
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

enum { B = 2, GX = 32, GY = 32, GZ = 16 };
static float x[B * 2 * GX * GY * GZ], y[B * GX * GY * GZ], w[B * GX * GY * GZ];

static void make_batch(void) {
  smooth_data d = {GX, GY, GZ, 0.1, 0.3, 0.2};
  asl_rng r;
  asl_rng_seed(&r, 7);
  const int V = GX * GY * GZ;
  for (int b = 0; b < B; b++) {
    noisy_pair(&d, x + (size_t)b * 2 * V, y + (size_t)b * V, &r);
    smooth_volume(&d, x + (size_t)b * 2 * V + V, &r); // an M0-like channel
    for (int i = 0; i < V; i++) w[b * V + i] = (i % GX) < GX - 3; // padding
  }
}

static nn_model *unet(float dropout, int depth) {
  const int grid[3] = {GX, GY, GZ};
  char dp[16], dd[8];
  snprintf(dp, sizeof dp, "%g", dropout);
  snprintf(dd, sizeof dd, "%d", depth);
  nn_param p[] = {{"base_channels", "8"}, {"depth", dd}, {"dropout", dp}};
  nn_model *m = NULL;
  if (nn_model_create(&m, "unet3d", 2, grid, p, 3, 11)) return NULL;
  return m;
}

TEST(unet_train_step_matches_cpu) {
  nn_model *cpu = unet(0, 3), *gpu = unet(0, 3);
  ASSERT(cpu && gpu);
  ASSERT_OK(nn_model_set_device(gpu, NN_DEVICE_CUDA));
  ASSERT_EQ(NN_DEVICE_CUDA, nn_model_device(gpu));
  float lc, lg;
  ASSERT_OK(nn_train_step(cpu, x, y, w, B, &lc));
  ASSERT_OK(nn_train_step(gpu, x, y, w, B, &lg));
  ASSERT_NEAR(lc, lg, 1e-4 * fabs(lc));
  const size_t V = (size_t)B * GX * GY * GZ, P = nn_model_param_count(cpu);
  double e = fx_err(nn_model_last_output(gpu), nn_model_last_output(cpu), V, 1e-5, 1e-4);
  if (e > 1) HARNESS_FAIL("output differs from the CPU (%g x tol)", e);
  e = fx_err(nn_model_grads(gpu), nn_model_grads(cpu), P, 1e-5, 2e-3);
  if (e > 1) HARNESS_FAIL("gradients differ from the CPU (%g x tol)", e);
  // After one Adam step each weight moved by about +-lr: compare to lr/50,
  // except where the gradient is within the gradient tolerance of 0 (its
  // sign, and so the step's direction, may differ).
  const float *pc = nn_model_params(cpu), *pg = nn_model_params(gpu), *g = nn_model_grads(cpu);
  for (size_t i = 0; i < P; i++) {
    double tol = fabs(g[i]) < 2e-5 ? 2.5e-3 : 2e-5;
    if (fabs((double)pc[i] - pg[i]) > tol)
      HARNESS_FAIL("weight %zu after the step: cpu %g, cuda %g", i, pc[i], pg[i]);
  }
  e = fx_err(nn_model_buffers(gpu), nn_model_buffers(cpu), n_buffers(cpu), 1e-6, 1e-5);
  if (e > 1) HARNESS_FAIL("BN running statistics differ from the CPU (%g x tol)", e);
  float ec, eg; // next forward in eval mode: BN running statistics in use
  ASSERT_OK(nn_eval_loss(cpu, x, y, w, B, &ec));
  ASSERT_OK(nn_eval_loss(gpu, x, y, w, B, &eg));
  ASSERT_NEAR(ec, eg, 1e-4 * fabs(ec));
  nn_model_free(cpu);
  nn_model_free(gpu);
}

// nn_eval_loss on CUDA sums the loss on the device and brings the
// prediction down only when nn_model_last_output asks: against the CPU at
// the batch, at batch 1 (another plan) and at the batch again; then a
// training step (the training plan, with shared gradient memory) and an
// evaluation through that plan, as unet_train_step_matches_cpu checks it.
// The resident timing runs the same evaluation and is refused on the CPU.
TEST(unet_eval_on_device_matches_cpu) {
  nn_model *cpu = unet(0, 3), *gpu = unet(0, 3);
  ASSERT(cpu && gpu);
  ASSERT_OK(nn_model_set_device(gpu, NN_DEVICE_CUDA));
  float lc, lg;
  const size_t V = (size_t)GX * GY * GZ;
  const int batches[3] = {B, 1, B};
  for (int k = 0; k < 3; k++) {
    const int n = batches[k];
    ASSERT_OK(nn_eval_loss(cpu, x, y, k == 1 ? NULL : w, n, &lc));
    ASSERT_OK(nn_eval_loss(gpu, x, y, k == 1 ? NULL : w, n, &lg));
    ASSERT_NEAR(lc, lg, 1e-4 * fabs(lc));
    double e = fx_err(nn_model_last_output(gpu), nn_model_last_output(cpu), n * V, 1e-5, 1e-4);
    if (e > 1) HARNESS_FAIL("evaluation %d: prediction differs from the CPU (%g x tol)", k, e);
  }
  double sec = 0;
  ASSERT_OK(nn_model_time_eval_resident(gpu, x, y, B, 3, &sec));
  ASSERT(sec > 0 && sec < 10);
  ASSERT_EQ(ASL_EUNSUPPORTED, nn_model_time_eval_resident(cpu, x, y, B, 3, &sec));
  ASSERT_OK(nn_train_step(cpu, x, y, w, B, &lc));
  ASSERT_OK(nn_train_step(gpu, x, y, w, B, &lg));
  ASSERT_NEAR(lc, lg, 1e-4 * fabs(lc));
  ASSERT_OK(nn_eval_loss(cpu, x, y, w, B, &lc));
  ASSERT_OK(nn_eval_loss(gpu, x, y, w, B, &lg));
  ASSERT_NEAR(lc, lg, 1e-4 * fabs(lc));
  nn_model_free(cpu);
  nn_model_free(gpu);
}

TEST(unet_infer_odd_volume_matches_cpu) {
  nn_model *cpu = unet(0.1f, 3), *gpu = unet(0.1f, 3);
  ASSERT(cpu && gpu);
  ASSERT_OK(nn_model_set_device(gpu, NN_DEVICE_CUDA));
  enum { NX = 37, NY = 29, NZ = 11 };
  static float vol[2 * NX * NY * NZ], oc[NX * NY * NZ], og[NX * NY * NZ];
  for (int i = 0; i < 2 * NX * NY * NZ; i++) vol[i] = (float)sin(0.01 * i) + 1.0f;
  ASSERT_OK(nn_infer_volume(cpu, vol, NX, NY, NZ, oc));
  ASSERT_OK(nn_infer_volume(gpu, vol, NX, NY, NZ, og));
  double e = fx_err(og, oc, NX * NY * NZ, 1e-5, 1e-4);
  if (e > 1) HARNESS_FAIL("inference differs from the CPU (%g x tol)", e);
  nn_model_free(cpu);
  nn_model_free(gpu);
}

// Deterministic mode (the default): the same seed and data give the same
// bytes, dropout included.
TEST(unet_cuda_rerun_is_bitwise_identical) {
  nn_model *a = unet(0.1f, 3), *b = unet(0.1f, 3);
  ASSERT(a && b);
  reruns_bitwise(a, b, 3, x, y, w, B);
  ASSERT(n_buffers(a) > 0);
  ASSERT(memcmp(nn_model_buffers(a), nn_model_buffers(b), n_buffers(a) * sizeof(float)) == 0);
  nn_model_free(a);
  nn_model_free(b);
}

// TF32 convolutions (10-bit mantissas, ~1e-3 relative per product) compute
// the same function: loss and output within a few percent of FP32.
TEST(unet_tf32_step_close_to_fp32) {
  nn_model *a = unet(0, 3), *b = unet(0, 3);
  ASSERT(a && b);
  ASSERT_OK(nn_model_set_precision(b, NN_PRECISION_TF32));
  ASSERT_OK(nn_model_set_device(a, NN_DEVICE_CUDA));
  ASSERT_OK(nn_model_set_device(b, NN_DEVICE_CUDA));
  float la, lb;
  ASSERT_OK(nn_train_step(a, x, y, w, B, &la));
  ASSERT_OK(nn_train_step(b, x, y, w, B, &lb));
  ASSERT_NEAR(la, lb, 2e-2 * fabs(la));
  const size_t V = (size_t)B * GX * GY * GZ;
  double e = fx_err(nn_model_last_output(b), nn_model_last_output(a), V, 5e-2, 5e-2);
  if (e > 1) HARNESS_FAIL("TF32 output too far from FP32 (%g x tol)", e);
  nn_model_free(a);
  nn_model_free(b);
}

// BF16 convolutions with FP32 master weights: the same function to bfloat16
// precision (8-bit mantissas), and bitwise reproducible. The outputs are
// compared on the first step, where both models hold the same weights; after
// that, Adam's nearly sign-sized steps flip wherever a gradient is near zero
// and the two runs drift apart by design (the first H200 run saw 2.4x the
// output tolerance after two steps), so the second step checks only the
// loss, the master weights to a few learning rates, and reproducibility.
TEST(unet_bf16_step_close_to_fp32_and_reproducible) {
  nn_model *a = unet(0, 3), *b = unet(0, 3), *b2 = unet(0, 3);
  ASSERT(a && b && b2);
  ASSERT_OK(nn_model_set_precision(b, NN_PRECISION_BF16));
  ASSERT_OK(nn_model_set_precision(b2, NN_PRECISION_BF16));
  ASSERT_OK(nn_model_set_device(a, NN_DEVICE_CUDA));
  ASSERT_OK(nn_model_set_device(b, NN_DEVICE_CUDA));
  ASSERT_OK(nn_model_set_device(b2, NN_DEVICE_CUDA));
  const size_t V = (size_t)B * GX * GY * GZ, P = nn_model_param_count(a);
  float la, lb, lb2;
  for (int s = 0; s < 2; s++) {
    ASSERT_OK(nn_train_step(a, x, y, w, B, &la));
    ASSERT_OK(nn_train_step(b, x, y, w, B, &lb));
    ASSERT_OK(nn_train_step(b2, x, y, w, B, &lb2));
    ASSERT_NEAR(la, lb, 5e-2 * fabs(la));
    ASSERT(memcmp(&lb, &lb2, sizeof lb) == 0);
    if (s == 0) {
      double e = fx_err(nn_model_last_output(b), nn_model_last_output(a), V, 0.1, 0.1);
      if (e > 1) HARNESS_FAIL("BF16 output too far from FP32 on equal weights (%g x tol)", e);
    }
  }
  double e = fx_err(nn_model_params(b), nn_model_params(a), P, 5e-3, 0);
  if (e > 1) HARNESS_FAIL("BF16 weights after two steps too far from FP32 (%g x tol)", e);
  ASSERT(memcmp(nn_model_params(b), nn_model_params(b2), P * sizeof(float)) == 0);
  ASSERT(memcmp(nn_model_last_output(b), nn_model_last_output(b2), V * sizeof(float)) == 0);
  nn_model_free(a);
  nn_model_free(b);
  nn_model_free(b2);
}

// A CUDA-trained model saves a normal checkpoint: it loads on the CPU with
// the same bytes and, moved back to CUDA, continues bitwise as the model
// that never left.
TEST(checkpoint_moves_between_devices) {
  char path[] = "/tmp/gpu_ckpt_XXXXXX";
  tmp_path(path);
  nn_model *g = unet(0.1f, 2);
  ASSERT(g);
  train_on_cuda(g, 2, x, y, w, B);
  float l, l2;
  nn_model *c = load_on_cpu(g, path, 3);
  const size_t P = nn_model_param_count(g);
  eval_losses_agree(c, g, x, y, w, B, "loss");
  ASSERT_OK(nn_model_set_device(c, NN_DEVICE_CUDA));
  ASSERT_OK(nn_train_step(g, x, y, w, B, &l));
  ASSERT_OK(nn_train_step(c, x, y, w, B, &l2));
  ASSERT(memcmp(&l, &l2, sizeof l) == 0);
  ASSERT(memcmp(nn_model_params(c), nn_model_params(g), P * sizeof(float)) == 0);
  // Back to the CPU: the host arrays hold the device's latest values.
  ASSERT_OK(nn_model_set_device(c, NN_DEVICE_CPU));
  ASSERT(nn_model_device_bytes(c) == 0);
  ASSERT(memcmp(nn_model_params(c), nn_model_params(g), P * sizeof(float)) == 0);
  ASSERT_OK(nn_train_step(c, x, y, w, B, &l2)); // and trains there
  unlink(path);
  nn_model_free(c);
  nn_model_free(g);
}

enum { NX = 37, NY = 29, NZ = 11, NV = NX * NY * NZ };
static float vol[2 * NV];

// Inference of `a` and `b` on the odd volume agree within atol + rtol |b|
// (prints the largest differences, the figures docs/gpu.md quotes).
static void infer_agrees(nn_model *a, nn_model *b, const char *what) {
  static float oa[NV], ob[NV];
  for (int i = 0; i < 2 * NV; i++) vol[i] = (float)sin(0.01 * i) + 1.0f;
  ASSERT_OK(nn_infer_volume(a, vol, NX, NY, NZ, oa));
  ASSERT_OK(nn_infer_volume(b, vol, NX, NY, NZ, ob));
  double dmax = 0, rmax = 0;
  size_t at = 0;
  for (size_t i = 0; i < NV; i++) {
    double d = fabs((double)oa[i] - ob[i]), r = d / (fabs((double)ob[i]) + 1e-30);
    if (d > dmax) dmax = d, at = i;
    if (r > rmax && fabs((double)ob[i]) > 1e-3) rmax = r;
  }
  printf("%s: largest |difference| %.3g at voxel %zu (%g vs %g), largest relative %.3g\n",
         what, dmax, at, oa[at], ob[at], rmax);
  double e = fx_err(oa, ob, NV, 1e-5, 1e-4);
  if (e > 1) HARNESS_FAIL("%s: inference differs (%g x the tolerance 1e-5 + 1e-4 |x|)", what, e);
}

// Checkpoints do not depend on the device: a model trained on CUDA, saved,
// loads on the CPU and on a fresh CUDA model, both infer what the trained
// model infers (CPU within 1e-5 + 1e-4 |x|, CUDA bitwise), and the CPU copy
// saves the same bytes; the reverse for a CPU-trained model.
TEST(checkpoint_infers_the_same_on_either_device) {
  char pg[] = "/tmp/gpu_ckpt_g_XXXXXX", pc[] = "/tmp/gpu_ckpt_c_XXXXXX";
  char re[] = "/tmp/gpu_ckpt_r_XXXXXX";
  tmp_path(pg), tmp_path(pc), tmp_path(re);
  nn_model *g = unet(0.1f, 3), *c0 = unet(0.1f, 3), *c = NULL, *g2 = NULL;
  ASSERT(g && c0);
  ASSERT_OK(nn_model_set_device(g, NN_DEVICE_CUDA));
  float l;
  for (int s = 0; s < 3; s++) {
    ASSERT_OK(nn_train_step(g, x, y, w, B, &l));
    ASSERT_OK(nn_train_step(c0, x, y, w, B, &l));
  }
  int epoch;
  // CUDA-trained -> CPU and -> a fresh CUDA model.
  ASSERT_OK(nn_checkpoint_save(g, pg, 1, NULL, 0));
  ASSERT_OK(nn_checkpoint_load(&c, pg, &epoch, NULL, 0));
  ASSERT_OK(nn_checkpoint_load(&g2, pg, &epoch, NULL, 0));
  ASSERT_OK(nn_model_set_device(g2, NN_DEVICE_CUDA));
  ASSERT_EQ(NN_DEVICE_CPU, nn_model_device(c));
  infer_agrees(g, c, "cuda-trained: cuda vs cpu");
  infer_agrees(g2, c, "cuda-trained: reloaded cuda vs cpu");
  static float o1[NV], o2[NV];
  ASSERT_OK(nn_infer_volume(g, vol, NX, NY, NZ, o1));
  ASSERT_OK(nn_infer_volume(g2, vol, NX, NY, NZ, o2));
  if (memcmp(o1, o2, sizeof o1) != 0) HARNESS_FAIL("reloaded CUDA model infers other bits");
  ASSERT_OK(nn_checkpoint_save(c, re, 1, NULL, 0));
  same_file(pg, re, "cuda checkpoint resaved from the cpu");
  nn_model_free(c);
  nn_model_free(g2);
  // CPU-trained -> CUDA.
  ASSERT_OK(nn_checkpoint_save(c0, pc, 1, NULL, 0));
  ASSERT_OK(nn_checkpoint_load(&g2, pc, &epoch, NULL, 0));
  ASSERT_OK(nn_model_set_device(g2, NN_DEVICE_CUDA));
  infer_agrees(g2, c0, "cpu-trained: cuda vs cpu");
  ASSERT_OK(nn_checkpoint_save(g2, re, 1, NULL, 0));
  same_file(pc, re, "cpu checkpoint resaved from cuda");
  unlink(pg), unlink(pc), unlink(re);
  nn_model_free(g2);
  nn_model_free(c0);
  nn_model_free(g);
}

// ---- the committed PyTorch fixture (tests/engine/test_torch_unet.c) -------
static fx_file fx;

static void load_fixture_weights(nn_model *m) {
  int n = 0;
  for (int i = 0; i < fx.count; i++)
    if (strncmp(fx.names[i], "init.", 5) == 0) {
      size_t off, cnt, fn;
      ASSERT_OK(nn_model_param_find(m, fx.names[i] + 5, &off, &cnt));
      const float *src = fx_get(&fx, fx.names[i], &fn);
      ASSERT(cnt == fn);
      memcpy(nn_model_params(m) + off, src, cnt * sizeof(float));
      n++;
    }
  ASSERT_EQ(62, n);
}

TEST(unet_cuda_adam_step_matches_pytorch) {
  const int grid[3] = {16, 16, 8};
  nn_param p[] = {{"base_channels", "4"}, {"depth", "3"}, {"dropout", "0"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "unet3d", 2, grid, p, 3, 1));
  ASSERT_OK(nn_model_set_device(m, NN_DEVICE_CUDA));
  load_fixture_weights(m); // written through the host view, uploaded next call
  const float *fxx = fx_get(&fx, "unet.x", NULL), *fxy = fx_get(&fx, "unet.y", NULL);
  const float *fxw = fx_get(&fx, "unet.w", NULL);
  float loss;
  ASSERT_OK(nn_train_step(m, fxx, fxy, fxw, 2, &loss));
  ASSERT_NEAR(fx_get(&fx, "step0.loss", NULL)[0], loss, 1e-5);
  size_t n;
  const float *want = fx_get(&fx, "step0.out", &n);
  double e = fx_err(nn_model_last_output(m), want, n, 1e-5, 1e-4);
  if (e > 1) HARNESS_FAIL("output differs from PyTorch (%g x tol)", e);
  int checked = 0;
  for (int i = 0; i < fx.count; i++) {
    const char *name = fx.names[i];
    size_t off, cnt;
    if (strncmp(name, "grad.", 5) == 0) {
      ASSERT_OK(nn_model_param_find(m, name + 5, &off, &cnt));
      e = fx_err(nn_model_grads(m) + off, fx.data[i], cnt, 1e-5, 2e-3);
      if (e > 1) HARNESS_FAIL("gradient %s differs from PyTorch (%g x tol)", name + 5, e);
      checked++;
    } else if (strncmp(name, "final.", 6) == 0 && strstr(name, "running_")) {
      ASSERT_OK(nn_model_param_find(m, name + 6, &off, &cnt));
      e = fx_err(nn_model_buffers(m) + off, fx.data[i], cnt, 1e-6, 1e-5);
      if (e > 1) HARNESS_FAIL("%s differs from PyTorch (%g x tol)", name + 6, e);
      checked++;
    } else if (strncmp(name, "final.", 6) == 0) {
      // One Adam step moves a weight by +-lr unless its gradient is float
      // noise (as in test_torch_unet.c).
      char gname[96];
      snprintf(gname, sizeof gname, "grad.%s", name + 6);
      const float *g = fx_get(&fx, gname, NULL);
      ASSERT_OK(nn_model_param_find(m, name + 6, &off, &cnt));
      const float *have = nn_model_params(m) + off;
      for (size_t k = 0; k < cnt; k++) {
        double tol = fabs(g[k]) < 1e-6 ? 2.5e-3 : 2e-6;
        if (fabs((double)have[k] - fx.data[i][k]) > tol)
          HARNESS_FAIL("%s[%zu] after the step: %g, PyTorch %g", name + 6, k,
                       have[k], fx.data[i][k]);
      }
      checked++;
    }
  }
  ASSERT_EQ(62 + 62 + 2 * 18, checked);
  ASSERT_OK(nn_model_compute_gradients(m, fxx, fxy, fxw, 2, &loss));
  ASSERT_NEAR(fx_get(&fx, "step1.loss", NULL)[0], loss, 1e-4);
  nn_model_free(m);
}

int main(int argc, char **argv) {
  if (!gpu_start(argc, argv)) return GPU_SKIP;
  make_batch();
  if (fx_load(&fx, "unet_step.bin")) return 1;
  RUN_IF(unet_train_step_matches_cpu);
  RUN_IF(unet_eval_on_device_matches_cpu);
  RUN_IF(unet_infer_odd_volume_matches_cpu);
  RUN_IF(unet_cuda_rerun_is_bitwise_identical);
  RUN_IF(unet_tf32_step_close_to_fp32);
  RUN_IF(unet_bf16_step_close_to_fp32_and_reproducible);
  RUN_IF(checkpoint_moves_between_devices);
  RUN_IF(checkpoint_infers_the_same_on_either_device);
  RUN_IF(unet_cuda_adam_step_matches_pytorch);
  fx_free(&fx);
  return DONE();
}
