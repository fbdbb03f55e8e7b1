// train.precision reaches the engine: the real executor's device setup
// (exa_model_to_device) gives the model the spec's precision before any
// move, and refuses a reduced precision for a CPU run.
#include <string.h>

#include "exec_asl_train.h"
#include "harness.h"
#include "nn/device.h"
#include "sweep/plan.h"

static nn_model *unet(void) {
  const int grid[3] = {16, 16, 16};
  nn_param p[] = {{"base_channels", "2"}, {"depth", "2"}};
  nn_model *m = NULL;
  ASSERT_OK(nn_model_create(&m, "unet3d", 1, grid, p, 2, 1));
  return m;
}

TEST(precision_reaches_the_model) {
  static sweep_plan p; // only device and train.precision are read
  const char *names[] = {"fp32", "tf32", "bf16"};
  const nn_precision want[] = {NN_PRECISION_FP32, NN_PRECISION_TF32, NN_PRECISION_BF16};
  const int gpu = nn_cuda_available(NULL);
  for (int i = 0; i < 3; i++) {
    nn_model *m = unet();
    strcpy(p.device, "cuda");
    strcpy(p.train.precision, names[i]);
    asl_status s = exa_model_to_device(m, &p);
    // Without a GPU the move fails (the job's reason), after the precision
    // was set; with one the model is on the device in that precision.
    if (gpu) ASSERT_OK(s);
    else ASSERT_EQ(ASL_EUNSUPPORTED, s);
    ASSERT_EQ(want[i], nn_model_precision(m));
    nn_model_free(m);
  }
}

TEST(cpu_run_takes_fp32_only) {
  static sweep_plan p;
  nn_model *m = unet();
  strcpy(p.device, "cpu");
  strcpy(p.train.precision, "fp32");
  ASSERT_OK(exa_model_to_device(m, &p));
  ASSERT_EQ(NN_PRECISION_FP32, nn_model_precision(m));
  ASSERT_EQ(NN_DEVICE_CPU, nn_model_device(m));
  strcpy(p.train.precision, "bf16");
  ASSERT_EQ(ASL_EINVAL, exa_model_to_device(m, &p));
  ASSERT(strstr(asl_error_message(), "train.precision bf16 needs engine.device: cuda"));
  strcpy(p.train.precision, "fp8");
  ASSERT_EQ(ASL_EINVAL, exa_model_to_device(m, &p));
  ASSERT(strstr(asl_error_message(), "fp32, tf32, bf16"));
  nn_model_free(m);
}

int main(void) {
  nn_set_threads(1);
  RUN(precision_reaches_the_model);
  RUN(cpu_run_takes_fp32_only);
  return DONE();
}
