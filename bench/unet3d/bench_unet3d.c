// Times the engine's U-Net (M0 channel: 2 inputs) at 64x64x32: one training
// step (forward, L1 loss, backward, Adam) at the training batch, and
// inference at batch 1 and at the training batch (nn_eval_loss: forward in
// inference mode plus the loss). Medians of several runs after a warm-up.
// Prints one key=value line per figure; torch_unet3d.py prints the same keys.
// --device cuda runs the model on the GPU (the figures then include copying
// each batch and target to the device and the loss back, as the API does)
// and adds infer_resident_ms_per_volume (the same evaluation on a batch
// already on the GPU, nn_model_time_eval_resident) and gpu_mem_mb, the
// device memory the model holds (docs/gpu.md); --precision tf32 lets
// its convolutions use TF32 tensor cores, bf16 runs them in bfloat16 (FP32
// master weights); --deterministic 0 lets cuDNN use
// algorithms that are not bitwise reproducible (as PyTorch by default).
//
//   bench_unet3d [--batch B] [--reps R] [--threads T] [--device cpu|cuda]
//                [--precision fp32|tf32|bf16] [--deterministic 1|0]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../bench_util.h"
#include "nn/device.h"
#include "nn/isa.h"
#include "nn/model.h"

// Median wall seconds of reps calls (after one warm-up), train or eval at
// `batch`; *cpu gets the median CPU seconds.
static double time_calls(nn_model *m, int train, const float *x, const float *y,
                         int batch, int reps, double *cpu) {
  double t[32], c[32];
  float loss;
  for (int r = -1; r < reps; r++) {
    double t0 = bench_now(), c0 = bench_cpu_now();
    asl_status s = train ? nn_train_step(m, x, y, NULL, batch, &loss)
                         : nn_eval_loss(m, x, y, NULL, batch, &loss);
    if (s) {
      fprintf(stderr, "bench_unet3d: %s\n", asl_error_message());
      exit(1);
    }
    if (r >= 0) t[r] = bench_now() - t0, c[r] = bench_cpu_now() - c0;
  }
  qsort(t, reps, sizeof(double), bench_cmp_double);
  qsort(c, reps, sizeof(double), bench_cmp_double);
  *cpu = c[reps / 2];
  return t[reps / 2];
}

int main(int argc, char **argv) {
  int batch = 4, reps = 5, threads = 2;
  nn_device device = NN_DEVICE_CPU;
  nn_precision precision = NN_PRECISION_FP32;
  int deterministic = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--batch")) batch = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--device")) {
      if (nn_device_parse(argv[i + 1], &device))
        return fprintf(stderr, "bench_unet3d: %s\n", asl_error_message()), 2;
    } else if (!strcmp(argv[i], "--deterministic")) {
      deterministic = atoi(argv[i + 1]) != 0;
    } else if (!strcmp(argv[i], "--precision")) {
      if (nn_precision_parse(argv[i + 1], &precision))
        return fprintf(stderr, "bench_unet3d: %s\n", asl_error_message()), 2;
    }
    else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
    else return fprintf(stderr, "unknown option %s\n", argv[i]), 2;
  }
  if (reps < 1 || reps > 32 || batch < 1) return fprintf(stderr, "bad --reps/--batch\n"), 2;
  nn_set_threads(threads);
  const int grid[3] = {64, 64, 32};  // x, y, z: tensor (D, H, W) = (32, 64, 64)
  nn_model *m;
  if (nn_model_create(&m, "unet3d", 2, grid, NULL, 0, 1)) {
    fprintf(stderr, "bench_unet3d: %s\n", asl_error_message());
    return 1;
  }
  nn_model_set_deterministic(m, deterministic);
  if (nn_model_set_precision(m, precision) || nn_model_set_device(m, device)) {
    fprintf(stderr, "bench_unet3d: %s\n", asl_error_message());
    return 1;
  }
  nn_optim_config oc;
  nn_optim_config_default(&oc);
  nn_model_set_optimizer(m, &oc);
  size_t vox = (size_t)grid[0] * grid[1] * grid[2];
  float *x = bench_filled(batch * 2 * vox, 1), *y = bench_filled(batch * vox, 2);
  double flops = nn_model_flops(m, grid[0], grid[1], grid[2]);
  double ctrain, cinfer1, cinferb;
  double train = time_calls(m, 1, x, y, batch, reps, &ctrain) / batch;
  double infer1 = time_calls(m, 0, x, y, 1, reps, &cinfer1);
  double inferb = time_calls(m, 0, x, y, batch, reps, &cinferb) / batch;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("impl=aslsweep isa=%s threads=%d batch=%d reps=%d\n", nn_isa_name(), threads,
         batch, reps);
  printf("params=%zu\n", nn_model_param_count(m));
  printf("gflop_forward_per_volume=%.3f\n", flops * 1e-9);
  printf("train_ms_per_volume=%.3f\n", train * 1e3);
  printf("infer_b1_ms_per_volume=%.3f\n", infer1 * 1e3);
  printf("infer_ms_per_volume=%.3f\n", inferb * 1e3);
  printf("gflops_train=%.1f\n", 3 * flops / train * 1e-9);
  printf("gflops_infer=%.1f\n", flops / inferb * 1e-9);
  printf("peak_rss_mb=%.0f\n", ru.ru_maxrss / 1024.0);
  printf("train_cpu_ms_per_volume=%.1f\n", ctrain / batch * 1e3);
  printf("infer_cpu_ms_per_volume=%.1f\n", cinferb / batch * 1e3);
  if (device == NN_DEVICE_CUDA) {
    printf("device=cuda precision=%s deterministic=%d\n", nn_precision_name(precision),
           deterministic);
    printf("gpu=%s\n", nn_cuda_describe());
    double res;
    if (nn_model_time_eval_resident(m, x, y, batch, reps, &res)) {
      fprintf(stderr, "bench_unet3d: %s\n", asl_error_message());
      return 1;
    }
    printf("infer_resident_ms_per_volume=%.3f\n", res / batch * 1e3);
    printf("gpu_mem_mb=%.0f\n", nn_model_device_bytes(m) / 1048576.0);
  }
  nn_model_free(m);
  free(x), free(y);
  return 0;
}
