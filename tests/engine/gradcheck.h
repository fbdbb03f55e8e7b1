// Central-difference gradient checks for the engine tests. A layer under
// test is wrapped as f(ctx) -> double: the layer's forward followed by a
// fixed random projection sum(r * out) accumulated in double, so its exact
// gradient is the layer's backward applied to r.
#ifndef ENGINE_GRADCHECK_H
#define ENGINE_GRADCHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "asl/rng.h"

typedef double (*gc_fn)(void *ctx);

static inline void gc_fill(float *a, size_t n, asl_rng *r, double scale) {
  for (size_t i = 0; i < n; i++) a[i] = (float)(scale * (2 * asl_rng_uniform(r) - 1));
}

static inline double gc_project(const float *out, const float *r, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += (double)out[i] * r[i];
  return s;
}

// Compares analytic[i] with (f(x+h) - f(x-h)) / 2h for up to `samples`
// indices spread over x (all when n <= samples). Returns the worst error
// |a - d| / max(1, |a|, |d|) ... relative to `scale`: max(|a|, |d|, floor).
static inline double gc_check(gc_fn f, void *ctx, float *x, size_t n,
                              const float *analytic, double h, int samples,
                              double floor, const char *what) {
  double worst = 0;
  size_t step = n <= (size_t)samples ? 1 : n / (size_t)samples;
  for (size_t i = 0; i < n; i += step) {
    float keep = x[i];
    x[i] = (float)(keep + h);
    double fp = f(ctx);
    x[i] = (float)(keep - h);
    double fm = f(ctx);
    x[i] = keep;
    double d = (fp - fm) / (2 * h), a = analytic[i];
    double den = fmax(floor, fmax(fabs(a), fabs(d)));
    double e = fabs(a - d) / den;
    if (e > worst) worst = e;
    if (e > 2e-2)
      fprintf(stderr, "%s[%zu]: analytic %.6g numeric %.6g\n", what, i, a, d);
  }
  return worst;
}

#endif
