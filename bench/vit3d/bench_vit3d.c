// Times vit3d at its defaults (dim 128, depth 4, heads 4, patch 8,8,4) with
// the M0 channel (2 inputs) at 64x64x32: one training step (forward, L1
// loss, backward, Adam) at the training batch, inference (nn_eval_loss:
// forward in inference mode plus the loss) at batch 1 and at the training
// batch, and whole-volume inference of a 96x96x48 volume (27 tiles).
// Medians of several runs after a warm-up; one key=value line per figure,
// the same keys as torch_vit3d.py (which has no tiled figure).
//
//   bench_vit3d [--batch B] [--reps R] [--threads T] [--model KIND]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "nn/isa.h"
#include "nn/model.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void fill(float *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    p[i] = (float)(seed >> 8) / 16777216.0f;
  }
}

typedef enum { TRAIN, EVAL, VOLUME } what;

// Median seconds of reps calls after one warm-up.
static double timed(nn_model *m, what w, const float *x, const float *y,
                    int batch, int reps, float *vol_out) {
  double t[32];
  float loss;
  for (int r = -1; r < reps; r++) {
    const double t0 = now();
    asl_status s = w == TRAIN ? nn_train_step(m, x, y, NULL, batch, &loss)
                 : w == EVAL  ? nn_eval_loss(m, x, y, NULL, batch, &loss)
                              : nn_infer_volume(m, x, 96, 96, 48, vol_out);
    if (s) {
      fprintf(stderr, "bench_vit3d: %s\n", asl_error_message());
      exit(1);
    }
    if (r >= 0) t[r] = now() - t0;
  }
  qsort(t, reps, sizeof t[0], by_value);
  return t[reps / 2];
}

int main(int argc, char **argv) {
  int batch = 4, reps = 5, threads = 2;
  const char *kind = "vit3d";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--batch")) batch = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--model")) kind = argv[i + 1];
    else return fprintf(stderr, "bench_vit3d: unknown option %s\n", argv[i]), 2;
  }
  if (reps < 1 || reps > 32 || batch < 1 || batch > 64)
    return fprintf(stderr, "bench_vit3d: --reps 1..32, --batch 1..64\n"), 2;
  nn_set_threads(threads);
  const int grid[3] = {64, 64, 32};
  const size_t vox = (size_t)64 * 64 * 32, big = (size_t)96 * 96 * 48;
  nn_model *m;
  if (nn_model_create(&m, kind, 2, grid, NULL, 0, 1)) {
    fprintf(stderr, "bench_vit3d: %s\n", asl_error_message());
    return 1;
  }
  nn_optim_config oc;
  nn_optim_config_default(&oc);
  nn_model_set_optimizer(m, &oc);
  float *x = malloc(2 * (batch * vox > big ? batch * vox : big) * sizeof(float));
  float *y = malloc(batch * vox * sizeof(float)), *out = malloc(big * sizeof(float));
  if (!x || !y || !out) return fprintf(stderr, "bench_vit3d: out of memory\n"), 1;
  fill(x, 2 * (batch * vox > big ? batch * vox : big), 1);
  fill(y, batch * vox, 2);
  const double flops = nn_model_flops(m, 64, 64, 32);
  const int trainable = nn_model_trainable(m);
  const double train = trainable ? timed(m, TRAIN, x, y, batch, reps, out) / batch : 0;
  const double infer1 = timed(m, EVAL, x, y, 1, reps, out);
  const double inferb = timed(m, EVAL, x, y, batch, reps, out) / batch;
  const double vol = timed(m, VOLUME, x, y, 1, reps < 3 ? reps : 3, out);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("impl=aslsweep isa=%s model=%s threads=%d batch=%d reps=%d\n", nn_isa_name(),
         kind, threads, batch, reps);
  printf("params=%zu\n", nn_model_param_count(m));
  printf("gflop_forward_per_volume=%.3f\n", flops * 1e-9);
  printf("train_ms_per_volume=%.1f\n", train * 1e3);
  printf("infer_b1_ms_per_volume=%.1f\n", infer1 * 1e3);
  printf("infer_ms_per_volume=%.1f\n", inferb * 1e3);
  printf("infer_96x96x48_ms=%.1f\n", vol * 1e3);
  printf("gflops_train=%.1f\n", train > 0 ? 3 * flops / train * 1e-9 : 0.0);
  printf("gflops_infer=%.1f\n", flops / inferb * 1e-9);
  printf("peak_rss_mb=%.0f\n", ru.ru_maxrss / 1024.0);
  nn_model_free(m);
  free(x), free(y), free(out);
  return 0;
}
