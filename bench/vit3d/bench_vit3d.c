// Times vit3d with the M0 channel (2 inputs) at 64x64x32: one training step
// (forward, L1 loss, backward, Adam) at the training batch, inference
// (nn_eval_loss: forward in inference mode plus the loss) at batch 1 and at
// the training batch, and whole-volume inference of a 96x96x48 volume (27
// tiles). --config defaults: vit3d's defaults (dim 128, depth 4, heads 4,
// patch 8,8,4); --config paper: examples/paper.yaml's vit3d (patch 8, i.e.
// 8,8,8, dim 192, depth 6, heads 6). Medians of several runs after a
// warm-up; one key=value line per figure, the same keys as torch_vit3d.py
// (which has no tiled figure). *_cpu_* figures are the process CPU time of
// the same calls (all threads), steadier than wall time on a shared machine.
// --device cuda runs the model on the GPU as bench_unet3d does: the figures
// include copying each batch and target up and the loss down (as the API
// does), and infer_resident_ms_per_volume (the evaluation on a batch
// already on the GPU, nn_model_time_eval_resident) and gpu_mem_mb (device
// memory the model holds) are added; --precision tf32 lets the GEMMs use
// TF32 tensor cores, bf16 runs them on bfloat16 inputs (FP32 accumulation
// and master weights).
//
//   bench_vit3d [--batch B] [--reps R] [--threads T] [--model KIND]
//               [--config defaults|paper] [--device cpu|cuda]
//               [--precision fp32|tf32|bf16] [--deterministic 1|0]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../bench_util.h"
#include "nn/device.h"
#include "nn/isa.h"
#include "nn/model.h"

typedef enum { TRAIN, EVAL, VOLUME } what;

typedef struct {
  int batch, reps, threads, deterministic, paper;
  const char *kind;
  nn_device device;
  nn_precision precision;
} options;

static const char usage[] =
    "usage: bench_vit3d [--batch 1..64] [--reps 1..32] [--threads T] [--model KIND]\n"
    "                   [--config defaults|paper] [--device cpu|cuda]\n"
    "                   [--precision fp32|tf32|bf16] [--deterministic 1|0]\n";

// examples/paper.yaml's vit3d; a single patch number is a cube.
static const nn_param paper_params[] = {
    {"patch", "8"}, {"dim", "192"}, {"depth", "6"}, {"heads", "6"}};

// Median seconds of reps calls after one warm-up.
static double timed(nn_model *m, what w, const float *x, const float *y,
                    int batch, int reps, float *vol_out, double *cpu) {
  double t[32], c[32];
  float loss;
  for (int r = -1; r < reps; r++) {
    const double t0 = bench_now(), c0 = bench_cpu_now();
    asl_status s = w == TRAIN ? nn_train_step(m, x, y, NULL, batch, &loss)
                 : w == EVAL  ? nn_eval_loss(m, x, y, NULL, batch, &loss)
                              : nn_infer_volume(m, x, 96, 96, 48, vol_out);
    if (s) {
      fprintf(stderr, "bench_vit3d: %s\n", asl_error_message());
      exit(1);
    }
    if (r >= 0) t[r] = bench_now() - t0, c[r] = bench_cpu_now() - c0;
  }
  qsort(t, reps, sizeof t[0], bench_cmp_double);
  qsort(c, reps, sizeof c[0], bench_cmp_double);
  *cpu = c[reps / 2];
  return t[reps / 2];
}

// 0 on success; 2 (after a message) on bad usage.
static int parse(int argc, char **argv, options *o) {
  *o = (options){4, 5, 2, 1, 0, "vit3d", NN_DEVICE_CPU, NN_PRECISION_FP32};
  for (int i = 1; i < argc; i += 2) {
    const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(k, "--help") || !strcmp(k, "-h")) return fputs(usage, stdout), 1;
    if (!v) return fprintf(stderr, "bench_vit3d: %s needs a value\n%s", k, usage), 2;
    if (!strcmp(k, "--batch")) o->batch = atoi(v);
    else if (!strcmp(k, "--reps")) o->reps = atoi(v);
    else if (!strcmp(k, "--threads")) o->threads = atoi(v);
    else if (!strcmp(k, "--model")) o->kind = v;
    else if (!strcmp(k, "--deterministic")) o->deterministic = atoi(v) != 0;
    else if (!strcmp(k, "--config")) {
      if (strcmp(v, "defaults") && strcmp(v, "paper"))
        return fprintf(stderr, "bench_vit3d: --config %s (allowed: defaults, paper)\n", v), 2;
      o->paper = !strcmp(v, "paper");
    } else if (!strcmp(k, "--device")) {
      if (nn_device_parse(v, &o->device))
        return fprintf(stderr, "bench_vit3d: %s\n", asl_error_message()), 2;
    } else if (!strcmp(k, "--precision")) {
      if (nn_precision_parse(v, &o->precision))
        return fprintf(stderr, "bench_vit3d: %s\n", asl_error_message()), 2;
    } else return fprintf(stderr, "bench_vit3d: unknown option %s\n%s", k, usage), 2;
  }
  if (o->reps < 1 || o->reps > 32 || o->batch < 1 || o->batch > 64)
    return fprintf(stderr, "bench_vit3d: --reps 1..32, --batch 1..64\n"), 2;
  if (o->paper && strcmp(o->kind, "vit3d"))
    return fprintf(stderr, "bench_vit3d: --config paper is for --model vit3d\n"), 2;
  return 0;
}

// The model at 64x64x32 on its device, or NULL after a message.
static nn_model *make_model(const options *o) {
  const int grid[3] = {64, 64, 32};
  nn_model *m;
  if (nn_model_create(&m, o->kind, 2, grid, o->paper ? paper_params : NULL,
                      o->paper ? 4 : 0, 1)) {
    fprintf(stderr, "bench_vit3d: %s\n", asl_error_message());
    return NULL;
  }
  nn_model_set_deterministic(m, o->deterministic);
  if (nn_model_set_precision(m, o->precision) || nn_model_set_device(m, o->device)) {
    fprintf(stderr, "bench_vit3d: %s\n", asl_error_message());
    nn_model_free(m);
    return NULL;
  }
  nn_optim_config oc;
  nn_optim_config_default(&oc);
  nn_model_set_optimizer(m, &oc);
  return m;
}

// The GPU lines of bench_unet3d; 0 or 1 after a message.
static int report_cuda(nn_model *m, const options *o, const float *x, const float *y) {
  printf("device=cuda precision=%s deterministic=%d\n", nn_precision_name(o->precision),
         o->deterministic);
  printf("gpu=%s\n", nn_cuda_describe());
  double res;
  if (nn_model_time_eval_resident(m, x, y, o->batch, o->reps, &res)) {
    fprintf(stderr, "bench_vit3d: %s\n", asl_error_message());
    return 1;
  }
  printf("infer_resident_ms_per_volume=%.3f\n", res / o->batch * 1e3);
  printf("gpu_mem_mb=%.0f\n", nn_model_device_bytes(m) / 1048576.0);
  return 0;
}

int main(int argc, char **argv) {
  options o;
  int rc = parse(argc, argv, &o);
  if (rc) return rc == 1 ? 0 : rc;
  nn_set_threads(o.threads);
  nn_model *m = make_model(&o);
  if (!m) return 1;
  const size_t vox = (size_t)64 * 64 * 32, big = (size_t)96 * 96 * 48;
  const size_t nx = 2 * (o.batch * vox > big ? o.batch * vox : big);
  float *x = bench_filled(nx, 1), *y = bench_filled(o.batch * vox, 2);
  float *out = malloc(big * sizeof(float));
  if (!x || !y || !out) return fprintf(stderr, "bench_vit3d: out of memory\n"), 1;
  const double flops = nn_model_flops(m, 64, 64, 32);
  const int trainable = nn_model_trainable(m), b = o.batch, n = o.reps;
  double ctrain = 0, cinfer1, cinferb, cvol;
  const double train = trainable ? timed(m, TRAIN, x, y, b, n, out, &ctrain) / b : 0;
  const double infer1 = timed(m, EVAL, x, y, 1, n, out, &cinfer1);
  const double inferb = timed(m, EVAL, x, y, b, n, out, &cinferb) / b;
  const double vol = timed(m, VOLUME, x, y, 1, n < 3 ? n : 3, out, &cvol);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  // GPU figures are around a millisecond: three decimals there.
  const int dp = o.device == NN_DEVICE_CUDA ? 3 : 1;
  printf("impl=aslsweep isa=%s model=%s threads=%d batch=%d reps=%d\n", nn_isa_name(),
         o.kind, o.threads, b, n);
  if (o.paper) printf("config=paper patch=8,8,8 dim=192 depth=6 heads=6\n");
  printf("params=%zu\n", nn_model_param_count(m));
  printf("gflop_forward_per_volume=%.3f\n", flops * 1e-9);
  printf("train_ms_per_volume=%.*f\n", dp, train * 1e3);
  printf("infer_b1_ms_per_volume=%.*f\n", dp, infer1 * 1e3);
  printf("infer_ms_per_volume=%.*f\n", dp, inferb * 1e3);
  printf("infer_96x96x48_ms=%.*f\n", dp, vol * 1e3);
  printf("gflops_train=%.1f\n", train > 0 ? 3 * flops / train * 1e-9 : 0.0);
  printf("gflops_infer=%.1f\n", flops / inferb * 1e-9);
  printf("peak_rss_mb=%.0f\n", ru.ru_maxrss / 1024.0);
  printf("train_cpu_ms_per_volume=%.*f\n", dp, ctrain / b * 1e3);
  printf("infer_b1_cpu_ms_per_volume=%.*f\n", dp, cinfer1 * 1e3);
  printf("infer_cpu_ms_per_volume=%.*f\n", dp, cinferb / b * 1e3);
  rc = o.device == NN_DEVICE_CUDA ? report_cuda(m, &o, x, y) : 0;
  nn_model_free(m);
  free(x), free(y), free(out);
  return rc;
}
