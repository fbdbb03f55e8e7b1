// Training data for the engine's denoising tests: smooth volumes (a constant
// plus three random low-frequency waves) and noisy copies of them, drawn from
// a seeded asl_rng so every run sees the same data.
#ifndef ASLSWEEP_TEST_SMOOTH_DATA_H
#define ASLSWEEP_TEST_SMOOTH_DATA_H

#include <math.h>

#include "asl/rng.h"

typedef struct {
  int gx, gy, gz;         // volume (x fastest)
  double f_lo, f_span;    // wave frequencies uniform in [f_lo, f_lo + f_span)
  double noise;           // SD of the added Gaussian noise
} smooth_data;

static void smooth_volume(const smooth_data *d, float *v, asl_rng *r) {
  double a[3], f[3][3], ph[3];
  for (int k = 0; k < 3; k++) {
    a[k] = 0.3 + 0.4 * asl_rng_uniform(r);
    ph[k] = 6.283 * asl_rng_uniform(r);
    for (int i = 0; i < 3; i++) f[k][i] = d->f_lo + d->f_span * asl_rng_uniform(r);
  }
  for (int z = 0; z < d->gz; z++)
    for (int y = 0; y < d->gy; y++)
      for (int x = 0; x < d->gx; x++) {
        double s = 1.0;
        for (int k = 0; k < 3; k++)
          s += a[k] * sin(f[k][0] * x + f[k][1] * y + 2 * f[k][2] * z + ph[k]);
        v[(z * d->gy + y) * d->gx + x] = (float)s;
      }
}

static void noisy_pair(const smooth_data *d, float *noisy, float *clean, asl_rng *r) {
  smooth_volume(d, clean, r);
  int n = d->gx * d->gy * d->gz;
  for (int i = 0; i < n; i++) noisy[i] = clean[i] + (float)(d->noise * asl_rng_normal(r));
}

#endif
