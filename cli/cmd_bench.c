#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "nn/device.h"
#include "nn/isa.h"
#include "nn/model.h"

static const char usage_text[] =
    "usage: aslsweep bench [--model KIND] [--batch B]\n"
    "         [--threads T] [--reps R] [--grid X,Y,Z] [--in-channels C] [--json]\n"
    "         [--device cpu|cuda] [--precision fp32|tf32|bf16]\n"
    "\n"
    "Times the engine on this machine with random data: one training step\n"
    "(forward, loss, backward, optimizer) at batch B (trainable models only)\n"
    "and inference at batch 1 and batch B, each the median of R runs after a\n"
    "warm-up. Prints one key=value line per figure, or one JSON object with\n"
    "--json: train_ms_per_volume, infer_ms_per_volume (batch B),\n"
    "infer_b1_ms_per_volume, gflops_train, gflops_infer, params, peak_rss_mb,\n"
    "and isa, the kernel instruction set in use (ASLSWEEP_ISA=avx512|avx2|generic\n"
    "forces one this CPU supports).\n"
    "KIND: any model kind of the engine (unet3d, vit3d, identity, ...).\n"
    "Defaults: unet3d, B=4, T=2, R=3, grid 64,64,32 (x,y,z), 2 input channels\n"
    "(ASL + M0). bench/unet3d/run.sh compares the same figures with PyTorch.\n"
    "--device cuda runs the model on the GPU (unet3d only; docs/gpu.md) and adds\n"
    "device, precision and gpu_mem_mb (device memory the model holds);\n"
    "--precision tf32 lets its convolutions use TF32 tensor cores, bf16 runs\n"
    "them in bfloat16 with FP32 master weights.\n";

typedef struct {
  const char *model;
  int batch, threads, reps, in_channels, json, grid[3];
  nn_device device;
  nn_precision precision;
} bench_opts;

typedef struct {
  size_t params;
  double flops, train, infer, infer1, rss_mb;  // seconds per volume
  double gpu_mb;
  int trainable;
} bench_result;

static int usage_error(const char *msg, const char *arg) {
  fprintf(stderr, "aslsweep bench: %s%s\n(run 'aslsweep bench --help')\n", msg, arg);
  return CLI_USAGE;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

// Median seconds per volume of R train steps or evaluations at `batch`.
static asl_status time_calls(nn_model *m, int train, const float *x,
                             const float *y, int batch, int reps, double *sec) {
  double t[64];
  float loss;
  for (int r = -1; r < reps; r++) {
    double t0 = now();
    asl_status s = train ? nn_train_step(m, x, y, NULL, batch, &loss)
                         : nn_eval_loss(m, x, y, NULL, batch, &loss);
    if (s && s != ASL_ENUMERIC) return s;  // a NaN loss on noise still timed
    if (r >= 0) t[r] = now() - t0;
  }
  qsort(t, (size_t)reps, sizeof(double), cmp_double);
  *sec = t[reps / 2] / batch;
  return ASL_OK;
}

static asl_status run_bench(const bench_opts *o, bench_result *res) {
  nn_model *m = NULL;
  nn_set_threads(o->threads);
  asl_status s = nn_model_create(&m, o->model, o->in_channels, o->grid, NULL, 0, 1);
  if (s) return s;
  if (o->device == NN_DEVICE_CUDA) {
    s = nn_model_set_precision(m, o->precision);
    if (!s) s = nn_model_set_device(m, o->device);
    if (s) {
      nn_model_free(m);
      return s;
    }
  }
  nn_optim_config oc;
  nn_optim_config_default(&oc);
  size_t vox = (size_t)o->grid[0] * o->grid[1] * o->grid[2];
  float *x = malloc(sizeof(float) * vox * o->batch * o->in_channels);
  float *y = malloc(sizeof(float) * vox * o->batch);
  if (!x || !y) s = asl_fail(ASL_ENOMEM, "bench: no memory for batch %d", o->batch);
  // Deterministic noise in [0, 1): the timings do not depend on the values.
  unsigned seed = 12345u;
  for (size_t i = 0; !s && i < vox * o->batch * o->in_channels; i++)
    seed = seed * 1664525u + 1013904223u, x[i] = (float)(seed >> 8) / 16777216.0f;
  for (size_t i = 0; !s && i < vox * o->batch; i++)
    seed = seed * 1664525u + 1013904223u, y[i] = (float)(seed >> 8) / 16777216.0f;
  res->trainable = nn_model_trainable(m);
  res->params = nn_model_param_count(m);
  res->flops = nn_model_flops(m, o->grid[0], o->grid[1], o->grid[2]);
  if (!s && res->trainable) s = nn_model_set_optimizer(m, &oc);
  if (!s && res->trainable) s = time_calls(m, 1, x, y, o->batch, o->reps, &res->train);
  if (!s) s = time_calls(m, 0, x, y, 1, o->reps, &res->infer1);
  if (!s) s = time_calls(m, 0, x, y, o->batch, o->reps, &res->infer);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  res->rss_mb = ru.ru_maxrss / 1024.0;
  res->gpu_mb = nn_model_device_bytes(m) / 1048576.0;
  free(x), free(y);
  nn_model_free(m);
  return s;
}

static void print_result(const bench_opts *o, const bench_result *r) {
  const char *fmt_s = o->json ? "%s\"%s\": \"%s\"" : "%s%s=%s\n";
  const char *fmt_d = o->json ? "%s\"%s\": %.1f" : "%s%s=%.1f\n";
  const char *sep = o->json ? ", " : "";
  char grid[64];
  snprintf(grid, sizeof grid, "%d,%d,%d", o->grid[0], o->grid[1], o->grid[2]);
  if (o->json) fputs("{", stdout);
  printf(fmt_s, "", "model", o->model);
  printf(o->json ? "%s\"%s\": %d" : "%s%s=%d\n", sep, "batch", o->batch);
  printf(o->json ? "%s\"%s\": %d" : "%s%s=%d\n", sep, "threads", o->threads);
  printf(fmt_s, sep, "grid", grid);
  printf(fmt_s, sep, "isa", nn_isa_name());
  printf(o->json ? "%s\"%s\": %zu" : "%s%s=%zu\n", sep, "params", r->params);
  printf(o->json ? "%s\"%s\": %.3f" : "%s%s=%.3f\n", sep, "gflop_forward_per_volume",
         r->flops * 1e-9);
  if (r->trainable) {
    printf(fmt_d, sep, "train_ms_per_volume", r->train * 1e3);
    printf(fmt_d, sep, "gflops_train", 3 * r->flops / r->train * 1e-9);
  }
  printf(fmt_d, sep, "infer_ms_per_volume", r->infer * 1e3);
  printf(fmt_d, sep, "infer_b1_ms_per_volume", r->infer1 * 1e3);
  printf(fmt_d, sep, "gflops_infer", r->flops / r->infer * 1e-9);
  printf(o->json ? "%s\"%s\": %.0f" : "%s%s=%.0f\n", sep, "peak_rss_mb", r->rss_mb);
  if (o->device == NN_DEVICE_CUDA) {
    printf(fmt_s, sep, "device", nn_device_name(o->device));
    printf(fmt_s, sep, "precision", nn_precision_name(o->precision));
    printf(o->json ? "%s\"%s\": %.0f" : "%s%s=%.0f\n", sep, "gpu_mem_mb", r->gpu_mb);
  }
  if (o->json) fputs("}\n", stdout);
}

int cmd_bench(int argc, char **argv) {
  static const struct option opts[] = {
      {"model", required_argument, NULL, 'm'}, {"batch", required_argument, NULL, 'b'},
      {"threads", required_argument, NULL, 't'}, {"reps", required_argument, NULL, 'r'},
      {"grid", required_argument, NULL, 'g'}, {"in-channels", required_argument, NULL, 'c'},
      {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
      {"device", required_argument, NULL, 'd'}, {"precision", required_argument, NULL, 'p'},
      {NULL, 0, NULL, 0}};
  bench_opts o = {"unet3d", 4, 2, 3, 2, 0, {64, 64, 32}, NN_DEVICE_CPU, NN_PRECISION_FP32};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "m:b:t:r:g:c:jhd:p:", opts, NULL)) != -1) {
    char end;
    if (c == 'h') return fputs(usage_text, stdout), CLI_OK;
    if (c == 'm') o.model = optarg;
    else if (c == 'b' && sscanf(optarg, "%d%c", &o.batch, &end) == 1 && o.batch >= 1) continue;
    else if (c == 't' && sscanf(optarg, "%d%c", &o.threads, &end) == 1 && o.threads >= 1) continue;
    else if (c == 'r' && sscanf(optarg, "%d%c", &o.reps, &end) == 1 && o.reps >= 1 && o.reps <= 64) continue;
    else if (c == 'c' && sscanf(optarg, "%d%c", &o.in_channels, &end) == 1) continue;
    else if (c == 'g' && sscanf(optarg, "%d,%d,%d%c", &o.grid[0], &o.grid[1], &o.grid[2], &end) == 3 &&
             o.grid[0] > 0 && o.grid[1] > 0 && o.grid[2] > 0) continue;
    else if (c == 'j') o.json = 1;
    else if (c == 'd' || c == 'p') {
      if (c == 'd' ? nn_device_parse(optarg, &o.device) : nn_precision_parse(optarg, &o.precision))
        return usage_error(asl_error_message(), "");
    }
    else return usage_error("bad option or value ", c == '?' || !optarg ? "" : optarg);
  }
  if (optind != argc) return usage_error("unexpected argument ", argv[optind]);
  bench_result r = {0};
  asl_status s = run_bench(&o, &r);
  if (s) {
    fprintf(stderr, "aslsweep bench: %s\n", asl_error_message());
    return asl_exit_code(s);
  }
  print_result(&o, &r);
  return CLI_OK;
}
