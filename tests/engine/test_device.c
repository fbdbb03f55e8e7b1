// The device seam as every build sees it: names parse with clear errors,
// kinds without a CUDA implementation are refused by name, and a model
// whose move to CUDA fails (no CUDA built in, no device) stays usable on
// the CPU. The CUDA results themselves are tested by gpu_unet/gpu_layers.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpu_check.h"
#include "harness.h"
#include "nn/desc.h"
#include "nn/device.h"
#include "nn/model.h"

TEST(device_names_parse) {
  nn_device d;
  nn_precision p;
  ASSERT_OK(nn_device_parse("cuda", &d));
  ASSERT_EQ(NN_DEVICE_CUDA, d);
  ASSERT_OK(nn_device_parse("cpu", &d));
  ASSERT_EQ(NN_DEVICE_CPU, d);
  ASSERT_EQ(ASL_EINVAL, nn_device_parse("gpu", &d));
  ASSERT(strstr(asl_error_message(), "allowed: cpu, cuda"));
  ASSERT_OK(nn_precision_parse("tf32", &p));
  ASSERT_EQ(NN_PRECISION_TF32, p);
  ASSERT_OK(nn_precision_parse("bf16", &p));
  ASSERT_EQ(NN_PRECISION_BF16, p);
  ASSERT_STR_EQ("bf16", nn_precision_name(p));
  ASSERT_EQ(ASL_EINVAL, nn_precision_parse("fp16", &p));
  ASSERT(strstr(asl_error_message(), "fp32, tf32, bf16"));
  ASSERT_STR_EQ("cuda", nn_device_name(NN_DEVICE_CUDA));
  ASSERT_STR_EQ("fp32", nn_precision_name(NN_PRECISION_FP32));
}

// Refused by name (CUDA covers the U-Net, the ViT and the diffusion model's
// U-Net), and still a CPU model.
static void expect_cpu_only(nn_model *m, const char *kind) {
  ASSERT_EQ(ASL_EUNSUPPORTED, nn_model_set_device(m, NN_DEVICE_CUDA));
  ASSERT(strstr(asl_error_message(), kind));
  ASSERT_EQ(NN_DEVICE_CPU, nn_model_device(m));
  ASSERT_OK(nn_model_set_device(m, NN_DEVICE_CPU));
  nn_model_free(m);
}

TEST(cpu_only_kinds_refused_on_cuda) {
  const int grid[3] = {8, 8, 8};
  nn_param g[] = {{"sigma", "1"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "gaussian", 1, grid, g, 1, 1));
  expect_cpu_only(m, "gaussian");
}

// Which kinds can run on CUDA is a descriptor property (the sweep's
// executor reads it to fail jobs of other kinds on a cuda spec).
TEST(cuda_capability_in_the_descriptor) {
  ASSERT_EQ(1, nn_model_desc_find("unet3d")->cuda);
  ASSERT_EQ(1, nn_model_desc_find("vit3d")->cuda);
  ASSERT_EQ(1, nn_model_desc_find("ddpm3d")->cuda);
  const char *cpu_only[] = {"gaussian", "identity", "nlm"};
  for (int i = 0; i < 3; i++) {
    const nn_model_desc *d = nn_model_desc_find(cpu_only[i]);
    ASSERT(d != NULL);
    ASSERT_EQ(0, d->cuda);
  }
}

// The resident timing is for CUDA models only; on the CPU it says so.
TEST(resident_timing_refused_on_cpu) {
  const int grid[3] = {16, 16, 16};
  nn_param p[] = {{"base_channels", "2"}, {"depth", "2"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "unet3d", 1, grid, p, 2, 1));
  static float x[16 * 16 * 16], y[16 * 16 * 16];
  double sec = -1;
  ASSERT_EQ(ASL_EUNSUPPORTED, nn_model_time_eval_resident(m, x, y, 1, 3, &sec));
  ASSERT(strstr(asl_error_message(), "unet3d"));
  ASSERT(sec == -1);
  nn_model_free(m);
}

// A tool's default device applies at creation: a CPU-only kind is refused
// there with its name, and the default back to cpu creates it again.
TEST(default_device_applies_at_creation) {
  const int grid[3] = {8, 8, 8};
  nn_param g[] = {{"sigma", "1"}};
  nn_model *m = (nn_model *)1;
  nn_set_default_device(NN_DEVICE_CUDA);
  ASSERT_EQ(NN_DEVICE_CUDA, nn_default_device());
  ASSERT_EQ(ASL_EUNSUPPORTED, nn_model_create(&m, "gaussian", 1, grid, g, 1, 1));
  ASSERT(m == NULL);
  ASSERT(strstr(asl_error_message(), "gaussian"));
  nn_set_default_device(NN_DEVICE_CPU);
  ASSERT_OK(nn_model_create(&m, "gaussian", 1, grid, g, 1, 1));
  nn_model_free(m);
}

// After a move to CUDA and back, or a refused move: a CPU model that still
// trains, on an n^3 volume (n <= 16). Frees m.
static void trains_on_the_cpu(nn_model *m, int n) {
  ASSERT_EQ(NN_DEVICE_CPU, nn_model_device(m));
  static float x[16 * 16 * 16], y[16 * 16 * 16];
  for (int i = 0; i < n * n * n; i++) x[i] = (float)(i % 7), y[i] = 1.0f;
  float loss;
  ASSERT_OK(nn_train_step(m, x, y, NULL, 1, &loss));
  ASSERT(loss > 0);
  nn_model_free(m);
}

// Without a usable device the U-Net is refused with the reason and keeps
// training on the CPU; with one it moves (and back).
TEST(unet_device_move_or_clear_refusal) {
  const int grid[3] = {16, 16, 16};
  nn_param p[] = {{"base_channels", "2"}, {"depth", "2"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "unet3d", 1, grid, p, 2, 3));
  const char *why;
  const int have = nn_cuda_available(&why);
  asl_status s = nn_model_set_device(m, NN_DEVICE_CUDA);
  if (have) {
    ASSERT_OK(s);
    ASSERT(nn_model_device_bytes(m) > 0);
    ASSERT_OK(nn_model_set_device(m, NN_DEVICE_CPU));
  } else {
    ASSERT_EQ(ASL_EUNSUPPORTED, s);
    ASSERT(strstr(asl_error_message(), why));
    ASSERT_EQ(0, (long long)nn_model_device_bytes(m));
  }
  trains_on_the_cpu(m, 16);
}

// A checkpoint holds no trace of where the model ran: saved before and
// after a round trip to CUDA (or a refused move, without a GPU), and with
// the CUDA options changed, the file is the same byte for byte.
TEST(checkpoint_bytes_do_not_depend_on_the_device) {
  const int grid[3] = {16, 16, 16};
  nn_param p[] = {{"base_channels", "2"}, {"depth", "2"}, {"dropout", "0.1"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "unet3d", 1, grid, p, 3, 5));
  static float x[16 * 16 * 16], y[16 * 16 * 16];
  for (int i = 0; i < 16 * 16 * 16; i++) x[i] = (float)(i % 5), y[i] = 0.5f * (i % 3);
  float loss;
  ASSERT_OK(nn_train_step(m, x, y, NULL, 1, &loss)); // moments and RNG in use
  char a[] = "/tmp/ckpt_dev_a_XXXXXX", b[] = "/tmp/ckpt_dev_b_XXXXXX";
  tmp_path(a), tmp_path(b);
  ASSERT_OK(nn_checkpoint_save(m, a, 2, "u", 1));
  (void)nn_model_set_device(m, NN_DEVICE_CUDA); // moves, or is refused
  ASSERT_OK(nn_model_set_precision(m, NN_PRECISION_BF16));
  nn_model_set_deterministic(m, 0);
  ASSERT_OK(nn_model_set_device(m, NN_DEVICE_CPU));
  ASSERT_OK(nn_checkpoint_save(m, b, 2, "u", 1));
  ASSERT(same_file(a, b, "checkpoints saved before and after the move") > 1000);
  unlink(a), unlink(b);
  nn_model_free(m);
}

// The ViT moves where a device is usable; otherwise it is refused with the
// reason and trains on the CPU.
TEST(vit_device_move_or_clear_refusal) {
  const int grid[3] = {8, 8, 8};
  nn_param v[] = {{"dim", "8"}, {"depth", "1"}, {"heads", "2"},
                  {"mlp_ratio", "2"}, {"patch", "2,2,2"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "vit3d", 1, grid, v, 5, 1));
  const char *why;
  const int have = nn_cuda_available(&why);
  asl_status s = nn_model_set_device(m, NN_DEVICE_CUDA);
  if (have) {
    ASSERT_OK(s);
    ASSERT_OK(nn_model_set_device(m, NN_DEVICE_CPU));
  } else {
    ASSERT_EQ(ASL_EUNSUPPORTED, s);
    ASSERT(strstr(asl_error_message(), "vit3d"));
  }
  trains_on_the_cpu(m, 8);
}

// ddpm3d moves its U-Net where a device is usable (the rest of the model
// stays on the host); otherwise it is refused with the reason, and either
// way it trains after moving back.
TEST(ddpm_device_move_or_clear_refusal) {
  const int grid[3] = {8, 8, 8};
  nn_param d[] = {{"base_channels", "2"}, {"depth", "2"}, {"timesteps", "10"},
                  {"sample_steps", "2"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "ddpm3d", 1, grid, d, 4, 1));
  const int have = nn_cuda_available(NULL);
  asl_status s = nn_model_set_device(m, NN_DEVICE_CUDA);
  if (have) {
    ASSERT_OK(s);
    ASSERT_EQ(NN_DEVICE_CUDA, nn_model_device(m));
    ASSERT(nn_model_device_bytes(m) > 0);
    ASSERT_OK(nn_model_set_device(m, NN_DEVICE_CPU));
  } else {
    ASSERT_EQ(ASL_EUNSUPPORTED, s);
  }
  ASSERT_EQ(0, (long long)nn_model_device_bytes(m));
  trains_on_the_cpu(m, 8);
}

int main(void) {
  nn_set_threads(1);
  RUN(device_names_parse);
  RUN(cpu_only_kinds_refused_on_cuda);
  RUN(default_device_applies_at_creation);
  RUN(cuda_capability_in_the_descriptor);
  RUN(resident_timing_refused_on_cpu);
  RUN(unet_device_move_or_clear_refusal);
  RUN(checkpoint_bytes_do_not_depend_on_the_device);
  RUN(vit_device_move_or_clear_refusal);
  RUN(ddpm_device_move_or_clear_refusal);
  return DONE();
}
