// Micro-benchmark of the 3x3x3 convolution kernels on every distinct shape
// of the U-Net (conv3d_shapes.h): forward and backward (input and weight
// gradients; the first layer has no input gradient, as in training), median
// time of several runs and GFLOP/s, next to OpenBLAS sgemm ceilings.
//
//   bench_conv3d [--batch N] [--reps R] [--threads T] [--only NAME]
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conv3d_shapes.h"
#include "../bench_util.h"
#include "nn/conv3d.h"
#include "nn/isa.h"

void openblas_set_num_threads(int);

static float *filled(size_t n, unsigned seed) {
  float *p = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    p[i] = (float)(seed >> 8) / 16777216.0f - 0.5f;
  }
  return p;
}

// Median seconds of `reps` runs of one sgemm (M x K) by (K x N).
static double time_sgemm(int M, int N, int K, int reps) {
  float *a = filled((size_t)M * K, 1), *b = filled((size_t)K * N, 2);
  float *c = filled((size_t)M * N, 3);
  double t[16];
  for (int r = 0; r < reps; r++) {
    double t0 = omp_get_wtime();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, a, K,
                b, N, 0.0f, c, N);
    t[r] = omp_get_wtime() - t0;
  }
  qsort(t, reps, sizeof(double), bench_cmp_double);
  free(a), free(b), free(c);
  return t[reps / 2];
}

typedef struct {
  double fwd, bwd;        // median wall seconds
  double fwd_cpu, bwd_cpu;  // median process CPU seconds (all threads)
} conv_times;

static conv_times time_conv(const bench_conv_shape *s, int N, int reps, int first) {
  size_t vox = (size_t)s->d * s->h * s->w, nw = (size_t)s->co * s->ci * 27;
  float *in = filled(N * s->ci * vox, 4), *w = filled(nw, 5);
  float *out = filled(N * s->co * vox, 6), *din = filled(N * s->ci * vox, 7);
  float *dw = filled(nw, 8);
  size_t nws = nn_conv3d_workspace_floats(N, s->ci, s->co, s->d, s->h, s->w,
                                          omp_get_max_threads());
  float *ws = filled(nws, 9);
  double tf[16], tb[16], cf[16], cb[16];
  for (int r = 0; r < reps; r++) {
    double t0 = omp_get_wtime(), c0 = bench_cpu_now();
    nn_conv3d_forward(out, in, w, NULL, N, s->ci, s->co, s->d, s->h, s->w, ws);
    double t1 = omp_get_wtime(), c1 = bench_cpu_now();
    nn_conv3d_backward(first ? NULL : din, dw, NULL, out, in, w, N, s->ci, s->co,
                       s->d, s->h, s->w, ws);
    tb[r] = omp_get_wtime() - t1, cb[r] = bench_cpu_now() - c1;
    tf[r] = t1 - t0, cf[r] = c1 - c0;
  }
  qsort(tf, reps, sizeof(double), bench_cmp_double);
  qsort(tb, reps, sizeof(double), bench_cmp_double);
  qsort(cf, reps, sizeof(double), bench_cmp_double);
  qsort(cb, reps, sizeof(double), bench_cmp_double);
  free(in), free(w), free(out), free(din), free(dw), free(ws);
  return (conv_times){tf[reps / 2], tb[reps / 2], cf[reps / 2], cb[reps / 2]};
}

int main(int argc, char **argv) {
  int N = 4, reps = 5, threads = 2;
  const char *only = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--batch")) N = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--only")) only = argv[i + 1];
    else return fprintf(stderr, "unknown option %s\n", argv[i]), 2;
  }
  if (reps < 1 || reps > 16) reps = 5;
  omp_set_num_threads(threads);
  openblas_set_num_threads(1);
  if (nn_isa_init()) return fprintf(stderr, "bench_conv3d: %s\n", asl_error_message()), 2;
  printf("# isa=%s batch=%d threads=%d reps=%d (median)\n", nn_isa_name(), N, threads, reps);
  if (!only) {
    // Ceilings: OpenBLAS single-threaded, as inside the engine.
    double sq = time_sgemm(2048, 2048, 2048, 3);
    double cv = time_sgemm(16, 131072, 432, 3);
    printf("sgemm_2048_1thread_gflops=%.1f\n", 2.0 * 2048 * 2048 * 2048 / sq * 1e-9);
    printf("sgemm_16x432x131072_1thread_gflops=%.1f\n", 2.0 * 16 * 432 * 131072 / cv * 1e-9);
  }
  double tot_f = 0, tot_b = 0, fl_f = 0, fl_b = 0, cpu_f = 0, cpu_b = 0;
  for (int i = 0; i < BENCH_CONV_NSHAPES; i++) {
    const bench_conv_shape *s = &bench_conv_shapes[i];
    if (only && strcmp(only, s->name)) continue;
    int first = i == 0;
    double flops = 2.0 * N * s->ci * s->co * 27.0 * s->d * s->h * s->w;
    conv_times t = time_conv(s, N, reps, first);
    double bflops = flops * (first ? 1 : 2);
    printf("%-7s ci=%-3d co=%-3d %2dx%2dx%2d fwd_ms=%8.2f fwd_gflops=%6.1f "
           "bwd_ms=%8.2f bwd_gflops=%6.1f fwd_cpu_ms=%8.2f bwd_cpu_ms=%8.2f\n",
           s->name, s->ci, s->co, s->d, s->h, s->w, t.fwd * 1e3,
           flops / t.fwd * 1e-9, t.bwd * 1e3, bflops / t.bwd * 1e-9,
           t.fwd_cpu * 1e3, t.bwd_cpu * 1e3);
    tot_f += t.fwd * s->count, tot_b += t.bwd * s->count;
    cpu_f += t.fwd_cpu * s->count, cpu_b += t.bwd_cpu * s->count;
    fl_f += flops * s->count, fl_b += bflops * s->count;
  }
  printf("total_fwd_ms=%.1f total_fwd_gflops=%.1f total_bwd_ms=%.1f "
         "total_bwd_gflops=%.1f total_fwd_cpu_ms=%.1f total_bwd_cpu_ms=%.1f\n",
         tot_f * 1e3, fl_f / tot_f * 1e-9, tot_b * 1e3, fl_b / tot_b * 1e-9,
         cpu_f * 1e3, cpu_b * 1e3);
  return 0;
}
