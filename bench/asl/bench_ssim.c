// Times asl_ssim_frame and asl_metrics_frame on a volume pair of the model
// grid (default 64x64x32), one thread, reusing one asl_metrics_ctx.
//   bench_ssim [NX NY NZ [RUNS]]
// Prints one line per figure: the median, min and max over RUNS calls.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "asl/metrics.h"
#include "asl/rng.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void report(const char *what, int nx, int ny, int nz, double *t, int runs, double v) {
  qsort(t, (size_t)runs, sizeof *t, cmp_double);
  printf("%-14s %dx%dx%d  median %.3f ms  min %.3f ms  max %.3f ms  (%d runs, value %.6f)\n",
         what, nx, ny, nz, t[runs / 2], t[0], t[runs - 1], runs, v);
}

int main(int argc, char **argv) {
  int nx = argc > 3 ? atoi(argv[1]) : 64, ny = argc > 3 ? atoi(argv[2]) : 64;
  int nz = argc > 3 ? atoi(argv[3]) : 32, runs = argc > 4 ? atoi(argv[4]) : 201;
  if (runs < 1) runs = 1;
  size_t n = (size_t)nx * ny * nz;
  float *ref = malloc(n * sizeof *ref), *pred = malloc(n * sizeof *pred);
  double *t = malloc((size_t)runs * sizeof *t);
  if (!ref || !pred || !t) return 1;
  asl_rng r;
  asl_rng_seed(&r, 1);
  for (size_t i = 0; i < n; i++) {
    ref[i] = (float)(50.0 + 10.0 * asl_rng_normal(&r));
    pred[i] = ref[i] + (float)(5.0 * asl_rng_normal(&r));
  }
  asl_metrics_ctx c;
  if (asl_metrics_ctx_init(&c, nx, ny, nz) != ASL_OK) {
    fprintf(stderr, "bench_ssim: %s\n", asl_error_message());
    return 2;
  }
  double v = 0.0;
  asl_ssim_frame(&c, ref, pred, NULL, &v); // warm caches
  for (int i = 0; i < runs; i++) {
    double t0 = now_ms();
    asl_ssim_frame(&c, ref, pred, NULL, &v);
    t[i] = now_ms() - t0;
  }
  report("ssim", nx, ny, nz, t, runs, v);
  asl_metrics m = {0};
  for (int i = 0; i < runs; i++) {
    double t0 = now_ms();
    asl_metrics_frame(&c, ref, pred, NULL, &m);
    t[i] = now_ms() - t0;
  }
  report("ssim+psnr+nmae", nx, ny, nz, t, runs, m.ssim);
  asl_metrics_ctx_free(&c);
  free(ref), free(pred), free(t);
  return 0;
}
