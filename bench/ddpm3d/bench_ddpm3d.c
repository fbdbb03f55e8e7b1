// Times ddpm3d beside the U-Net it is built on, ASL + M0 inputs: one
// training step (forward, loss, backward, Adam) at the training batch for
// both, one U-Net inference forward, and whole-volume DDIM sampling
// (nn_infer_volume) for each requested step count. Medians of --reps runs
// after a warm-up (sampling: median of --sample-reps runs after one
// inference-mode loss evaluation has sized the buffers). Prints key=value
// lines, the same as its PyTorch twin torch_ddpm3d.py (side_by_side.sh
// ddpm3d); ddim<S>_*_per_step is the volume's figure divided by S. --device cuda runs both models on the GPU (figures include the host
// copies the API makes; no PyTorch counterpart), --precision their
// convolutions' arithmetic there (nn/device.h).
//
//   bench_ddpm3d [--grid X,Y,Z] [--batch B] [--reps R] [--sample-reps R]
//                [--threads T] [--steps 10,50,250] [--device cpu|cuda]
//                [--precision fp32|tf32|bf16]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../bench_util.h"
#include "nn/device.h"
#include "nn/isa.h"
#include "nn/model.h"

static void die(const char *what) {
  fprintf(stderr, "bench_ddpm3d: %s: %s\n", what, asl_error_message());
  exit(1);
}

// Where and how both models run (--device, --precision).
static nn_device device = NN_DEVICE_CPU;
static nn_precision precision = NN_PRECISION_FP32;

static nn_model *make(const char *kind, const int grid[3], int steps) {
  char s[16];
  snprintf(s, sizeof s, "%d", steps);
  nn_param p[] = {{"sample_steps", s}};
  nn_model *m;
  if (nn_model_create(&m, kind, 2, grid, p, strcmp(kind, "ddpm3d") ? 0 : 1, 1)) die(kind);
  if (nn_model_set_precision(m, precision) || nn_model_set_device(m, device)) die(kind);
  nn_optim_config oc;
  nn_optim_config_default(&oc);
  oc.loss = NN_LOSS_MSE;
  nn_model_set_optimizer(m, &oc);
  return m;
}

// Median wall seconds of one call kind: 0 train step, 1 eval forward,
// 2 whole-volume inference; *cpu the median CPU seconds.
static double timed(nn_model *m, int what, const float *x, const float *y,
                    const int g[3], int batch, int reps, int warm, double *cpu) {
  double t[32], c[32];
  float loss, *out = malloc(sizeof(float) * g[0] * g[1] * g[2]);
  for (int r = warm ? -1 : 0; r < reps; r++) {
    double t0 = bench_now(), c0 = bench_cpu_now();
    asl_status s = what == 0   ? nn_train_step(m, x, y, NULL, batch, &loss)
                   : what == 1 ? nn_eval_loss(m, x, y, NULL, batch, &loss)
                               : nn_infer_volume(m, x, g[0], g[1], g[2], out);
    if (s) die("timed call");
    if (r >= 0) t[r] = bench_now() - t0, c[r] = bench_cpu_now() - c0;
  }
  free(out);
  qsort(t, reps, sizeof(double), bench_cmp_double);
  qsort(c, reps, sizeof(double), bench_cmp_double);
  *cpu = c[reps / 2];
  return t[reps / 2];
}

int main(int argc, char **argv) {
  int g[3] = {32, 32, 16}, batch = 2, reps = 3, sreps = 1, threads = 2;
  char steps[128] = "10,50,250";
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
      return printf("usage: bench_ddpm3d [--grid X,Y,Z] [--batch B] [--reps R] [--sample-reps R]\n"
                    "                    [--threads T] [--steps 10,50,250] [--device cpu|cuda]\n"
                    "                    [--precision fp32|tf32|bf16]\n"), 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--grid")) sscanf(argv[i + 1], "%d,%d,%d", &g[0], &g[1], &g[2]);
    else if (!strcmp(argv[i], "--batch")) batch = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--sample-reps")) sreps = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--steps")) snprintf(steps, sizeof steps, "%s", argv[i + 1]);
    else if (!strcmp(argv[i], "--device")) {
      if (nn_device_parse(argv[i + 1], &device))
        return fprintf(stderr, "bench_ddpm3d: %s\n", asl_error_message()), 2;
    } else if (!strcmp(argv[i], "--precision")) {
      if (nn_precision_parse(argv[i + 1], &precision))
        return fprintf(stderr, "bench_ddpm3d: %s\n", asl_error_message()), 2;
    }
    else return fprintf(stderr, "unknown option %s\n", argv[i]), 2;
  }
  if (reps < 1 || reps > 32 || sreps < 1 || sreps > 32 || batch < 1)
    return fprintf(stderr, "bad --reps/--sample-reps/--batch\n"), 2;
  nn_set_threads(threads);
  if (nn_isa_init()) return fprintf(stderr, "%s\n", asl_error_message()), 2;
  const size_t vox = (size_t)g[0] * g[1] * g[2];
  float *x = bench_filled(batch * 2 * vox, 1), *y = bench_filled(batch * vox, 2);
  printf("impl=aslsweep isa=%s grid=%dx%dx%d threads=%d batch=%d reps=%d\n", nn_isa_name(),
         g[0], g[1], g[2], threads, batch, reps);
  double cpu, t;
  nn_model *u = make("unet3d", g, 0);
  if (device == NN_DEVICE_CUDA) // after the first model proved the device usable
    printf("device=cuda precision=%s\ngpu=%s\n", nn_precision_name(precision),
           nn_cuda_describe());
  t = timed(u, 0, x, y, g, batch, reps, 1, &cpu);
  printf("unet3d_params=%zu\nunet3d_train_ms_per_volume=%.1f\nunet3d_train_cpu_ms_per_volume=%.1f\n",
         nn_model_param_count(u), t / batch * 1e3, cpu / batch * 1e3);
  t = timed(u, 1, x, y, g, 1, reps, 1, &cpu);
  printf("unet3d_forward_ms=%.1f\nunet3d_forward_cpu_ms=%.1f\n", t * 1e3, cpu * 1e3);
  nn_model_free(u);
  nn_model *d = make("ddpm3d", g, 10);
  t = timed(d, 0, x, y, g, batch, reps, 1, &cpu);
  printf("ddpm3d_params=%zu\nddpm3d_gflop_forward_per_volume=%.3f\n"
         "ddpm3d_train_ms_per_volume=%.1f\nddpm3d_train_cpu_ms_per_volume=%.1f\n",
         nn_model_param_count(d), nn_model_flops(d, g[0], g[1], g[2]) * 1e-9, t / batch * 1e3,
         cpu / batch * 1e3);
  nn_model_free(d);
  for (char *tok = strtok(steps, ","); tok; tok = strtok(NULL, ",")) {
    d = make("ddpm3d", g, atoi(tok));
    timed(d, 1, x, y, g, 1, 1, 0, &cpu); // sizes the arenas as sampling needs them
    t = timed(d, 2, x, y, g, 1, sreps, 0, &cpu);
    const int S = atoi(tok);
    printf("ddim%d_ms_per_volume=%.0f\nddim%d_cpu_ms_per_volume=%.0f\n", S, t * 1e3, S, cpu * 1e3);
    printf("ddim%d_ms_per_step=%.1f\nddim%d_cpu_ms_per_step=%.1f\n", S, t / S * 1e3, S,
           cpu / S * 1e3);
    nn_model_free(d);
  }
  free(x), free(y);
  return 0;
}
